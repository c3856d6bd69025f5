import { describe, expect, it } from "vitest";
import { parseConfig } from "~/config.server";
import { policyProblem } from "~/warming/eviction-policy.server";
import { WarmJobData, warmQueueName } from "~/warming/job";
import { decodeRead, encodeRead } from "~/warming/recent-reads.server";

describe("Redis eviction policies for their roles", () => {
  it("wants noeviction for the queue", () => {
    expect(policyProblem("queue", { policy: "noeviction", maxmemory: 0 })).toBeUndefined();
    expect(policyProblem("queue", { policy: "noeviction", maxmemory: 1e9 })).toBeUndefined();
    expect(policyProblem("queue", { policy: "allkeys-lru", maxmemory: 1e9 })).toMatch(/needs noeviction/);
    expect(policyProblem("queue", { policy: "volatile-lru", maxmemory: 0 })).toMatch(/needs noeviction/);
  });

  it("wants the cache able to evict anything once it has a memory limit", () => {
    expect(policyProblem("cache", { policy: "allkeys-lru", maxmemory: 1e9 })).toBeUndefined();
    expect(policyProblem("cache", { policy: "allkeys-lfu", maxmemory: 1e9 })).toBeUndefined();
    // No limit: nothing is ever evicted, and nothing fails (one Redis may serve both roles).
    expect(policyProblem("cache", { policy: "noeviction", maxmemory: 0 })).toBeUndefined();
    expect(policyProblem("cache", { policy: "noeviction", maxmemory: 1e9 })).toMatch(/every cache write fails/);
    expect(policyProblem("cache", { policy: "volatile-lru", maxmemory: 1e9 })).toMatch(/tag tokens have no TTL/);
  });
});

describe("warming jobs and reads", () => {
  it("encodes a read stably whatever the argument order, and decodes it back", () => {
    const a = encodeRead({ query: "q", args: { b: 2, a: 1 }, userId: 7 });
    const b = encodeRead({ query: "q", args: { a: 1, b: 2 }, userId: 7 });
    expect(a).toBe(b);
    expect(decodeRead(a)).toEqual({ query: "q", args: { a: 1, b: 2 }, userId: 7 });
    expect(decodeRead(encodeRead({ query: "q", args: {} }))).toEqual({ query: "q", args: {}, userId: undefined });
    expect(decodeRead("not json")).toBeUndefined();
    expect(decodeRead("[1,2]")).toBeUndefined();
  });

  it("validates job data", () => {
    expect(WarmJobData.safeParse({ query: "q", args: {}, reason: "purge", purgedAt: 1 }).success).toBe(true);
    expect(WarmJobData.safeParse({ query: "", args: {}, reason: "purge" }).success).toBe(false);
    expect(WarmJobData.safeParse({ query: "q", args: {}, reason: "later" }).success).toBe(false);
    expect(WarmJobData.safeParse({ query: "q", args: {}, reason: "purge", userId: -1 }).success).toBe(false);
  });

  it("names one queue per database, without the colon BullMQ refuses", () => {
    expect(warmQueueName("AbC_12-x")).toBe("warm-AbC_12-x");
    expect(warmQueueName("AbC_12-x")).not.toContain(":");
  });
});

describe("warming configuration", () => {
  it("has defaults, reads durations, and names a bad variable", () => {
    expect(parseConfig({}).warming).toEqual({
      concurrency: 16,
      intervalMs: 60_000,
      hotKeys: 100,
      stopTimeoutMs: 10_000,
    });
    expect(parseConfig({}).workers).toBe("inline");
    const custom = parseConfig({
      WARM_INTERVAL: "5m",
      WORKER_STOP_TIMEOUT: "500ms",
      WARM_CONCURRENCY: "8",
      WORKERS: "off",
    });
    expect(custom.warming).toMatchObject({ intervalMs: 300_000, stopTimeoutMs: 500, concurrency: 8 });
    expect(custom.workers).toBe("off");
    expect(parseConfig({ WARM_INTERVAL: "0" }).warming.intervalMs).toBe(0);
    expect(() => parseConfig({ WARM_INTERVAL: "soon" })).toThrow(/WARM_INTERVAL/);
    expect(() => parseConfig({ WARM_CONCURRENCY: "0" })).toThrow(/WARM_CONCURRENCY/);
    expect(() => parseConfig({ WORKERS: "many" })).toThrow(/WORKERS/);
  });
});
