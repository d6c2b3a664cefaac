// A tiny counting semaphore: caps the exec channels open at once on one SSH connection
// (sshd refuses sessions past its MaxSessions). The limit can be lowered when the server
// proves stricter than configured.

export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`semaphore limit must be a positive integer, got ${limit}`);
  }

  get inUse(): number {
    return this.active;
  }

  get capacity(): number {
    return this.limit;
  }

  acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(() => { this.active++; resolve(); }));
  }

  release(): void {
    this.active--;
    this.wake();
  }

  /** Lower (or raise) the cap; never below 1. Waiters beyond it keep waiting. */
  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
    this.wake();
  }

  private wake(): void {
    while (this.active < this.limit && this.waiters.length > 0) this.waiters.shift()!();
  }
}
