import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  metricsSnapshot,
  queryCounters,
  recordPurge,
  recordRead,
  resetMetrics,
} from "~/monitoring/cache-metrics.server";

/** The cache's counters as /metrics and the dashboards read them: every field, exactly. */
describe("cache metrics", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 2, 3, 4, 5) });
    resetMetrics();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts empty, since the reset", () => {
    expect(metricsSnapshot()).toEqual({
      since: "2030-01-02T03:04:05.000Z",
      queries: {},
      purges: { purges: 0, tags: 0, failures: 0, duration: { count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 } },
    });
  });

  it("counts reads by status, with reads, hit rate and latency percentiles", () => {
    recordRead("q", "hit", 2);
    recordRead("q", "hit", 2);
    recordRead("q", "hit", 2);
    recordRead("q", "miss", 1.5);
    recordRead("q", "miss", 1.5);
    recordRead("q", "stale", 3);
    recordRead("q", "bypass", 0); // under a microsecond still counts as one
    queryCounters("q").errors += 1;
    queryCounters("q").loads += 4;
    expect(metricsSnapshot().queries.q).toEqual({
      hits: 3,
      misses: 2,
      stale: 1,
      bypasses: 1,
      errors: 1,
      rejectedFills: 0,
      schemaMismatches: 0,
      loads: 4,
      reads: 7,
      hitRate: 3 / 7,
      latency: { count: 7, p50Ms: 2, p95Ms: 3.001, p99Ms: 3.001, maxMs: 3.001 },
    });
  });

  it("gives a query that was never read a hit rate of 0", () => {
    queryCounters("unread").loads += 1;
    expect(metricsSnapshot().queries.unread).toMatchObject({ reads: 0, hitRate: 0, loads: 1 });
    expect(metricsSnapshot().queries.unread?.latency).toEqual({ count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 });
  });

  it("keeps one set of counters per query", () => {
    recordRead("a", "hit", 1);
    recordRead("b", "miss", 1);
    expect(queryCounters("a")).toBe(queryCounters("a"));
    expect(metricsSnapshot().queries.a).toMatchObject({ hits: 1, misses: 0 });
    expect(metricsSnapshot().queries.b).toMatchObject({ hits: 0, misses: 1 });
  });

  it("counts purges, their tags, their failures and their duration", () => {
    recordPurge(3, 1.5, true);
    recordPurge(2, 2, false);
    recordPurge(0, 0, true);
    expect(metricsSnapshot().purges).toEqual({
      purges: 3,
      tags: 5,
      failures: 1,
      duration: { count: 3, p50Ms: 1.5, p95Ms: 2, p99Ms: 2, maxMs: 2 },
    });
  });

  it("forgets everything on reset", () => {
    recordRead("q", "hit", 1);
    recordPurge(1, 1, false);
    vi.setSystemTime(Date.UTC(2031, 0, 1));
    resetMetrics();
    expect(metricsSnapshot()).toMatchObject({
      since: "2031-01-01T00:00:00.000Z",
      queries: {},
      purges: { purges: 0, tags: 0, failures: 0 },
    });
  });
});
