/** Recent purges in this tab (its own and other tabs'), for the bypass window after a purge. */
export class PurgeLog {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(): void {
    this.last = this.now();
  }

  /** True for `windowMs` after the latest purge: data requests then skip every cache. */
  bypassing(): boolean {
    return this.now() - this.last < this.windowMs;
  }
}
