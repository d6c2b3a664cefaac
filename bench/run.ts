// `npm run bench`: every benchmark, each reporting ratios against a baseline measured in the
// same run (never absolute timing assertions). Pick some with: npm run bench -- inventory ssh
const suites: Record<string, { module: string; fn: string }> = {
  inventory: { module: './inventory.js', fn: 'benchInventory' },
  ssh: { module: './ssh.js', fn: 'benchSsh' },
  lab: { module: './lab.js', fn: 'benchLab' },
};

const wanted = process.argv.slice(2).filter((a) => a in suites);
let failed = 0;
for (const [name, s] of Object.entries(suites)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const t0 = Date.now();
  try {
    const mod = (await import(s.module)) as Record<string, () => Promise<string>>;
    const report = await mod[s.fn]();
    console.log(`## ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n${report}\n`);
  } catch (e) {
    failed++;
    console.log(`## ${name}: FAILED: ${(e as Error).stack ?? e}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
