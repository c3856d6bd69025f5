import type { Redis } from "ioredis";
import { logger } from "~/lib/logger.server";
import { addInto, type Buckets, difference, emptyBuckets, quantile } from "./histogram-buckets";
import {
  emptyFigures,
  type Figures,
  type InstanceFigures,
  instanceIdentity,
  localFigures,
  type ReadCounts,
} from "./local-figures.server";

/**
 * Cluster-wide figures (docs/operations.md#the-cluster-view). Every process, web or worker,
 * publishes every 5 s its figures (counters and histogram bucket counts since its start) under a
 * key of its own with a short TTL, and every 10 s the change since its last point onto a list of
 * its own, kept for an hour (360 points). A reader merges the instances whose key is still there:
 * a process that stops deletes its key, one that dies drops out when the TTL lapses (15 s).
 */
export const PUBLISH_INTERVAL_MS = 5_000;
export const SERIES_STEP_MS = 10_000;
export const SERIES_POINTS = 360;
export const INSTANCE_TTL_MS = 15_000;

/** One 10 s step of one instance (or, merged, of the cluster): what changed during it. */
export interface SeriesPoint {
  /** The step's start, ms since the epoch, a multiple of SERIES_STEP_MS. */
  t: number;
  reads: ReadCounts;
  errors: number;
  purges: number;
  /** Hits the freshness audit compared, and those it found stale. */
  audited: number;
  staleHits: number;
  warmDone: number;
  warmFailed: number;
  latency: Buckets;
  warmDelay: Buckets;
  /** The warming queue's depth at the step's end (a gauge); merged as the largest any instance saw. */
  queueDepth?: number;
}

const keys = (namespace: string) => ({
  instances: `quill:cluster:${namespace}:instances`,
  figures: (id: string) => `quill:cluster:${namespace}:figures:${id}`,
  series: (id: string) => `quill:cluster:${namespace}:series:${id}`,
});

function sumReads(a: ReadCounts, b: ReadCounts): ReadCounts {
  return { hit: a.hit + b.hit, miss: a.miss + b.miss, stale: a.stale + b.stale, bypass: a.bypass + b.bypass };
}

/** What changed from `earlier` to `later` (a counter that went down was reset: it counts from 0). */
export function pointBetween(t: number, later: Figures, earlier: Figures): SeriesPoint {
  const delta = (a: number, b: number) => (a >= b ? a - b : a);
  return {
    t,
    reads: {
      hit: delta(later.reads.hit, earlier.reads.hit),
      miss: delta(later.reads.miss, earlier.reads.miss),
      stale: delta(later.reads.stale, earlier.reads.stale),
      bypass: delta(later.reads.bypass, earlier.reads.bypass),
    },
    errors: delta(later.errors, earlier.errors),
    purges: delta(later.purges, earlier.purges),
    audited: delta(later.audited, earlier.audited),
    staleHits: delta(later.staleHits, earlier.staleHits),
    warmDone: delta(later.warm.done, earlier.warm.done),
    warmFailed: delta(later.warm.failed, earlier.warm.failed),
    latency: difference(later.latency, earlier.latency),
    warmDelay: difference(later.warmDelay, earlier.warmDelay),
    queueDepth: later.queueDepth,
  };
}

/** What an instance publishes: its figures, and the change in its current, unfinished step. */
export type PublishedFigures = InstanceFigures & { partial?: SeriesPoint };

export interface ClusterPublisher {
  /** Publishes now (the timer calls this every 5 s). */
  publish(now?: number): Promise<void>;
  /** Stops and deletes this instance's key: it leaves the cluster view at once. */
  stop(): Promise<void>;
  /** Stops without deleting anything, as a killed process would (tests). */
  abandon(): void;
  readonly instance: string;
}

export function startClusterPublisher({
  redis,
  namespace,
  role,
  collect = localFigures,
  intervalMs = PUBLISH_INTERVAL_MS,
  ttlMs = INSTANCE_TTL_MS,
  timer = true,
}: {
  redis: () => Redis | undefined;
  namespace: string;
  role: string;
  collect?: () => Promise<Figures>;
  intervalMs?: number;
  ttlMs?: number;
  timer?: boolean;
}): ClusterPublisher {
  const identity = instanceIdentity(role);
  const k = keys(namespace);
  let baseline: Figures | undefined;
  let baselineStep = 0;
  let stopped = false;

  async function publish(now = Date.now()) {
    const client = redis();
    if (stopped || !client || client.status !== "ready") return;
    const figures = await collect();
    const step = Math.floor(now / SERIES_STEP_MS) * SERIES_STEP_MS;
    // What changed since the last point, so the alert window sees the last seconds too.
    const partial = baseline && step === baselineStep ? pointBetween(baselineStep, figures, baseline) : undefined;
    const published: PublishedFigures = { ...identity, ...figures, at: now, partial };
    const pipeline = client
      .multi()
      .set(k.figures(identity.instance), JSON.stringify(published), "PX", ttlMs)
      .zadd(k.instances, now, identity.instance)
      .zremrangebyscore(k.instances, "-inf", now - 3_600_000);
    // One point per 10 s step: what changed since the last point (the first one only sets the baseline).
    if (step > baselineStep) {
      if (baseline) {
        pipeline
          .rpush(k.series(identity.instance), JSON.stringify(pointBetween(baselineStep, figures, baseline)))
          .ltrim(k.series(identity.instance), -SERIES_POINTS, -1)
          .pexpire(k.series(identity.instance), SERIES_POINTS * SERIES_STEP_MS);
      }
      baseline = figures;
      baselineStep = step;
    }
    await pipeline.exec();
  }

  const handle = timer
    ? setInterval(() => {
        publish().catch((error: unknown) => logger.debug({ err: error }, "cluster figures not published"));
      }, intervalMs)
    : undefined;
  handle?.unref();
  // Seen at once, not 5 s after the start.
  if (timer) publish().catch((error: unknown) => logger.debug({ err: error }, "cluster figures not published"));

  return {
    instance: identity.instance,
    publish,
    abandon() {
      stopped = true;
      if (handle) clearInterval(handle);
    },
    async stop() {
      stopped = true;
      if (handle) clearInterval(handle);
      const client = redis();
      if (client?.status === "ready") {
        await client
          .multi()
          .del(k.figures(identity.instance))
          .zrem(k.instances, identity.instance)
          .exec()
          .catch(() => {});
      }
    },
  };
}

export interface Percentiles {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export function percentilesOf(buckets: Buckets): Percentiles {
  const ms = (q: number) => Math.round(quantile(buckets, q) * 1e6) / 1e3;
  return { count: buckets.counts.reduce((a, b) => a + b, 0), p50Ms: ms(0.5), p95Ms: ms(0.95), p99Ms: ms(0.99) };
}

function readsTotal(r: ReadCounts) {
  return r.hit + r.miss + r.stale + r.bypass;
}

/** Merges instances' figures: every counter summed, every histogram added bucket by bucket. */
export function mergeFigures(all: readonly Figures[]): Figures {
  const merged = emptyFigures();
  for (const f of all) {
    merged.reads = sumReads(merged.reads, f.reads);
    merged.errors += f.errors;
    merged.loads += f.loads;
    merged.rejectedFills += f.rejectedFills;
    merged.purges += f.purges;
    merged.purgeFailures += f.purgeFailures;
    merged.audited += f.audited;
    merged.staleHits += f.staleHits;
    for (const key of Object.keys(merged.warm) as (keyof Figures["warm"])[]) merged.warm[key] += f.warm[key] ?? 0;
    addInto(merged.latency, f.latency);
    addInto(merged.purgeDuration, f.purgeDuration);
    addInto(merged.warmDelay, f.warmDelay);
    for (const [name, q] of Object.entries(f.queries)) {
      const into = merged.queries[name] ?? {
        hit: 0,
        miss: 0,
        stale: 0,
        bypass: 0,
        errors: 0,
        loads: 0,
        latency: emptyBuckets(q.latency.bounds),
      };
      Object.assign(into, sumReads(into, q));
      into.errors += q.errors;
      into.loads += q.loads;
      addInto(into.latency, q.latency);
      merged.queries[name] = into;
    }
  }
  return merged;
}

/** Sums the instances' points step by step, oldest first. */
export function mergeSeries(all: readonly SeriesPoint[][]): SeriesPoint[] {
  const byStep = new Map<number, SeriesPoint>();
  for (const series of all) {
    for (const p of series) {
      const into = byStep.get(p.t);
      if (!into) {
        byStep.set(p.t, structuredClone(p));
        continue;
      }
      into.reads = sumReads(into.reads, p.reads);
      into.errors += p.errors;
      into.purges += p.purges;
      into.audited += p.audited ?? 0;
      into.staleHits += p.staleHits;
      into.warmDone += p.warmDone;
      into.warmFailed += p.warmFailed;
      addInto(into.latency, p.latency);
      addInto(into.warmDelay, p.warmDelay);
      // Every instance sees the one queue: the cluster's depth is what any saw, not their sum.
      if (p.queueDepth !== undefined) into.queueDepth = Math.max(into.queueDepth ?? 0, p.queueDepth);
    }
  }
  return [...byStep.values()].sort((a, b) => a.t - b.t);
}

/** The figures of the instances alive now, and each one's series. */
export async function readCluster(
  redis: Redis,
  namespace: string,
): Promise<{ instances: PublishedFigures[]; series: Map<string, SeriesPoint[]> }> {
  const k = keys(namespace);
  const ids = await redis.zrange(k.instances, 0, -1);
  if (ids.length === 0) return { instances: [], series: new Map() };
  const raw = await redis.mget(ids.map((id) => k.figures(id)));
  const instances: PublishedFigures[] = [];
  const gone: string[] = [];
  raw.forEach((json, i) => {
    if (json) instances.push(JSON.parse(json) as PublishedFigures);
    else gone.push(ids[i] as string);
  });
  if (gone.length > 0) await redis.zrem(k.instances, ...gone);
  const pipeline = redis.pipeline();
  for (const instance of instances) pipeline.lrange(k.series(instance.instance), 0, -1);
  const lists = (await pipeline.exec()) ?? [];
  const series = new Map<string, SeriesPoint[]>();
  instances.forEach((instance, i) => {
    const [, list] = lists[i] ?? [];
    series.set(
      instance.instance,
      ((list as string[] | undefined) ?? []).map((p) => JSON.parse(p) as SeriesPoint),
    );
  });
  return { instances, series };
}

/** The cluster view the metrics API and the dashboard show. */
export async function clusterView(redis: Redis, namespace: string) {
  const { instances, series } = await readCluster(redis, namespace);
  const totals = mergeFigures(instances);
  const merged = mergeSeries([...series.values()]);
  const hitRate = (r: ReadCounts) => (readsTotal(r) === 0 ? 0 : r.hit / readsTotal(r));
  return {
    at: new Date().toISOString(),
    instances: instances.map((i) => ({
      instance: i.instance,
      role: i.role,
      host: i.host,
      pid: i.pid,
      startedAt: i.startedAt,
      seenAt: new Date(i.at).toISOString(),
      reads: readsTotal(i.reads),
      hitRate: hitRate(i.reads),
      latency: percentilesOf(i.latency),
      purges: i.purges,
      warmDone: i.warm.done,
      staleHits: i.staleHits,
    })),
    totals: {
      ...totals.reads,
      reads: readsTotal(totals.reads),
      hitRate: hitRate(totals.reads),
      errors: totals.errors,
      loads: totals.loads,
      rejectedFills: totals.rejectedFills,
      purges: totals.purges,
      purgeFailures: totals.purgeFailures,
      audited: totals.audited,
      staleHits: totals.staleHits,
      warm: totals.warm,
      latency: percentilesOf(totals.latency),
      purgeDuration: percentilesOf(totals.purgeDuration),
      warmDelay: percentilesOf(totals.warmDelay),
    },
    queries: Object.fromEntries(
      Object.entries(totals.queries).map(([name, q]) => [
        name,
        {
          hit: q.hit,
          miss: q.miss,
          stale: q.stale,
          bypass: q.bypass,
          reads: readsTotal(q),
          hitRate: hitRate(q),
          errors: q.errors,
          loads: q.loads,
          latency: percentilesOf(q.latency),
        },
      ]),
    ),
    series: merged.map((p) => ({
      t: p.t,
      reads: p.reads,
      readsPerSec: readsTotal(p.reads) / (SERIES_STEP_MS / 1000),
      hitRate: hitRate(p.reads),
      latency: percentilesOf(p.latency),
      purgesPerSec: p.purges / (SERIES_STEP_MS / 1000),
      errors: p.errors,
      audited: p.audited ?? 0,
      staleHits: p.staleHits,
      warmDone: p.warmDone,
      warmFailed: p.warmFailed,
      warmDelay: percentilesOf(p.warmDelay),
      queueDepth: p.queueDepth ?? null,
    })),
  };
}
export type ClusterView = Awaited<ReturnType<typeof clusterView>>;

/** The cluster view through this process's cache connection, or null when Redis does not answer. */
export async function clusterViewOrNull(redis: Redis | undefined, namespace: string | undefined) {
  if (!redis || !namespace || redis.status !== "ready") return null;
  return clusterView(redis, namespace).catch((error: unknown) => {
    logger.debug({ err: error }, "cluster view unavailable");
    return null;
  });
}

/**
 * The last `windowMs` of the cluster, for the alerts: every live instance's points that started
 * within the window plus its current unfinished step, summed.
 */
export async function windowPoint(redis: Redis, namespace: string, windowMs: number, now = Date.now()) {
  const { instances, series } = await readCluster(redis, namespace);
  const recent = instances.map((instance) => [
    ...(series.get(instance.instance) ?? []).filter((p) => p.t >= now - windowMs),
    ...(instance.partial ? [instance.partial] : []),
  ]);
  const steps = mergeSeries(recent);
  const sum: SeriesPoint = {
    t: now - windowMs,
    reads: { hit: 0, miss: 0, stale: 0, bypass: 0 },
    errors: 0,
    purges: 0,
    audited: 0,
    staleHits: 0,
    warmDone: 0,
    warmFailed: 0,
    latency: emptyFigures().latency,
    warmDelay: emptyFigures().warmDelay,
  };
  return {
    instances: instances.length,
    window: mergeSeries([[sum], ...steps.map((p) => [{ ...p, t: sum.t }])])[0] ?? sum,
  };
}
