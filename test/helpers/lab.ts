// labUp/labDown as tests call them: bound to this machine's processes (the ProcessControl the
// CLI builds), so a test starts and stops a real lab daemon with the same code path as the CLI.
import { labDown as down, labUp as up, type LabUpOptions, type LabUpResult } from '../../src/lab/index.js';
import { labProcessControl } from '../../src/cli/lab-process.js';

export { labAdvance, labStatus } from '../../src/lab/index.js';

export const labProcess = labProcessControl();

export function labUp(o: LabUpOptions): Promise<LabUpResult> {
  return up(o, labProcess);
}

export function labDown(inventoryPath: string, o: { timeoutMs?: number } = {}): Promise<{ stopped: boolean; pid: number | null }> {
  return down(inventoryPath, labProcess, o);
}
