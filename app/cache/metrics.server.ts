import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import type { CacheStatus } from "./read-log";

/**
 * Cache counters of this process, per query and per purge, for /metrics and the dashboards.
 * Latencies go into HDR histograms (node's perf_hooks; about 26 ns a record), in microseconds.
 */
export interface QueryCounters {
  hits: number;
  misses: number;
  stale: number;
  bypasses: number;
  /** Redis calls that failed or timed out (the read then bypassed). */
  errors: number;
  /** Fills refused because a tag was purged while the value loaded. */
  rejectedFills: number;
  /** Values in Redis that no longer match the query's schema (treated as misses). */
  schemaMismatches: number;
  /** Database loads (misses + refreshes + bypasses − loads shared by single flight). */
  loads: number;
  latency: RecordableHistogram;
}

export interface PurgeCounters {
  purges: number;
  tags: number;
  failures: number;
  duration: RecordableHistogram;
}

const store = globalThis as typeof globalThis & {
  __cacheMetrics?: { queries: Map<string, QueryCounters>; purges: PurgeCounters; since: number };
};

function state() {
  store.__cacheMetrics ??= {
    queries: new Map(),
    purges: { purges: 0, tags: 0, failures: 0, duration: createHistogram() },
    since: Date.now(),
  };
  return store.__cacheMetrics;
}

export function queryCounters(name: string): QueryCounters {
  const all = state().queries;
  let counters = all.get(name);
  if (!counters) {
    counters = {
      hits: 0,
      misses: 0,
      stale: 0,
      bypasses: 0,
      errors: 0,
      rejectedFills: 0,
      schemaMismatches: 0,
      loads: 0,
      latency: createHistogram(),
    };
    all.set(name, counters);
  }
  return counters;
}

const statusField = { hit: "hits", miss: "misses", stale: "stale", bypass: "bypasses" } as const;

export function recordRead(name: string, status: CacheStatus, ms: number): void {
  const counters = queryCounters(name);
  counters[statusField[status]] += 1;
  counters.latency.record(Math.max(1, Math.round(ms * 1000)));
}

export function recordPurge(tagCount: number, ms: number, ok: boolean): void {
  const purges = state().purges;
  purges.purges += 1;
  purges.tags += tagCount;
  if (!ok) purges.failures += 1;
  purges.duration.record(Math.max(1, Math.round(ms * 1000)));
}

function percentiles(h: RecordableHistogram) {
  const ms = (us: number) => Math.round(us) / 1000;
  return h.count === 0
    ? { count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 }
    : {
        count: h.count,
        p50Ms: ms(h.percentile(50)),
        p95Ms: ms(h.percentile(95)),
        p99Ms: ms(h.percentile(99)),
        maxMs: ms(h.max),
      };
}

/** A JSON-friendly copy of every counter. */
export function metricsSnapshot() {
  const { queries, purges, since } = state();
  return {
    since: new Date(since).toISOString(),
    queries: Object.fromEntries(
      [...queries].map(([name, { latency, ...counts }]) => {
        const reads = counts.hits + counts.misses + counts.stale + counts.bypasses;
        return [name, { ...counts, reads, hitRate: reads ? counts.hits / reads : 0, latency: percentiles(latency) }];
      }),
    ),
    purges: {
      purges: purges.purges,
      tags: purges.tags,
      failures: purges.failures,
      duration: percentiles(purges.duration),
    },
  };
}

export function resetMetrics(): void {
  store.__cacheMetrics = undefined;
}
