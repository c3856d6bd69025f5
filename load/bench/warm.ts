// `npm run bench:warm` (load/bench/warm.ts): what warming buys, measured in one run. A few hundred
// stories are read (so they are "read in the last minutes"), then each gets a real scene edit
// (which purges its story) and, READ_AFTER_MS later, one reader. Printed: the purge-to-warmed
// delay (p50, p95) and the hit rate and latency of those readers, with the worker running and with
// it stopped. One database seeded with SEED_SCALE=large (a fresh PGlite under a temp dir, or
// DATABASE_URL), one Redis. Bounded: PURGES purges at RATE per second per phase.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHistogram } from "node:perf_hooks";
import { and, asc, eq, like } from "drizzle-orm";
import { cacheAvailability } from "~/cache/availability.server";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import { openDatabase, setDatabase } from "~/db/connection.server";
import { chapters, scenes, stories, users } from "~/db/schema";
import { isEmpty, seedDemo, seedLarge } from "~/db/seed.server";
import type { SignedIn } from "~/models/actor";
import { updateScene } from "~/models/scenes.server";
import { resetWarmMetrics, warmMetricsSnapshot } from "~/monitoring/warm-metrics.server";
import { storyReading } from "~/queries/index.server";
import { observeProcess } from "~/services.server";
import { closeWarmQueue, openWarmQueue, settleWarming, warmQueue } from "~/warming/queue.server";
import { recentReads } from "~/warming/recent-reads.server";
import { startWarmWorker, stopWarmWorker } from "~/warming/worker.server";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PURGES = Number(process.env.BENCH_PURGES ?? 300);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const READ_AFTER_MS = Number(process.env.BENCH_READ_AFTER_MS ?? 250);
const CONCURRENCY = Number(process.env.WARM_CONCURRENCY ?? 16);
const print = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-warm-"));
const handle = await openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir });
setDatabase(handle);
if (await isEmpty(handle.db)) {
  await seedDemo(handle.db);
  await seedLarge(handle.db, (line) => console.error(line));
}
// Warming hears of reads and purges through the engine's events, wired as the app wires them.
observeProcess();
const namespace = await loadCacheNamespace(handle.db);
cacheAvailability().useNamespace(namespace);
connectCacheRedis(redisUrl);
if (!(await cacheAvailability().settle(5000))) throw new Error(`No usable Redis at ${redisUrl}`);
openWarmQueue(redisUrl, namespace);
for (let i = 0; i < 250 && !warmQueue(); i++) await sleep(20);
const queue = warmQueue();
if (!queue) throw new Error(`No queue Redis at ${redisUrl}`);

// One scene per story, and the story's author (who may edit it).
const targets = await handle.db
  .select({
    storyId: stories.id,
    sceneId: scenes.id,
    author: { id: users.id, role: users.role, name: users.name, email: users.email },
  })
  .from(stories)
  .innerJoin(users, eq(users.id, stories.authorId))
  .innerJoin(chapters, and(eq(chapters.storyId, stories.id), eq(chapters.position, 1)))
  .innerJoin(scenes, and(eq(scenes.chapterId, chapters.id), eq(scenes.position, 1)))
  .where(and(eq(stories.status, "published"), like(stories.title, "Story %")))
  .orderBy(asc(stories.id))
  .limit(PURGES);
if (targets.length < PURGES) throw new Error(`only ${targets.length} stories: seed with SEED_SCALE=large`);

console.log(
  `\nbench:warm — ${handle.kind} (SEED_SCALE=large), Redis ${redisUrl}: ${PURGES} scene edits at ${RATE}/s, ` +
    `each story read ${READ_AFTER_MS} ms after its edit; worker concurrency ${CONCURRENCY}\n`,
);

interface Phase {
  hitRate: number;
  p50: number;
  p95: number;
  stale: number;
}

async function phase(label: string): Promise<Phase> {
  // Every story is read once first: the keys a purge should warm.
  for (const t of targets) await storyReading.read({ storyId: t.storyId });
  await recentReads().flush();
  resetWarmMetrics();
  const latency = createHistogram();
  const statuses: Record<string, number> = {};
  let stale = 0;
  const runs: Promise<void>[] = [];
  const started = performance.now();
  for (const [i, t] of targets.entries()) {
    const due = started + (i * 1000) / RATE;
    if (due > performance.now()) await sleep(due - performance.now());
    runs.push(
      (async () => {
        const content = `${label} edit ${i}`;
        await updateScene(t.author as SignedIn, t.sceneId, { content });
        await sleep(READ_AFTER_MS);
        const at = performance.now();
        const read = await storyReading.read({ storyId: t.storyId });
        latency.record(Math.max(1, Math.round((performance.now() - at) * 1000)));
        statuses[read.status] = (statuses[read.status] ?? 0) + 1;
        const text = read.value.chapters.flatMap((c) => c.scenes).find((s) => s.id === t.sceneId)?.content;
        if (text !== content) stale++;
      })(),
    );
  }
  await Promise.all(runs);
  await settleWarming();
  const reads = Object.values(statuses).reduce((a, b) => a + b, 0);
  const result = {
    hitRate: (statuses.hit ?? 0) / reads,
    p50: latency.percentile(50) / 1000,
    p95: latency.percentile(95) / 1000,
    stale,
  };
  console.log(label);
  print(
    "  reads after an edit",
    `${reads} (${Object.entries(statuses)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ")}), hit rate ${(result.hitRate * 100).toFixed(1)} %`,
  );
  print("  their latency", `p50 ${result.p50.toFixed(3)} ms   p95 ${result.p95.toFixed(3)} ms`);
  print("  stale reads (older than the edit)", String(stale));
  return result;
}

const worker = startWarmWorker({ url: redisUrl, namespace, concurrency: CONCURRENCY });
await worker.waitUntilReady();
const warm = await phase("worker running");
const delay = warmMetricsSnapshot().delay;
const { queued, deduplicated, done } = warmMetricsSnapshot();
print("  warming jobs queued / merged / done", `${queued} / ${deduplicated} / ${done}`);
print("  purge → warmed delay", `p50 ${delay.p50Ms.toFixed(1)} ms   p95 ${delay.p95Ms.toFixed(1)} ms`);
await stopWarmWorker(worker, 10_000);
const cold = await phase("worker stopped");

console.log("\nratios (worker running / stopped)");
console.log(
  `  hit rate of the reads after an edit: ${(warm.hitRate * 100).toFixed(1)} % vs ${(cold.hitRate * 100).toFixed(1)} %`,
);
console.log(
  `  their latency: p50 ${(cold.p50 / warm.p50).toFixed(1)}× lower, p95 ${(cold.p95 / warm.p95).toFixed(1)}× lower with the worker`,
);
console.log(`  stale reads: ${warm.stale + cold.stale}`);

await queue.obliterate({ force: true });
await closeWarmQueue();
await disconnectCacheRedis();
await handle.close();
process.exit(0);
