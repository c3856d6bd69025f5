/**
 * A circuit breaker for the cache's Redis (docs/decisions/003-fail-open.md). Closed: calls go through. After
 * `failureThreshold` failures in a row it opens: calls are skipped (the cache is bypassed) for
 * `openMs`. Then it lets one call through (half-open): success closes it, failure opens it again.
 */
export type BreakerState = "closed" | "open" | "half-open";

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  state: BreakerState = "closed";

  constructor(
    private readonly options: { failureThreshold: number; openMs: number; now?: () => number } = {
      failureThreshold: 3,
      openMs: 1000,
    },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** Whether a call may go to Redis now (in half-open, only the one probe may). */
  allow(): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open" && this.now() - this.openedAt >= this.options.openMs) {
      this.state = "half-open";
      this.probing = false;
    }
    if (this.state === "half-open" && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.state = "closed";
  }

  failure(): void {
    this.failures += 1;
    this.probing = false;
    if (this.state === "half-open" || this.failures >= this.options.failureThreshold) this.trip();
  }

  /** Opens now (the connection closed: no need to wait for failures). */
  trip(): void {
    this.state = "open";
    this.openedAt = this.now();
  }
}
