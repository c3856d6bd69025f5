import { afterEach, describe, expect, it, vi } from "vitest";
import { CircuitBreaker } from "~/cache/circuit-breaker";

/** The circuit breaker's edges, each one a decision the cache takes under a failing Redis. */
describe("circuit breaker", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts closed and lets every call through", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 100, now: () => 0 });
    expect(breaker.state).toBe("closed");
    for (let i = 0; i < 5; i++) expect(breaker.allow()).toBe(true);
  });

  it("opens at exactly the threshold of failures in a row, not one before", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 100, now: () => 0 });
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe("closed");
    breaker.failure();
    expect(breaker.state).toBe("open");
  });

  it("counts failures in a row only: a success starts the count again", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 100, now: () => 0 });
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe("closed");
    breaker.failure();
    expect(breaker.state).toBe("open");
  });

  it("stays open until exactly openMs after it opened, measured from when it opened", () => {
    const c = { now: 5000 };
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000, now: () => c.now });
    breaker.failure();
    expect(breaker.state).toBe("open");
    c.now = 5500;
    expect(breaker.allow()).toBe(false);
    c.now = 5999;
    expect(breaker.allow()).toBe(false);
    expect(breaker.state).toBe("open");
    c.now = 6000;
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe("half-open");
  });

  it("lets exactly one probe through while half-open", () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 10, now: () => now });
    breaker.failure();
    now = 10;
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false);
    expect(breaker.allow()).toBe(false);
    expect(breaker.state).toBe("half-open");
    breaker.success();
    expect(breaker.state).toBe("closed");
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(true);
  });

  it("reopens on a failed probe even below the threshold (after a trip), for another full pause", () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 100, now: () => now });
    breaker.trip(); // a lost connection: open with no failure counted
    expect(breaker.state).toBe("open");
    expect(breaker.allow()).toBe(false);
    now = 100;
    expect(breaker.allow()).toBe(true);
    breaker.failure(); // one failure, below the threshold of 3: still reopens
    expect(breaker.state).toBe("open");
    now = 150;
    expect(breaker.allow()).toBe(false);
    now = 200;
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe("half-open");
  });

  it("opens the pause from the time of the trip", () => {
    let now = 1000;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 100, now: () => now });
    now = 4000;
    breaker.trip();
    now = 4099;
    expect(breaker.allow()).toBe(false);
    now = 4100;
    expect(breaker.allow()).toBe(true);
  });

  it("defaults to 3 failures and a 1 s pause on the wall clock", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const breaker = new CircuitBreaker();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe("closed");
    breaker.failure();
    expect(breaker.state).toBe("open");
    vi.setSystemTime(1_000_999);
    expect(breaker.allow()).toBe(false);
    vi.setSystemTime(1_001_000);
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe("half-open");
  });

  it("uses the wall clock when no clock is given", () => {
    vi.useFakeTimers({ now: 50_000 });
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 500 });
    breaker.failure();
    vi.setSystemTime(50_499);
    expect(breaker.allow()).toBe(false);
    vi.setSystemTime(50_500);
    expect(breaker.allow()).toBe(true);
  });
});
