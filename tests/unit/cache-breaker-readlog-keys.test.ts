import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "~/cache/circuit-breaker";
import { stableKey } from "~/cache/query-cache.server";
import { ReadLog } from "~/cache/read-log";
import { toMs } from "~/lib/duration";

describe("circuit breaker", () => {
  it("opens after the threshold, lets one probe through after the pause, and closes on success", () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, now: () => now });
    breaker.failure();
    breaker.failure();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.allow()).toBe(false);
    now = 1000;
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe("half-open");
    expect(breaker.allow()).toBe(false);
    breaker.success();
    expect(breaker.state).toBe("closed");
    expect(breaker.allow()).toBe(true);
  });

  it("opens again when the probe fails", () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 100, now: () => now });
    breaker.failure();
    now = 100;
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.allow()).toBe(false);
  });
});

describe("read log", () => {
  const read = (status: "hit" | "miss" | "stale" | "bypass", tags: string[]) => ({
    query: "q",
    status,
    tags,
    cacheMs: 1,
    dbMs: status === "hit" ? 0 : 2,
    scope: "public" as const,
  });

  it("sums statuses: MISS, else STALE, else BYPASS, else HIT", () => {
    const cases: [("hit" | "miss" | "stale" | "bypass")[], string | undefined][] = [
      [[], undefined],
      [["hit", "hit"], "HIT"],
      [["hit", "bypass"], "BYPASS"],
      [["bypass", "stale", "hit"], "STALE"],
      [["stale", "miss", "bypass"], "MISS"],
    ];
    for (const [statuses, expected] of cases) {
      const log = new ReadLog();
      for (const s of statuses) log.add(read(s, ["a"]));
      expect(log.headers()["X-Cache"]).toBe(expected);
    }
  });

  it("unions tags and names each query in Server-Timing", () => {
    const log = new ReadLog();
    log.add(read("hit", ["user:1"]));
    log.add(read("miss", ["story:1", "user:1"]));
    const headers = log.headers();
    expect(headers["X-Cache-Tags"]).toBe("user:1, story:1");
    expect(headers["Server-Timing"]).toBe(
      'cache;dur=2.00, db;dur=2.00, q0;desc="q hit";dur=1.00, q1;desc="q miss";dur=3.00',
    );
  });
});

describe("a request's validity (what its response may be kept under)", () => {
  type Read = Parameters<ReadLog["add"]>[0];
  const valid = (tags: string[], tokens: string[], freshUntil = 5_000, scope: "public" | "user" = "public"): Read => ({
    query: "q",
    status: "hit",
    tags,
    cacheMs: 0,
    dbMs: 0,
    scope,
    validity: { tokens, freshUntil },
  });
  const validityOf = (...reads: Read[]) => {
    const log = new ReadLog();
    for (const read of reads) log.add(read);
    return log.validity();
  };

  it("is the union of the reads' tags, sorted, with their tokens, fresh as long as the least fresh read", () => {
    expect(validityOf(valid(["post:2", "community:feed"], ["b", "a"], 9_000), valid(["post:1"], ["c"], 7_000))).toEqual(
      {
        tags: ["community:feed", "post:1", "post:2"],
        tokens: ["a", "c", "b"],
        freshUntil: 7_000,
      },
    );
    // A tag two reads share is named once, when they saw the same token.
    expect(validityOf(valid(["t"], ["x"], 3_000), valid(["t", "u"], ["x", "y"], 4_000))).toEqual({
      tags: ["t", "u"],
      tokens: ["x", "y"],
      freshUntil: 3_000,
    });
  });

  it("is none without reads, with a user's read, a read without validity, or two tokens of one tag", () => {
    expect(validityOf()).toBeUndefined();
    expect(validityOf(valid(["t"], ["x"]), valid(["u"], ["y"], 5_000, "user"))).toBeUndefined();
    expect(validityOf(valid(["t"], ["x"]), { ...valid(["u"], ["y"]), validity: undefined })).toBeUndefined();
    expect(validityOf(valid(["t"], ["x"]), valid(["t"], ["z"]))).toBeUndefined();
    expect(validityOf(valid(["t", "u"], ["x"]))).toBeUndefined(); // a token short
  });
});

describe("keys and durations", () => {
  it("gives the same key for the same arguments in any order", () => {
    expect(stableKey({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe(stableKey({ a: [2, { c: 4, d: 3 }], b: 1 }));
    expect(stableKey({ a: 1, b: undefined })).toBe(stableKey({ a: 1 }));
    expect(stableKey({ a: "1" })).not.toBe(stableKey({ a: 1 }));
  });

  it("reads durations", () => {
    expect(toMs("250ms")).toBe(250);
    expect(toMs("30s")).toBe(30_000);
    expect(toMs("5m")).toBe(300_000);
    expect(toMs("1h")).toBe(3_600_000);
    expect(toMs(42)).toBe(42);
    expect(() => toMs("soon" as never)).toThrow(/Not a duration/);
  });
});
