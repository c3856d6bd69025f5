import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  metricsAsPrometheus,
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

  it("writes Prometheus text: every family, every query, label values escaped", () => {
    recordRead("story.reading", "hit", 2);
    recordRead("story.reading", "miss", 2);
    queryCounters("story.reading").rejectedFills += 2;
    queryCounters("story.reading").schemaMismatches += 3;
    queryCounters("story.reading").loads += 1;
    queryCounters("story.reading").errors += 4;
    recordRead('odd"q\\x\ny', "bypass", 2);
    recordPurge(2, 1, true);
    recordPurge(1, 1, false);
    expect(metricsAsPrometheus()).toBe(
      `${[
        "# HELP quill_cache_reads_total Cached reads by query and outcome.",
        "# TYPE quill_cache_reads_total counter",
        'quill_cache_reads_total{query="story.reading",status="hit"} 1',
        'quill_cache_reads_total{query="story.reading",status="miss"} 1',
        'quill_cache_reads_total{query="story.reading",status="stale"} 0',
        'quill_cache_reads_total{query="story.reading",status="bypass"} 0',
        'quill_cache_reads_total{query="odd_q_x_y",status="hit"} 0',
        'quill_cache_reads_total{query="odd_q_x_y",status="miss"} 0',
        'quill_cache_reads_total{query="odd_q_x_y",status="stale"} 0',
        'quill_cache_reads_total{query="odd_q_x_y",status="bypass"} 1',
        "# HELP quill_cache_errors_total Redis calls that failed or timed out (the read bypassed).",
        "# TYPE quill_cache_errors_total counter",
        'quill_cache_errors_total{query="story.reading"} 4',
        'quill_cache_errors_total{query="odd_q_x_y"} 0',
        "# HELP quill_cache_rejected_fills_total Fills refused because a purge overtook the load.",
        "# TYPE quill_cache_rejected_fills_total counter",
        'quill_cache_rejected_fills_total{query="story.reading"} 2',
        'quill_cache_rejected_fills_total{query="odd_q_x_y"} 0',
        "# HELP quill_cache_schema_mismatches_total Cached values that no longer matched their schema.",
        "# TYPE quill_cache_schema_mismatches_total counter",
        'quill_cache_schema_mismatches_total{query="story.reading"} 3',
        'quill_cache_schema_mismatches_total{query="odd_q_x_y"} 0',
        "# HELP quill_cache_loads_total Database loads made by cached queries.",
        "# TYPE quill_cache_loads_total counter",
        'quill_cache_loads_total{query="story.reading"} 1',
        'quill_cache_loads_total{query="odd_q_x_y"} 0',
        "# HELP quill_cache_read_seconds Read latency percentiles since start (or reset).",
        "# TYPE quill_cache_read_seconds gauge",
        'quill_cache_read_seconds{query="story.reading",quantile="0.5"} 0.002',
        'quill_cache_read_seconds{query="story.reading",quantile="0.95"} 0.002',
        'quill_cache_read_seconds{query="story.reading",quantile="0.99"} 0.002',
        'quill_cache_read_seconds{query="odd_q_x_y",quantile="0.5"} 0.002',
        'quill_cache_read_seconds{query="odd_q_x_y",quantile="0.95"} 0.002',
        'quill_cache_read_seconds{query="odd_q_x_y",quantile="0.99"} 0.002',
        "# HELP quill_cache_purges_total Purges (invalidate calls).",
        "# TYPE quill_cache_purges_total counter",
        "quill_cache_purges_total 2",
        "# HELP quill_cache_purge_failures_total Purges that could not reach Redis (left to the outbox).",
        "# TYPE quill_cache_purge_failures_total counter",
        "quill_cache_purge_failures_total 1",
        "# HELP quill_cache_purged_tags_total Tags purged.",
        "# TYPE quill_cache_purged_tags_total counter",
        "quill_cache_purged_tags_total 3",
      ].join("\n")}\n`,
    );
  });

  it("writes only the families when nothing was read", () => {
    const text = metricsAsPrometheus();
    expect(text.split("\n").filter((l) => l.startsWith("quill_"))).toEqual([
      "quill_cache_purges_total 0",
      "quill_cache_purge_failures_total 0",
      "quill_cache_purged_tags_total 0",
    ]);
  });
});
