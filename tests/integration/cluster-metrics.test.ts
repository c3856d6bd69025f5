import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordRead, resetMetrics } from "~/monitoring/cache-metrics.server";
import {
  type ClusterPublisher,
  clusterView,
  INSTANCE_TTL_MS,
  SERIES_STEP_MS,
  startClusterPublisher,
} from "~/monitoring/cluster.server";
import { bucketsOf, quantile } from "~/monitoring/histogram-buckets";
import { emptyFigures, type Figures } from "~/monitoring/local-figures.server";
import { LATENCY_BUCKETS } from "~/monitoring/prometheus.server";
import { waitFor } from "../support/cache";

/** A deterministic stream of numbers in [0, 1) (mulberry32), so the samples are the same each run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latencies in seconds: mostly fast hits, a slower tail. */
function latencies(seed: number, n: number, scale: number) {
  const next = random(seed);
  return Array.from({ length: n }, () => -Math.log(1 - next()) * scale);
}

/** An instance's figures made from its own samples, as its registry would give them. */
function figuresOf(samples: number[], hits: number, misses: number, purges: number): Figures {
  const figures = emptyFigures();
  figures.reads = { hit: hits, miss: misses, stale: 0, bypass: 0 };
  figures.purges = purges;
  figures.latency = bucketsOf(LATENCY_BUCKETS, samples);
  figures.queries["story.reading"] = {
    hit: hits,
    miss: misses,
    stale: 0,
    bypass: 0,
    errors: 0,
    loads: misses,
    latency: bucketsOf(LATENCY_BUCKETS, samples),
  };
  return figures;
}

/** Two publishers on one Redis, as two processes would be: the view is their merge. */
describe("the cluster view over real Redis", () => {
  const namespace = `cluster-test-${process.pid}-${Date.now().toString(36)}`;
  let redis: Redis;
  const publishers: ClusterPublisher[] = [];
  const publisher = (collect: () => Promise<Figures>, ttlMs?: number) => {
    const started = startClusterPublisher({ redis: () => redis, namespace, role: "web", collect, ttlMs, timer: false });
    publishers.push(started);
    return started;
  };

  beforeAll(async () => {
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    await waitFor(() => redis.status === "ready", 5000, "Redis");
  });
  afterAll(async () => {
    for (const p of publishers) await p.stop();
    const leftovers = await redis.keys(`quill:cluster:${namespace}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await redis.quit();
  });

  it("sums two instances' counters, and merges their histograms into the p95 of all samples", async () => {
    const samplesA = latencies(1, 4000, 0.002);
    const samplesB = latencies(2, 1500, 0.03);
    let figuresA = figuresOf(samplesA, 3000, 1000, 40);
    let figuresB = figuresOf(samplesB, 500, 1000, 15);
    const a = publisher(async () => figuresA);
    const b = publisher(async () => figuresB);
    const t0 = Math.floor(Date.now() / SERIES_STEP_MS) * SERIES_STEP_MS;
    await a.publish(t0);
    await b.publish(t0);

    const view = await clusterView(redis, namespace);
    expect(view.instances.map((i) => i.instance).sort()).toEqual([a.instance, b.instance].sort());
    expect(view.totals).toMatchObject({ hit: 3500, miss: 2000, reads: 5500, purges: 55 });
    expect(view.totals.hitRate).toBeCloseTo(3500 / 5500, 10);
    expect(view.queries["story.reading"]).toMatchObject({ hit: 3500, miss: 2000, loads: 2000 });

    // The merged p95 is the p95 of one histogram of every sample of both instances...
    const all = bucketsOf(LATENCY_BUCKETS, [...samplesA, ...samplesB]);
    expect(view.totals.latency.count).toBe(5500);
    expect(view.totals.latency.p95Ms).toBeCloseTo(quantile(all, 0.95) * 1000, 2);
    expect(view.queries["story.reading"]?.latency.p95Ms).toBeCloseTo(quantile(all, 0.95) * 1000, 2);
    // ...and lies in the bucket that holds the exact p95 of the samples.
    const sorted = [...samplesA, ...samplesB].sort((x, y) => x - y);
    const exact = sorted[Math.ceil(0.95 * sorted.length) - 1] as number;
    const upper = LATENCY_BUCKETS.find((bound) => exact <= bound) as number;
    const lower = [...LATENCY_BUCKETS].reverse().find((bound) => bound < exact) ?? 0;
    expect(view.totals.latency.p95Ms / 1000).toBeGreaterThanOrEqual(lower);
    expect(view.totals.latency.p95Ms / 1000).toBeLessThanOrEqual(upper);
    // Not the average of the two instances' p95s.
    const averaged = (view.instances[0]?.latency.p95Ms ?? 0) / 2 + (view.instances[1]?.latency.p95Ms ?? 0) / 2;
    expect(view.totals.latency.p95Ms).not.toBeCloseTo(averaged, 1);

    // Ten seconds later each instance adds a point: what changed in the step, summed.
    figuresA = figuresOf([...samplesA, 0.0001, 0.0001], 3002, 1000, 41);
    figuresB = figuresOf([...samplesB, 0.2], 500, 1001, 15);
    await a.publish(t0 + SERIES_STEP_MS);
    await b.publish(t0 + SERIES_STEP_MS);
    const later = await clusterView(redis, namespace);
    expect(later.series).toHaveLength(1);
    expect(later.series[0]).toMatchObject({ t: t0, reads: { hit: 2, miss: 1, stale: 0, bypass: 0 }, errors: 0 });
    expect(later.series[0]?.readsPerSec).toBeCloseTo(0.3, 10);
    expect(later.series[0]?.purgesPerSec).toBeCloseTo(0.1, 10);
    expect(later.series[0]?.latency.count).toBe(3);
  });

  it("drops a stopped instance at once, and a killed one when its key lapses (TTL ≤ 30 s)", async () => {
    const figures = figuresOf([0.001], 1, 0, 0);
    const stopped = publisher(async () => figures);
    const killed = publisher(async () => figures);
    const killedFast = publisher(async () => figures, 300);
    for (const p of [stopped, killed, killedFast]) await p.publish();
    const live = async () => (await clusterView(redis, namespace)).instances.map((i) => i.instance);
    expect(await live()).toEqual(expect.arrayContaining([stopped.instance, killed.instance, killedFast.instance]));

    await stopped.stop();
    expect(await live()).not.toContain(stopped.instance);

    killed.abandon();
    killedFast.abandon();
    const ttl = await redis.pttl(`quill:cluster:${namespace}:figures:${killed.instance}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(INSTANCE_TTL_MS);
    expect(INSTANCE_TTL_MS).toBeLessThanOrEqual(30_000);
    await waitFor(async () => !(await live()).includes(killedFast.instance), 10_000, "the killed instance to drop out");
    expect(await redis.zscore(`quill:cluster:${namespace}:instances`, killedFast.instance)).toBeNull();
  });

  it("publishes this process's own figures from its registry", async () => {
    resetMetrics();
    recordRead("cluster.own", "hit", 2);
    recordRead("cluster.own", "miss", 30);
    const own = startClusterPublisher({ redis: () => redis, namespace, role: "worker", timer: false });
    publishers.push(own);
    await own.publish();
    const view = await clusterView(redis, namespace);
    const mine = view.instances.find((i) => i.instance === own.instance);
    expect(mine).toMatchObject({ role: "worker", reads: 2, pid: process.pid });
    expect(mine?.latency.count).toBe(2);
    expect(view.queries["cluster.own"]).toMatchObject({ hit: 1, miss: 1 });
  });
});
