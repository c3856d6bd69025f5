import os from "node:os";
import type { Histogram } from "prom-client";
import { metricsSnapshot } from "./cache-metrics.server";
import { freshnessAudit } from "./freshness-audit.server";
import { type Buckets, emptyBuckets } from "./histogram-buckets";
import { LATENCY_BUCKETS, prometheus, WARM_DELAY_BUCKETS } from "./prometheus.server";
import { queueDepth, warmMetricsSnapshot } from "./warm-metrics.server";

/**
 * One process's figures as it publishes them to the cluster (cluster.server.ts): counters since
 * start (or the last reset) and its histograms as bucket counts, which add up across instances.
 */
export interface ReadCounts {
  hit: number;
  miss: number;
  stale: number;
  bypass: number;
}

export interface QueryFigures extends ReadCounts {
  errors: number;
  loads: number;
  latency: Buckets;
}

export interface Figures {
  reads: ReadCounts;
  errors: number;
  loads: number;
  rejectedFills: number;
  purges: number;
  purgeFailures: number;
  audited: number;
  staleHits: number;
  warm: { queued: number; done: number; failed: number; retried: number; unavailable: number };
  queries: Record<string, QueryFigures>;
  latency: Buckets;
  purgeDuration: Buckets;
  warmDelay: Buckets;
  /** The warming queue's depth now (a gauge, not a count since start); absent without a queue. */
  queueDepth?: number;
}

export interface InstanceFigures extends Figures {
  instance: string;
  role: string;
  host: string;
  pid: number;
  startedAt: string;
  /** When these figures were taken (ms since the epoch). */
  at: number;
}

export function emptyFigures(): Figures {
  return {
    reads: { hit: 0, miss: 0, stale: 0, bypass: 0 },
    errors: 0,
    loads: 0,
    rejectedFills: 0,
    purges: 0,
    purgeFailures: 0,
    audited: 0,
    staleHits: 0,
    warm: { queued: 0, done: 0, failed: 0, retried: 0, unavailable: 0 },
    queries: {},
    latency: emptyBuckets(LATENCY_BUCKETS),
    purgeDuration: emptyBuckets(LATENCY_BUCKETS),
    warmDelay: emptyBuckets(WARM_DELAY_BUCKETS),
  };
}

/** A prom-client histogram's cumulative `le` buckets as bucket counts, per label set `key` picks. */
async function bucketsBy<L extends string>(
  histogram: Histogram<L>,
  bounds: readonly number[],
  key: (labels: Partial<Record<string, string | number>>) => string,
): Promise<Map<string, Buckets>> {
  const cumulative = new Map<string, number[]>();
  const sums = new Map<string, number>();
  for (const sample of (await histogram.get()).values) {
    const labels = sample.labels as Record<string, string | number>;
    const k = key(labels);
    if (sample.metricName?.endsWith("_sum")) sums.set(k, (sums.get(k) ?? 0) + sample.value);
    if (!sample.metricName?.endsWith("_bucket")) continue;
    const i = labels.le === "+Inf" ? bounds.length : bounds.indexOf(Number(labels.le));
    if (i < 0) continue;
    const row = cumulative.get(k) ?? new Array(bounds.length + 1).fill(0);
    row[i] += sample.value;
    cumulative.set(k, row);
  }
  const out = new Map<string, Buckets>();
  for (const [k, row] of cumulative) {
    out.set(k, { bounds, counts: row.map((n, i) => n - (i === 0 ? 0 : (row[i - 1] ?? 0))), sum: sums.get(k) ?? 0 });
  }
  return out;
}

/** This process's figures now. */
export async function localFigures(): Promise<Figures> {
  const { readDuration, purgeDuration, warmDelay } = prometheus();
  const cache = metricsSnapshot();
  const warm = warmMetricsSnapshot();
  const audit = freshnessAudit().snapshot();
  const perQuery = await bucketsBy(readDuration, LATENCY_BUCKETS, (l) => String(l.query));
  const all = await bucketsBy(readDuration, LATENCY_BUCKETS, () => "all");
  const figures = emptyFigures();
  for (const [name, c] of Object.entries(cache.queries)) {
    figures.queries[name] = {
      hit: c.hits,
      miss: c.misses,
      stale: c.stale,
      bypass: c.bypasses,
      errors: c.errors,
      loads: c.loads,
      latency: perQuery.get(name) ?? emptyBuckets(LATENCY_BUCKETS),
    };
    figures.reads.hit += c.hits;
    figures.reads.miss += c.misses;
    figures.reads.stale += c.stale;
    figures.reads.bypass += c.bypasses;
    figures.errors += c.errors;
    figures.loads += c.loads;
    figures.rejectedFills += c.rejectedFills;
  }
  figures.latency = all.get("all") ?? figures.latency;
  figures.purges = cache.purges.purges;
  figures.purgeFailures = cache.purges.failures;
  figures.purgeDuration =
    (await bucketsBy(purgeDuration, LATENCY_BUCKETS, () => "all")).get("all") ?? figures.purgeDuration;
  figures.warmDelay = (await bucketsBy(warmDelay, WARM_DELAY_BUCKETS, () => "all")).get("all") ?? figures.warmDelay;
  figures.audited = audit.audited;
  figures.staleHits = audit.stale;
  figures.warm = {
    queued: warm.queued,
    done: warm.done,
    failed: warm.failed,
    retried: warm.retried,
    unavailable: warm.unavailable,
  };
  figures.queueDepth = await queueDepth();
  return figures;
}

export function instanceIdentity(role: string) {
  return {
    instance: `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 6)}`,
    role,
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
}
