// `npm run bench:cache` (load/bench/cache.ts): the cache's figures, measured in one run against one Redis and one
// database seeded with SEED_SCALE=large (a fresh PGlite under a temp dir, or the database named by
// DATABASE_URL, seeded if empty). Every loop is bounded in time (BENCH_SECONDS, default 3).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHistogram } from "node:perf_hooks";
import { and, asc, eq, like } from "drizzle-orm";
import { Redis } from "ioredis";
import { cacheAvailability } from "~/cache/availability.server";
import { invalidate } from "~/cache/invalidate.server";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { QueryCache } from "~/cache/query-cache.server";
import { connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import { TaggedStore } from "~/cache/tagged-store.server";
import { tags } from "~/cache/tags";
import { openDatabase, setDatabase } from "~/db/connection.server";
import { chapters, scenes, stories } from "~/db/schema";
import { isEmpty, seedDemo, seedLarge } from "~/db/seed.server";
import type { SignedIn } from "~/models/actor";
import { updateScene } from "~/models/scenes.server";
import { authenticate } from "~/models/users.server";
import { communityFeed, storyReading } from "~/queries/index.server";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const print = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);

/** Sequential latency (p50, p99) for SECONDS, then throughput with 16 reads in flight. */
async function measure(label: string, read: () => Promise<unknown>) {
  const h = createHistogram();
  let until = performance.now() + SECONDS * 1000;
  while (performance.now() < until) {
    const t = performance.now();
    await read();
    h.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
  }
  let done = 0;
  until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < until) {
        await read();
        done++;
      }
    }),
  );
  const result = { p50: h.percentile(50) / 1000, p99: h.percentile(99) / 1000, perSecond: done / SECONDS };
  print(label, `p50 ${result.p50.toFixed(3)} ms   p99 ${result.p99.toFixed(3)} ms   ${Math.round(result.perSecond)}/s`);
  return result;
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-cache-"));
const handle = await openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir });
setDatabase(handle);
if (await isEmpty(handle.db)) {
  await seedDemo(handle.db);
  await seedLarge(handle.db, (line) => console.error(line));
}
cacheAvailability().useNamespace(await loadCacheNamespace(handle.db));
connectCacheRedis(redisUrl);
if (!(await cacheAvailability().settle(5000))) throw new Error(`No usable Redis at ${redisUrl}`);
const raw = new Redis(redisUrl);
const alice = (await authenticate({ email: "alice@example.com", password: "password" })) as SignedIn;
const noCache = new QueryCache({ store: () => undefined });

console.log(`\nbench:cache — ${handle.kind} (SEED_SCALE=large), Redis ${redisUrl}, ${SECONDS} s a loop\n`);

// 1. Cached vs uncached reads of two real queries.
const [large] = await handle.db
  .select({ id: stories.id })
  .from(stories)
  .where(and(eq(stories.status, "published"), like(stories.title, "Story %")))
  .orderBy(asc(stories.id))
  .limit(1);
if (!large) throw new Error("no large story: seed with SEED_SCALE=large");
const cases = [
  { label: "story.reading (10 chapters, 100 scenes)", query: storyReading, args: { storyId: large.id } },
  { label: "community.feed page 1 (200 000 likes)", query: communityFeed, args: { page: 1 } },
] as const;
const ratios: string[] = [];
for (const { label, query, args } of cases) {
  console.log(label);
  const read = query.read as (a: unknown) => Promise<unknown>;
  await read(args);
  const cached = await measure("  cached (Redis hit)", () => read(args));
  const uncached = await measure("  uncached (database)", () => noCache.read(query.spec as never, args as never));
  const r = `${label}: p50 ${(uncached.p50 / cached.p50).toFixed(1)}× faster, throughput ${(cached.perSecond / uncached.perSecond).toFixed(1)}×`;
  ratios.push(r);
}

// 2. A cache hit against a raw ioredis GET of a value of the same size.
console.log("\ncache hit vs raw Redis GET (story.reading value)");
const payload = JSON.stringify((await storyReading.read({ storyId: large.id })).value);
await raw.set("bench:raw", payload);
const get = await measure("  ioredis GET", () => raw.get("bench:raw"));
const hit = await measure("  storyReading.read (hit)", () => storyReading.read({ storyId: large.id }));
ratios.push(
  `cache hit / raw GET: p50 ${(hit.p50 / get.p50).toFixed(2)}× (entry + tokens in one script, zod check, JSON)`,
);

// 3. Purge time for one tag over 1, 1 000 and 100 000 entries.
console.log("\npurge one tag over N entries (median of 20 purges)");
const benchNamespace = `bench${Date.now().toString(36)}`;
const store = new TaggedStore(raw, benchNamespace);
for (const n of [1, 1_000, 100_000]) {
  const tag = `bench:tag:${n}`;
  const times: number[] = [];
  for (let round = 0; round < 20; round++) {
    const { tokens } = await store.lookup(`bench:${n}:0`, [tag]);
    if (round === 0) {
      for (let i = 0; i < n; i += 1000) {
        const batch = raw.pipeline();
        for (let j = i; j < Math.min(n, i + 1000); j++)
          batch.set(`qc:${benchNamespace}:e:bench:${n}:${j}`, JSON.stringify({ k: tokens, p: "1" }), "PX", 120_000);
        await batch.exec();
      }
    }
    const t = performance.now();
    await store.purge([tag]);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  print(`  ${n.toLocaleString("en")} entries`, `${(times[10] ?? 0).toFixed(3)} ms`);
}

// 4. Stale reads in a concurrent write/read run.
console.log(`\nconcurrent writes and reads for ${SECONDS * 2} s (1 writer, 8 readers, one scene)`);
const [scene] = await handle.db
  .select({ id: scenes.id, storyId: chapters.storyId })
  .from(scenes)
  .innerJoin(chapters, eq(chapters.id, scenes.chapterId))
  .innerJoin(stories, eq(stories.id, chapters.storyId))
  .where(and(eq(stories.authorId, alice.id), eq(stories.status, "published")))
  .limit(1);
if (!scene) throw new Error("no scene of alice's");
let acknowledged = 0;
let writes = 0;
let reads = 0;
let stale = 0;
const statuses: Record<string, number> = {};
const until = performance.now() + SECONDS * 2000;
await Promise.all([
  (async () => {
    while (performance.now() < until) {
      const version = writes + 1;
      await updateScene(alice, scene.id, { content: `version ${version}` });
      writes = version;
      acknowledged = version;
    }
  })(),
  ...Array.from({ length: 8 }, async () => {
    while (performance.now() < until) {
      const floor = acknowledged;
      const read = await storyReading.read({ storyId: scene.storyId });
      const text = read.value.chapters.flatMap((c) => c.scenes).find((s) => s.id === scene.id)?.content ?? "";
      const seen = Number(/^version (\d+)$/.exec(text)?.[1] ?? 0);
      reads++;
      statuses[read.status] = (statuses[read.status] ?? 0) + 1;
      if (seen < floor) stale++;
    }
  }),
]);
print(
  "  writes / reads",
  `${writes} / ${reads}  (${Object.entries(statuses)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ")})`,
);
print("  stale reads (older than an acknowledged write)", String(stale));

console.log("\nratios");
for (const r of ratios) console.log(`  ${r}`);
await invalidate([tags.story(scene.storyId)], { reason: "bench" });
await raw.del("bench:raw");
raw.disconnect();
await disconnectCacheRedis();
await handle.close();
