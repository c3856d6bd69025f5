import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { remember } from "@epic-web/remember";
import type { CacheEvents } from "~/cache/events";
import type { CacheStatus } from "~/cache/read-log";
import { percentiles } from "./percentiles";
import { prometheus, setCounterSources } from "./prometheus.server";

/**
 * Cache counters of this process, per query and per purge, for /metrics and the dashboards.
 * Latencies go into HDR histograms (node's perf_hooks; about 26 ns a record), in microseconds, for
 * the JSON snapshot, and into prom-client histograms with fixed buckets for /metrics, which
 * Prometheus can add up across instances (prometheus.server.ts).
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

type State = { queries: Map<string, QueryCounters>; purges: PurgeCounters; since: number };
const store = remember("monitoring.cache", (): { __cacheMetrics?: State } => ({}));

/**
 * Counts what an engine's bus reports (the composition root subscribes the process's bus once).
 * Purges replayed by the outbox relay are not counted again: the mutation's own purge was.
 */
export function observeCache(events: CacheEvents): () => void {
  const off = [
    events.on("served", ({ query, status, ms }) => recordRead(query, status, ms)),
    events.on("loaded", ({ query }) => {
      queryCounters(query).loads += 1;
    }),
    events.on("fillRejected", ({ query }) => {
      queryCounters(query).rejectedFills += 1;
    }),
    events.on("schemaMismatch", ({ query }) => {
      queryCounters(query).schemaMismatches += 1;
    }),
    events.on("redisFailed", ({ query }) => {
      queryCounters(query).errors += 1;
    }),
    events.on("purged", ({ tags, ms, ok, by }) => {
      if (by === "mutation") recordPurge(tags.length, ms, ok);
    }),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}

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
  prometheus().readDuration.observe({ query: name, status }, ms / 1000);
}

export function recordPurge(tagCount: number, ms: number, ok: boolean): void {
  const purges = state().purges;
  purges.purges += 1;
  purges.tags += tagCount;
  if (!ok) purges.failures += 1;
  purges.duration.record(Math.max(1, Math.round(ms * 1000)));
  prometheus().purgeDuration.observe(ms / 1000);
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
  prometheus().readDuration.reset();
  prometheus().purgeDuration.reset();
}

// /metrics reads the counters from here at scrape time.
setCounterSources({
  queries: () => [...state().queries].map(([name, { latency: _latency, ...counts }]) => [name, counts]),
  purges: () => state().purges,
});
