import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { remember } from "@epic-web/remember";
import type { CacheEvents } from "~/cache/events";
import type { CacheStatus } from "~/cache/read-log";
import { percentiles } from "./percentiles";

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
}

export function recordPurge(tagCount: number, ms: number, ok: boolean): void {
  const purges = state().purges;
  purges.purges += 1;
  purges.tags += tagCount;
  if (!ok) purges.failures += 1;
  purges.duration.record(Math.max(1, Math.round(ms * 1000)));
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

/** The counters in Prometheus's text format, for `/metrics`. */
export function metricsAsPrometheus(): string {
  const { queries, purges } = metricsSnapshot();
  const lines: string[] = [];
  const family = (name: string, type: "counter" | "gauge", help: string) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const label = (query: string) => `query="${query.replace(/["\\\n]/g, "_")}"`;

  family("quill_cache_reads_total", "counter", "Cached reads by query and outcome.");
  for (const [query, c] of Object.entries(queries)) {
    for (const [status, n] of [
      ["hit", c.hits],
      ["miss", c.misses],
      ["stale", c.stale],
      ["bypass", c.bypasses],
    ] as const) {
      lines.push(`quill_cache_reads_total{${label(query)},status="${status}"} ${n}`);
    }
  }
  for (const [name, help, pick] of [
    ["quill_cache_errors_total", "Redis calls that failed or timed out (the read bypassed).", "errors"],
    ["quill_cache_rejected_fills_total", "Fills refused because a purge overtook the load.", "rejectedFills"],
    ["quill_cache_schema_mismatches_total", "Cached values that no longer matched their schema.", "schemaMismatches"],
    ["quill_cache_loads_total", "Database loads made by cached queries.", "loads"],
  ] as const) {
    family(name, "counter", help);
    for (const [query, c] of Object.entries(queries)) lines.push(`${name}{${label(query)}} ${c[pick]}`);
  }
  family("quill_cache_read_seconds", "gauge", "Read latency percentiles since start (or reset).");
  for (const [query, c] of Object.entries(queries)) {
    for (const [q, ms] of [
      ["0.5", c.latency.p50Ms],
      ["0.95", c.latency.p95Ms],
      ["0.99", c.latency.p99Ms],
    ] as const) {
      lines.push(`quill_cache_read_seconds{${label(query)},quantile="${q}"} ${ms / 1000}`);
    }
  }
  family("quill_cache_purges_total", "counter", "Purges (invalidate calls).");
  lines.push(`quill_cache_purges_total ${purges.purges}`);
  family("quill_cache_purge_failures_total", "counter", "Purges that could not reach Redis (left to the outbox).");
  lines.push(`quill_cache_purge_failures_total ${purges.failures}`);
  family("quill_cache_purged_tags_total", "counter", "Tags purged.");
  lines.push(`quill_cache_purged_tags_total ${purges.tags}`);
  return `${lines.join("\n")}\n`;
}
