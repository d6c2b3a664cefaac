// argv → command. Commander parses; each command returns an exit code from report/exit-codes.
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '../report/exit-codes.js';
import type { Io } from './io.js';
import type { PlaybookCommandOptions } from './commands/playbook.js';
import type { ScheduleCommandOptions } from './commands/schedule.js';

// Each command's module is loaded when that command runs: loading them all cost every
// invocation ~0.3 s (zx alone ~0.13 s), `--version` and `lab status` included.
const commands = {
  playbook: () => import('./commands/playbook.js'),
  inventory: () => import('./commands/inventory.js'),
  adhoc: () => import('./commands/adhoc.js'),
  runs: () => import('./commands/runs.js'),
  rollback: () => import('./commands/rollback.js'),
  resume: () => import('./commands/resume.js'),
  lab: () => import('./commands/lab.js'),
  history: () => import('./commands/history.js'),
  schedule: () => import('./commands/schedule.js'),
  serve: () => import('./commands/serve.js'),
};

const collect = (v: string, prev: string[] = []) => [...prev, v];

const EXAMPLES = `
Examples:
  remediate plan playbooks/imagick.yml -i inventories/prod.yml       # what would change, touching nothing
  remediate apply playbooks/imagick.yml -i inventories/prod.yml -l 'web:!web001' --yes
  remediate check playbooks/imagick.yml -i inventories/prod.yml --json   # exit 0 = every host compliant
  remediate inventory --list -i inventories/prod.yml -l 'web*'
  remediate run 'web:&dc1' -i inventories/prod.yml -- 'cat /proc/loadavg'

Exit codes: 0 ok | bit 2 failed hosts | bit 4 unreachable hosts | bit 8 non-compliant (check)
            | bit 16 could not check (check) | 64 bad input | 65 refused (no TTY, no --yes)
            | 70 internal error | 130 interrupted`;

function hostOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <source>', 'inventory file, directory, script or host list "a,b," (repeatable)', collect)
    .option('-l, --limit <pattern>', 'further limit hosts with an Ansible host pattern (e.g. "web*:!web001", @file)')
    .option('-e, --extra-vars <vars>', 'extra vars: key=value pairs, JSON/YAML, or @file (repeatable; highest precedence)', collect)
    .option('-f, --forks <n>', 'hosts in flight at once (overrides rollout.concurrency)', (v) => positiveInt(v, '--forks'))
    .option('--json', 'one JSON object per event line on stdout')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against (replaces ~/.ssh/known_hosts)')
    .addOption(new Option('--host-key-policy <policy>', 'unknown/changed host keys').choices(['strict', 'accept-new', 'off']))
    .option('-K, --ask-become-pass', 'prompt for the sudo password (sent over stdin only)')
    .option('--become-password-env <name>', 'read the sudo password from this environment variable')
    .option('--connect-timeout <seconds>', 'SSH connect timeout (default 10)', (v) => positiveInt(v, '--connect-timeout'));
}

/** check's (and schedule's) report options. */
function checkOptions(cmd: Command): Command {
  return cmd
    .option('--report <kind:file>', 'also write a report: json, junit, prometheus or html (repeatable)', collect)
    .option('--waivers <file>', 'YAML file of accepted exceptions (hosts, assertion, justification, expires)');
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CommanderError(EXIT.BAD_INPUT, 'remediate.badInt', `${flag}: expected a positive integer, found '${v}'`);
  return n;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  let result: Promise<number> = Promise.resolve(EXIT.OK);
  const program = new Command('remediate')
    .description('Find every server carrying a time bomb, prove the fix on a canary, roll it out safely with rollback, keep checking.')
    .version('0.1.0')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(remediate --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  for (const name of ['apply', 'plan', 'check'] as const) {
    const desc = {
      apply: 'detect, plan, then roll out in canary batches with verification and rollback',
      plan: 'detect and plan, touching nothing (dry run): what would change, per host',
      check: 'compliance check from facts only; exit code says compliant or not',
    }[name];
    const c = hostOptions(program.command(name === 'apply' ? 'apply [playbook]' : `${name} <playbook>`).description(desc));
    if (name !== 'check') c.option('-y, --yes', 'do not ask for confirmation');
    if (name === 'plan') {
      c.option('--out <file>', 'also write the plan as JSON, for `remediate apply --plan FILE`');
      c.option('--seed <n>', 'seed for order: shuffle (kept in the saved plan)', (v) => positiveInt(v, '--seed'));
      c.option('--journal <file>', 'the journal whose earlier runs calibrate the estimate (read only; default $XDG_STATE_HOME/remediate/journal.db)');
    }
    if (name === 'apply') {
      c.option('--plan <file>', 'execute exactly this saved plan (from `plan --out`); hosts that drifted since are refused');
      c.option('--seed <n>', 'seed for order: shuffle', (v) => positiveInt(v, '--seed'));
      c.option('--journal <file>', 'the run journal (default $XDG_STATE_HOME/remediate/journal.db)');
      c.option('--allow-irreversible', 'run steps that cannot be undone (the plan marks them)');
    }
    if (name === 'check') checkOptions(c).option('--journal <file>', 'the run journal (default $XDG_STATE_HOME/remediate/journal.db)');
    c.action((playbook: string | undefined, opts: PlaybookCommandOptions) => { result = commands.playbook().then((m) => m.playbookCommand(name, playbook, opts, io)); });
  }

  hostOptions(program.command('inventory').description('show the inventory as Ansible would (ansible-inventory --list/--graph)'))
    .option('--list', 'JSON like ansible-inventory --list')
    .option('--graph', 'a tree of groups and hosts')
    .action((opts) => { result = commands.inventory().then((m) => m.inventoryCommand(opts, io)); });

  hostOptions(program.command('run <pattern>').description('ad-hoc: run one raw shell command on every matching host (like ansible -m raw)'))
    .argument('<command...>', 'the command, after --')
    .option('-b, --become', 'run it through sudo (as root, or --become-user)')
    .option('--become-user <user>', 'the user sudo runs it as (implies --become)')
    .option('--journal <file>', 'the run journal (default $XDG_STATE_HOME/remediate/journal.db)')
    .action((pattern: string, command: string[], opts) => { result = commands.adhoc().then((m) => m.adHocCommand(pattern, command.join(' '), opts, io)); });

  program.command('runs').description('runs recorded in the journal, newest first')
    .option('--json', 'a JSON array, newest first').option('--journal <file>', 'journal file')
    .option('-n, --limit <n>', 'at most this many runs (default 50)', (v) => positiveInt(v, '--limit'))
    .action((opts) => { result = commands.runs().then((m) => m.runsCommand(opts, io)); });
  program.command('prune').description('drop check runs older than a duration from the journal (the newest two, and every apply, rollback and ad-hoc run, are kept)')
    .requiredOption('--checks-older-than <duration>', 'e.g. 90d, 12h')
    .option('--journal <file>', 'journal file')
    .action((opts) => { result = commands.runs().then((m) => m.pruneCommand(opts, io)); });
  program.command('show <run>').description('what a run did, per host, per step (a run id or a unique prefix)')
    .option('--host <host>', 'only this host').option('--json', 'JSON').option('--journal <file>', 'journal file')
    .action((run: string, opts) => { result = commands.runs().then((m) => m.showCommand(run, opts, io)); });
  hostOptions(program.command('rollback <run>').description('undo a run\'s changes, newest first, and verify each host is back at its recorded pre-state'))
    .option('-y, --yes', 'do not ask for confirmation').option('--journal <file>', 'journal file')
    .action((run: string, opts) => { result = commands.rollback().then((m) => m.rollbackCommand(run, opts, io)); });
  hostOptions(program.command('resume <run>').description('finish a run that stopped, skipping what is done (no -i needed)'))
    .option('-y, --yes', 'do not ask for confirmation').option('--journal <file>', 'journal file')
    .option('--allow-irreversible', 'run steps that cannot be undone')
    .action((run: string, opts) => { result = commands.resume().then((m) => m.resumeCommand(run, opts, io)); });

  program.command('history').description('check history: drift since the previous check run, keys in use per host over time')
    .option('--host <host>', 'only this host').option('--runs <n>', 'check runs to look back (default 30)', (v) => positiveInt(v, '--runs'))
    .option('--json', 'JSON').option('--journal <file>', 'journal file')
    .action((opts) => { result = commands.history().then((m) => m.historyCommand(opts, io)); });
  checkOptions(hostOptions(program.command('schedule <playbook>').description('run `check` on a cron schedule as a daemon (one log line per event on stdout), or print systemd units')))
    .requiredOption('--cron <expr>', 'when to check: 5 cron fields ("0 6 * * *"), or 6 with seconds first')
    .option('--jitter <duration>', 'random delay before each run, e.g. 90, 5m')
    .option('--timezone <tz>', 'IANA time zone the cron expression is read in (default: local time)')
    .option('--notify-webhook <url>', 'POST a JSON summary when the non-compliant or at-risk hosts change')
    .option('--notify-webhook-env <name>', 'read the webhook URL from this environment variable (keeps a token out of argv)')
    .option('--journal <file>', 'the journal the checks are recorded in')
    .option('--keep-checks <duration>', "check runs older than this are pruned from the journal after each run (default 90d; 'forever' keeps all)")
    .option('--print-systemd', 'print an equivalent systemd service + timer pair and exit (schedules nothing)')
    .option('--unit-name <name>', 'systemd unit name (default remediate-check-PLAYBOOK)')
    .option('--verbose', "also print each check's own output")
    .action((playbook: string, opts: ScheduleCommandOptions) => { result = commands.schedule().then((m) => m.scheduleCommand(playbook, opts, io)); });
  program.command('serve').description('the fleet dashboard from the journal (read-only; loopback by default)')
    .option('--host <address>', 'bind address (default 127.0.0.1)').option('--port <n>', 'port (default 8080; 0 picks a free one, printed)', (v) => (v === '0' ? 0 : positiveInt(v, '--port')))
    .option('--journal <file>', 'journal file')
    .action((opts) => { result = commands.serve().then((m) => m.serveCommand(opts, io)); });

  const lab = program.command('lab').description('a simulated fleet of Apache hosts on loopback SSH, for rehearsals (see README)');
  const labInv = (c: Command) => c.option('-i, --inventory <file>', 'the inventory the lab writes/uses (default inventories/lab.yml)').option('--json', 'JSON');
  labInv(lab.command('up').description('start N simulated hosts in one background process and write their inventory + known_hosts'))
    .option('--hosts <n>', 'how many hosts (default 300)', (v) => positiveInt(v, '--hosts'))
    .option('--profile <name>', 'incident | mixed | faulty (default incident)')
    .option('--seed <n>', 'same seed, same fleet (default 1)', (v) => positiveInt(v, '--seed'))
    .action((opts) => { result = commands.lab().then((m) => m.labCommand('up', opts, io)); });
  labInv(lab.command('status').description('the fleet at a glance: distros, leaking, crashed, keys in use'))
    .option('--per-host', 'one row per host (with --json)')
    .option('--hash', 'one `HOST SHA256` line per host over its durable state (files with owner/mode, packages; not PIDs, reloads or keys)')
    .option('--mutations', 'one `HOST N` line per host: commands that changed it (0 everywhere proves a dry run changed nothing)')
    .action((opts) => { result = commands.lab().then((m) => m.labCommand('status', opts, io)); });
  labInv(lab.command('advance').description('simulate days of logrotate reloads'))
    .option('--days <n>', 'days to simulate (default 1)', (v) => positiveInt(v, '--days'))
    .action((opts) => { result = commands.lab().then((m) => m.labCommand('advance', opts, io)); });
  labInv(lab.command('down').description('stop the lab')).action((opts) => { result = commands.lab().then((m) => m.labCommand('down', opts, io)); });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      if (e.code === 'remediate.badInt') io.err(`remediate: ${e.message}\n`);
      return EXIT.BAD_INPUT;
    }
    throw e;
  }
  return result;
}
