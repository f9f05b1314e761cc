// The limits that keep one resolution from burning a server's CPU: a time budget and a number of distinct packages
// read. Running out is signalled by throwing LimitExceeded from deep inside the solver, caught once in solve().
export type Limit = 'timeBudgetMs' | 'maxPackages';

export class LimitExceeded {
  constructor(
    readonly limit: Limit,
    readonly value: number,
  ) {}
}

export class Budget {
  private readonly deadline: number;
  private packages = 0;

  constructor(
    private readonly timeBudgetMs: number,
    private readonly maxPackages: number,
  ) {
    this.deadline = performance.now() + timeBudgetMs;
  }

  /** Throws once the time budget is spent. */
  checkTime(): void {
    if (performance.now() > this.deadline) throw new LimitExceeded('timeBudgetMs', this.timeBudgetMs);
  }

  /** Counts one more distinct package read; throws past the limit. */
  countPackage(): void {
    this.packages++;
    if (this.packages > this.maxPackages) throw new LimitExceeded('maxPackages', this.maxPackages);
  }
}
