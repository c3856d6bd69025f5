// `npm run bench:cache` (load/bench/cache.ts): the cache's figures, against one Redis and one database
// seeded with SEED_SCALE=large (a fresh PGlite under a temp dir, removed afterwards, or the database
// named by DATABASE_URL, seeded if empty).
//
// How the figures are made honest:
// - every figure is the median of BENCH_RUNS runs (default 5), printed with its min–max; the two arms
//   of a comparison alternate order between runs (AB, BA, AB, …), and ratios are computed per run;
// - every read of a measured loop is checked: a cached arm must return `hit` every time (each run
//   first refills its entry, so a fresh time such as the feed's 30 s cannot run out under it), the
//   database arm `bypass`, the raw GET the entry's bytes; anything else fails the benchmark (exit 1);
// - purge time is measured with N live entries under the tag: a fresh tag per round, N entries
//   stored through TaggedStore.store under its current token, a sample of them looked up (valid)
//   before the purge and again (purged) after it, then removed (UNLINK, in batches);
// - the core against a plain tag-set store (load/bench/tag-set-store.ts: a set per tag, one GET and
//   one JSON.parse per hit, no race protection) on the same Redis: the same value both ways, read by
//   CALLERS (50) callers at once for throughput, every read checked (ours `hit`, theirs the value's
//   bytes); then the same fill/purge race run against each (an in-memory database with a version
//   counter, loads that take RACE_LOAD_MS, one writer that purges every RACE_WRITE_GAP_MS on
//   average, readers reading through), counting reads older than the last write acknowledged before
//   they began: ours must count 0, the tag-set store's count is printed beside it;
// - every loop is bounded in time (BENCH_SECONDS, default 2).
//
// BENCH_ONLY=tag-set runs only the tag-set comparison and its race (the database is still seeded).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHistogram } from "node:perf_hooks";
import { and, asc, eq, like } from "drizzle-orm";
import { Redis } from "ioredis";
import { z } from "zod";
import { cacheAvailability } from "~/cache/availability.server";
import { CacheEvents } from "~/cache/events";
import { invalidate } from "~/cache/invalidate.server";
import { cacheKeys } from "~/cache/keys";
import { L1Cache } from "~/cache/l1";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { QueryCache, type QuerySpec, type ReadOptions, stableKey } from "~/cache/query-cache.server";
import { connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import { newToken, TaggedStore } from "~/cache/tagged-store.server";
import { tags } from "~/cache/tags";
import { config } from "~/config.server";
import { openDatabase, setDatabase } from "~/db/connection.server";
import { chapters, scenes, stories } from "~/db/schema";
import { isEmpty, seedDemo, seedLarge } from "~/db/seed.server";
import type { SignedIn } from "~/models/actor";
import { updateScene } from "~/models/scenes.server";
import { authenticate } from "~/models/users.server";
import { communityFeed, communityFeedPage, storyOutline, storyReading } from "~/queries/index.server";
import { TagSetStore } from "./tag-set-store";

const startedAt = performance.now();
// The process engine's reads are the Redis path ("Redis hit"); the L1 has its own engine below.
process.env.CACHE_L1_MB = "0";
if (config().cacheL1Bytes !== 0) throw new Error("the configuration was read before CACHE_L1_MB=0 was set");
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PURGE_ROUNDS = Number(process.env.BENCH_PURGE_ROUNDS ?? 9);
const IN_FLIGHT = 16;
/** Callers at once in the throughput half of the comparison with the tag-set store (the 50). */
const CALLERS = 50;
/** The fill/purge race: readers reading through, and how long a load takes after it read its version. */
const RACE_READERS = 8;
const RACE_LOAD_MS = 2;
/** The writer's pause after each acknowledged write: random, this long on average (hits between writes). */
const RACE_WRITE_GAP_MS = 10;
const ONLY = process.env.BENCH_ONLY ?? "";
if (ONLY !== "" && ONLY !== "tag-set") throw new Error(`BENCH_ONLY=${ONLY}: the one section it can name is tag-set`);
/** The existing sections (all but the tag-set comparison), skipped with BENCH_ONLY=tag-set. */
const ALL = ONLY === "";
const PURGE_SIZES = [1, 1_000, 100_000] as const;
/** Stores in flight while filling a tag with entries (bounded pipelining). */
const FILL_IN_FLIGHT = 2_000;
/** Entries looked up before and after each purge. */
const SAMPLE = 100;
const ENTRY_TTL_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class BenchFailure extends Error {
  override name = "BenchFailure";
}
function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new BenchFailure(message);
}

// ---- numbers -------------------------------------------------------------------------------------

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? Number.NaN) + (s[m] ?? Number.NaN)) / 2;
}
/** Three significant digits. */
const group = (n: number) => Math.round(n).toLocaleString("en").replace(/,/g, " ");
const sig = (x: number) => (Math.abs(x) >= 1000 ? group(x) : String(Number(x.toPrecision(3))));
const ms = (x: number) => `${sig(x)} ms`;
const perSecond = (x: number) => `${group(x)}/s`;
const times = (x: number) => `${sig(x)}×`;
/** "median (min–max)" of per-run values, the unit once after the median. */
function spread(xs: readonly number[], num: (x: number) => string, unit: string): string {
  return `${num(median(xs))}${unit} (${num(Math.min(...xs))}–${num(Math.max(...xs))})`;
}
const print = (label: string, value: string) => console.log(`${label.padEnd(34)} ${value}`);

// ---- measured arms -------------------------------------------------------------------------------

/** One side of a comparison: `read` returns what the read was (a ReadResult.status, for the cache). */
interface Arm {
  label: string;
  /** What every read of this arm must return. */
  expect: string;
  /** Run before each measured run, untimed (a cached arm refills its entry so it stays fresh). */
  prime?: () => Promise<void>;
  read: () => Promise<string>;
}

interface ArmRun {
  p50: number;
  p99: number;
  perSecond: number;
  reads: number;
}

type Tally = Map<string, number>;
const formatTally = (tally: Tally) => [...tally].map(([status, n]) => `${status} ${group(n)}`).join(", ");

/** Sequential latency (p50, p99) for `seconds`, then throughput with `inFlight` reads in flight. */
async function runArm(arm: Arm, seconds: number, inFlight = IN_FLIGHT): Promise<ArmRun> {
  await arm.prime?.();
  const tally: Tally = new Map();
  const note = (status: string) => tally.set(status, (tally.get(status) ?? 0) + 1);
  const h = createHistogram();
  let until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const t = performance.now();
    note(await arm.read());
    h.record(Math.max(1, Math.round((performance.now() - t) * 1e6))); // ns
  }
  let done = 0;
  const from = performance.now();
  until = from + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        note(await arm.read());
        done++;
      }
    }),
  );
  const elapsedSeconds = (performance.now() - from) / 1000;
  check(
    [...tally.keys()].every((status) => status === arm.expect),
    `${arm.label}: every read must be "${arm.expect}", got ${formatTally(tally)}`,
  );
  return {
    p50: h.percentile(50) / 1e6,
    p99: h.percentile(99) / 1e6,
    perSecond: done / elapsedSeconds,
    reads: h.count + done,
  };
}

/** RUNS runs of two arms, alternating which goes first; a short unrecorded warm-up of each first. */
async function compare(title: string, a: Arm, b: Arm, inFlight = IN_FLIGHT): Promise<{ a: ArmRun[]; b: ArmRun[] }> {
  console.log(`\n${title}`);
  await runArm(a, Math.min(0.5, SECONDS), inFlight);
  await runArm(b, Math.min(0.5, SECONDS), inFlight);
  const out = { a: [] as ArmRun[], b: [] as ArmRun[] };
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const);
    for (const side of order) out[side].push(await runArm(side === "a" ? a : b, SECONDS, inFlight));
    const line = (arm: Arm, r: ArmRun | undefined) =>
      r ? `${arm.label} p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${perSecond(r.perSecond)}` : "";
    print(`  run ${run + 1} (${order.join("").toUpperCase()})`, `${line(a, out.a[run])} | ${line(b, out.b[run])}`);
  }
  return out;
}

// ---- set-up --------------------------------------------------------------------------------------

const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(os.tmpdir(), "bench-cache-"));
const handle = await openDatabase(dataDir ? { dataDir } : { url: process.env.DATABASE_URL as string });
setDatabase(handle);
if (await isEmpty(handle.db)) {
  await seedDemo(handle.db);
  await seedLarge(handle.db, (line) => console.error(line));
}
const seededAt = performance.now();
const appNamespace = await loadCacheNamespace(handle.db);
cacheAvailability().useNamespace(appNamespace);
connectCacheRedis(redisUrl);
if (!(await cacheAvailability().settle(5000))) throw new Error(`No usable Redis at ${redisUrl}`);
const raw = new Redis(redisUrl);
const benchNamespace = `bench${Date.now().toString(36)}${newToken().slice(0, 4)}`;
const rawKey = `qc:${benchNamespace}:raw`;

async function unlinkMatching(pattern: string): Promise<number> {
  let cursor = "0";
  let removed = 0;
  do {
    const [next, keys] = await raw.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) removed += await raw.unlink(...keys);
  } while (cursor !== "0");
  return removed;
}

const cpus = os.cpus();
const redisVersion = /redis_version:(\S+)/.exec(await raw.info("server"))?.[1] ?? "?";
const loadAt = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
console.log(
  `\nbench:cache — machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? "?"}), shared by the benchmark, ` +
    `PGlite (in-process: the same thread as the benchmark) and Redis ${redisVersion} (loopback), and by other ` +
    `engineers' test runs; load average ${loadAt()} at start. Node ${process.version}. Database: ${handle.kind} ` +
    `(SEED_SCALE=large). ${RUNS} runs per figure, ${SECONDS} s per loop, ${IN_FLIGHT} reads in flight for throughput.`,
);

let failure: unknown;
const table: string[] = [];
try {
  // ---- 1. Cached vs uncached reads of two real queries ----------------------------------------
  const alice = (await authenticate({ email: "alice@example.com", password: "password" })) as SignedIn;
  const noCache = new QueryCache({ store: () => undefined });
  const [large] = await handle.db
    .select({ id: stories.id })
    .from(stories)
    .where(and(eq(stories.status, "published"), like(stories.title, "Story %")))
    .orderBy(asc(stories.id))
    .limit(1);
  if (!large) throw new Error("no large story: seed with SEED_SCALE=large");

  const cases = [
    {
      title: "`story.reading` (assembled: outline + 100 scene entries)",
      query: storyReading,
      args: { storyId: large.id },
    },
    {
      title: "`community.feed` page 1 (assembled: list + 20 post entries) over 200 000 likes",
      query: communityFeed,
      args: { page: 1 },
    },
  ] as const;
  const rows: string[] = [];
  const ratios: string[] = [];
  const row = (label: string, runs: ArmRun[], expect: string) => {
    const p50 = spread(
      runs.map((r) => r.p50),
      sig,
      " ms",
    );
    const p99 = spread(
      runs.map((r) => r.p99),
      sig,
      " ms",
    );
    const throughput = spread(
      runs.map((r) => r.perSecond),
      group,
      "/s",
    );
    const checked = `${group(runs.reduce((s, r) => s + r.reads, 0))}, all ${expect}`;
    rows.push(`| ${label} | ${p50} | ${p99} | ${throughput} | ${checked} |`);
  };
  const ratio = (label: string, perRunValues: number[]) =>
    ratios.push(`| ${label} | ${spread(perRunValues, sig, "×")} |`);
  const perRun = (a: ArmRun[], b: ArmRun[], f: (x: ArmRun, y: ArmRun) => number) =>
    a.map((x, i) => f(x, b[i] as ArmRun));

  if (ALL) {
    for (const { title, query, args } of cases) {
      const read = query.read as (a: unknown, o?: { forceFresh?: boolean }) => Promise<{ status: string }>;
      const spec = query.spec as Parameters<QueryCache["read"]>[0];
      const cached: Arm = {
        label: "hit",
        expect: "hit",
        prime: async () => {
          await read(args, { forceFresh: true });
        },
        read: async () => (await read(args)).status,
      };
      const database: Arm = {
        label: "database",
        expect: "bypass",
        read: async () => (await noCache.read(spec, args)).status,
      };
      const r = await compare(`${title}: A = Redis hit, B = database (no cache)`, cached, database);
      row(`${title} — Redis hit`, r.a, "hit");
      row(`${title} — database`, r.b, "bypass");
      ratio(
        `${title}: database p50 / hit p50`,
        perRun(r.a, r.b, (h, d) => d.p50 / h.p50),
      );
      ratio(
        `${title}: hit throughput / database throughput`,
        perRun(r.a, r.b, (h, d) => h.perSecond / d.perSecond),
      );
    }

    // ---- 2. A cache hit against a raw ioredis GET of the same bytes -----------------------------
    const entryKey = cacheKeys(appNamespace).entry(`${storyOutline.name}:${stableKey({ storyId: large.id })}`);
    await storyOutline.read({ storyId: large.id }, { forceFresh: true });
    const entryBytes = await raw.get(entryKey);
    if (entryBytes === null) throw new BenchFailure(`no entry at ${entryKey} after a fill`);
    await raw.set(rawKey, entryBytes, "PX", ENTRY_TTL_MS);
    const rawGet: Arm = {
      label: "GET",
      expect: "same bytes",
      read: async () => ((await raw.get(rawKey)) === entryBytes ? "same bytes" : "other value"),
    };
    const hit: Arm = {
      label: "hit",
      expect: "hit",
      prime: async () => {
        await storyOutline.read({ storyId: large.id }, { forceFresh: true });
      },
      read: async () => (await storyOutline.read({ storyId: large.id })).status,
    };
    const g = await compare(
      `cache hit vs raw ioredis GET of the entry's bytes (${group(entryBytes.length)} B, story.outline): A = GET, B = hit`,
      rawGet,
      hit,
    );
    row(`raw ioredis GET of the same entry (${group(entryBytes.length)} B)`, g.a, "same bytes");
    row("`story.outline` — Redis hit (same runs as the GET)", g.b, "hit");
    ratio(
      "cache hit p50 / raw GET p50",
      perRun(g.a, g.b, (get, h) => h.p50 / get.p50),
    );
    ratio(
      "raw GET throughput / cache hit throughput",
      perRun(g.a, g.b, (get, h) => get.perSecond / h.perSecond),
    );

    // ---- 2b. An L1 hit (tokens checked in Redis, value from memory) against a Redis hit ----------
    const withL1 = new QueryCache({
      store: () => cacheAvailability().forReads(),
      l1: new L1Cache(64 * 1024 * 1024),
      events: new CacheEvents(),
    });
    const storySpec = storyOutline.spec as Parameters<QueryCache["read"]>[0];
    const l1Hit: Arm = {
      label: "L1 hit",
      expect: "hit",
      prime: async () => {
        await withL1.read(storySpec, { storyId: large.id }, { forceFresh: true });
        await withL1.read(storySpec, { storyId: large.id }); // a hit that fills the L1
      },
      read: async () => (await withL1.read(storySpec, { storyId: large.id })).status,
    };
    const l = await compare("`story.outline`: A = L1 hit, B = Redis hit (process engine, no L1)", l1Hit, hit);
    row("`story.outline` — L1 hit (token check in Redis, value from memory)", l.a, "hit");
    row("`story.outline` — Redis hit (same runs as the L1 hit)", l.b, "hit");
    ratio(
      "`story.outline`: Redis hit p50 / L1 hit p50",
      perRun(l.a, l.b, (near, far) => far.p50 / near.p50),
    );
    ratio(
      "`story.outline`: L1 hit throughput / Redis hit throughput",
      perRun(l.a, l.b, (near, far) => near.perSecond / far.perSecond),
    );
  }

  // ---- 2c. Hits at 50 callers: the cache core against a plain tag-set store ---------------------
  // The same value both ways: ours read through the process engine as the "Redis hit" arms are (no
  // L1), theirs stored in the tag-set store under the tags our read reports, as the JSON of the
  // value our read returned; one GET and one parse a hit, and every read must give those bytes.
  // Single entries, the core's hit path. Not the assembled 100-scene story: that is 2 round trips
  // and 1 + 100 entries on our side against 1 GET on theirs, and in a full run on the shared machine
  // 20 of its reads at 50 callers bypassed (what the engine does when a Redis call fails; the cache
  // connection times commands out at 250 ms), which fails the benchmark.
  const tagSet = new TagSetStore(raw, `qc:${benchNamespace}:ts:`);
  type CoreRead = (options?: ReadOptions) => Promise<{ status: string; value: unknown; tags: string[] }>;
  const coreCases: { title: string; key: string; read: CoreRead }[] = [
    {
      title: "`community.feed.page` page 1 (one entry, the feed page's ids)",
      key: "feed-page-1",
      read: (options) => communityFeedPage.read({ page: 1 }, options),
    },
    {
      title: "`story.outline` of the 100-scene story (one entry)",
      key: `story-outline-${large.id}`,
      read: (options) => storyOutline.read({ storyId: large.id }, options),
    },
  ];
  for (const { title, key, read } of coreCases) {
    let bytes = "";
    const ours: Arm = {
      label: "hit",
      expect: "hit",
      prime: async () => {
        await read({ forceFresh: true });
      },
      read: async () => (await read()).status,
    };
    const theirs: Arm = {
      label: "tag-set hit",
      expect: "hit",
      prime: async () => {
        const current = await read();
        bytes = JSON.stringify(current.value);
        await tagSet.store(key, current.tags, bytes, ENTRY_TTL_MS);
      },
      read: async () => {
        const got = await tagSet.get(key);
        if (got === null) return "miss";
        return got.raw === bytes ? "hit" : "other value"; // the parse (got.value) is part of the hit
      },
    };
    const c = await compare(
      `${title}, ${CALLERS} callers: A = our Redis hit, B = tag-set store hit`,
      ours,
      theirs,
      CALLERS,
    );
    row(`${title} — our Redis hit, ${CALLERS} callers`, c.a, "hit");
    row(`${title} — tag-set store hit, ${CALLERS} callers (${group(bytes.length)} B a GET)`, c.b, "hit, same bytes");
    ratio(
      `${title}: our hit throughput / tag-set store hit throughput, ${CALLERS} callers`,
      perRun(c.a, c.b, (o, t) => o.perSecond / t.perSecond),
    );
  }

  table.push(
    `reads: median of ${RUNS} runs (min–max), ${SECONDS} s sequential (latency) + ${SECONDS} s with ${IN_FLIGHT} in flight (throughput) per run (${CALLERS} in flight where a row says ${CALLERS} callers)`,
    "",
    "| read | p50 | p99 | throughput | reads checked |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `ratios, computed per run: median of ${RUNS} runs (min–max)`,
    "",
    "| ratio | median (min–max) |",
    "| --- | --- |",
    ...ratios,
  );

  if (ALL) {
    // ---- 3. Purge one tag over N live entries ----------------------------------------------------
    console.log(
      `\npurge one tag over N live entries: ${PURGE_ROUNDS} rounds, a fresh tag per round, entries stored through ` +
        `TaggedStore.store (${FILL_IN_FLIGHT} in flight), a sample looked up before and after the purge`,
    );
    const store = new TaggedStore(raw, benchNamespace);
    const keys = cacheKeys(benchNamespace);
    /** Fills a fresh tag with n entries, checks them, times its purge, checks again, cleans up. */
    async function purgeOver(n: number, name: string): Promise<{ purgeMs: number; fillMs: number }> {
      const tag = `bench:purge:${name}`;
      const key = (i: number) => `bench:${name}:${i}`;
      const freshUntil = Date.now() + ENTRY_TTL_MS;
      const payload = (i: number) => JSON.stringify({ v: i, f: freshUntil });
      // A reader's lookup creates the tag's token and returns it; every fill stores under it.
      const { tokens } = await store.lookup(key(0), [tag]);
      const fillStarted = performance.now();
      let stored = 0;
      for (let i = 0; i < n; i += FILL_IN_FLIGHT) {
        const batch = Array.from({ length: Math.min(FILL_IN_FLIGHT, n - i) }, (_, j) =>
          store.store(key(i + j), [tag], tokens, payload(i + j), ENTRY_TTL_MS),
        );
        stored += (await Promise.all(batch)).filter(Boolean).length;
      }
      const fillMs = performance.now() - fillStarted;
      check(stored === n, `purge over ${n}: only ${stored} of ${n} entries stored`);
      const picked = new Set([0, n - 1]);
      while (picked.size < Math.min(n, SAMPLE)) picked.add(Math.floor(Math.random() * n));
      const sample = [...picked];
      const before = await Promise.all(sample.map((i) => store.lookup(key(i), [tag])));
      check(
        before.every((l, s) => l.payload === payload(sample[s] ?? -1) && !l.purged && l.tokens[0] === tokens[0]),
        `purge over ${n}: a sampled entry was not valid (hit) before the purge`,
      );
      await sleep(20); // the same pause for every N: the fill's garbage and replies settle first
      const t = performance.now();
      await store.purge([tag]);
      const purgeMs = performance.now() - t;
      const after = await Promise.all(sample.map((i) => store.lookup(key(i), [tag])));
      check(
        after.every((l) => l.payload === null && l.purged),
        `purge over ${n}: a sampled entry was still valid after the purge`,
      );
      // Clean up: the entries by name (UNLINK, 1 000 keys a command, 10 commands a pipeline), the new token.
      for (let i = 0; i < n; i += 10_000) {
        const pipeline = raw.pipeline();
        for (let j = i; j < Math.min(n, i + 10_000); j += 1000) {
          pipeline.unlink(...Array.from({ length: Math.min(1000, n - j) }, (_, k) => keys.entry(key(j + k))));
        }
        await pipeline.exec();
      }
      await raw.unlink(keys.token(tag));
      return { purgeMs, fillMs };
    }

    for (let i = 0; i < 3; i++) await purgeOver(1_000, `warm-up:${i}`); // unrecorded
    const purgeTimes = new Map<number, number[]>(PURGE_SIZES.map((n) => [n, []]));
    const fillTimes = new Map<number, number[]>(PURGE_SIZES.map((n) => [n, []]));
    const perRound: number[] = [];
    for (let round = 0; round < PURGE_ROUNDS; round++) {
      const order = round % 2 === 0 ? [...PURGE_SIZES] : [...PURGE_SIZES].reverse();
      const thisRound = new Map<number, number>();
      for (const n of order) {
        const { purgeMs, fillMs } = await purgeOver(n, `${n}:${round}`);
        purgeTimes.get(n)?.push(purgeMs);
        fillTimes.get(n)?.push(fillMs);
        thisRound.set(n, purgeMs);
      }
      perRound.push((thisRound.get(100_000) ?? Number.NaN) / (thisRound.get(1) ?? Number.NaN));
      print(
        `  round ${round + 1} (${order.map(group).join(", ")})`,
        order.map((n) => `${group(n)}: ${ms(thisRound.get(n) ?? Number.NaN)}`).join("   "),
      );
    }
    const purgeRows = PURGE_SIZES.map((n) => {
      const purge = spread(purgeTimes.get(n) ?? [], sig, " ms");
      const fill = spread(fillTimes.get(n) ?? [], sig, " ms");
      return `| ${group(n)} | ${purge} | ${fill} | ${Math.min(n, SAMPLE)} |`;
    });
    const ofMedians = median(purgeTimes.get(100_000) ?? []) / median(purgeTimes.get(1) ?? []);
    table.push(
      "",
      `purge of one tag over N live entries: median of ${PURGE_ROUNDS} rounds (min–max), a fresh tag per round`,
      "",
      "| entries under the tag | purge (DEL of the token) | writing them (TaggedStore.store, pipelined) | sampled: hit before, purged after |",
      "| --- | --- | --- | --- |",
      ...purgeRows,
      "",
      `purge over 100 000 / over 1: ${times(ofMedians)} (ratio of medians); per round ${spread(perRound, sig, "×")}`,
    );

    // ---- 4. Stale reads in a concurrent write/read run ------------------------------------------
    const [scene] = await handle.db
      .select({ id: scenes.id, storyId: chapters.storyId })
      .from(scenes)
      .innerJoin(chapters, eq(chapters.id, scenes.chapterId))
      .innerJoin(stories, eq(stories.id, chapters.storyId))
      .where(and(eq(stories.authorId, alice.id), eq(stories.status, "published")))
      .limit(1);
    if (!scene) throw new Error("no scene of alice's");
    console.log(`\nconcurrent writes and reads, ${SECONDS * 2} s a run (1 writer, 8 readers, one scene)`);
    // Versions keep rising across runs, so a value left from an earlier run can never pass as new.
    let version = 0;
    let acknowledged = 0;
    const staleRuns: { writes: number; reads: number; stale: number }[] = [];
    const allStatuses: Tally = new Map();
    for (let run = 0; run < RUNS; run++) {
      let writes = 0;
      let reads = 0;
      let stale = 0;
      const statuses: Tally = new Map();
      const until = performance.now() + SECONDS * 2000;
      await Promise.all([
        (async () => {
          while (performance.now() < until) {
            const next = version + 1;
            await updateScene(alice, scene.id, { content: `version ${next}` });
            version = next;
            acknowledged = next;
            writes++;
          }
        })(),
        ...Array.from({ length: 8 }, async () => {
          while (performance.now() < until) {
            const floor = acknowledged;
            const read = await storyReading.read({ storyId: scene.storyId });
            const text = read.value.chapters.flatMap((c) => c.scenes).find((s) => s.id === scene.id)?.content ?? "";
            const seen = Number(/^version (\d+)$/.exec(text)?.[1] ?? 0);
            reads++;
            statuses.set(read.status, (statuses.get(read.status) ?? 0) + 1);
            allStatuses.set(read.status, (allStatuses.get(read.status) ?? 0) + 1);
            if (seen < floor) stale++;
          }
        }),
      ]);
      staleRuns.push({ writes, reads, stale });
      print(`  run ${run + 1}`, `${writes} writes, ${reads} reads (${formatTally(statuses)}), ${stale} stale`);
      check(stale === 0, `run ${run + 1}: ${stale} stale reads (older than an acknowledged write)`);
    }
    await invalidate([tags.story(scene.storyId)], { reason: "bench" });
    type StaleRun = (typeof staleRuns)[number];
    const perRunCount = (f: (r: StaleRun) => number) => spread(staleRuns.map(f), group, "");
    const sum = (f: (r: StaleRun) => number) => group(staleRuns.reduce((s, r) => s + f(r), 0));
    table.push(
      "",
      `1 writer + 8 readers on one scene, ${SECONDS * 2} s a run: median of ${RUNS} runs (min–max)`,
      "",
      "| | per run | total |",
      "| --- | --- | --- |",
      `| writes (acknowledged) | ${perRunCount((r) => r.writes)} | ${sum((r) => r.writes)} |`,
      `| reads (${formatTally(allStatuses)}) | ${perRunCount((r) => r.reads)} | ${sum((r) => r.reads)} |`,
      `| **stale reads** | ${perRunCount((r) => r.stale)} | **${sum((r) => r.stale)}** |`,
    );
  }

  // ---- 5. The fill/purge race, the same for both stores ----------------------------------------
  // The database is a version counter in memory, so both stores face the identical race: a load
  // reads the version, then takes RACE_LOAD_MS more (a slow query) before it returns; the writer
  // bumps the version, purges the tag, and only then counts the write as acknowledged, then waits
  // 0–2× RACE_WRITE_GAP_MS (so entries live long enough to be hit). Readers read through (hit, or miss → load → store). A read is stale when it
  // returned a version older than the last write acknowledged before it began. Ours goes through the
  // real engine and TaggedStore (tokens captured before the load, compare-and-set store).
  let dbVersion = 0; // rises across runs and stores: a value left from an earlier run is never new
  let lastAcknowledged = 0;
  const loadVersion = async () => {
    const version = dbVersion;
    await sleep(RACE_LOAD_MS);
    return { version };
  };
  interface RaceArm {
    label: string;
    read(key: string, tag: string): Promise<{ version: number; status: string }>;
    purge(tag: string): Promise<void>;
  }
  interface RaceRun {
    writes: number;
    reads: number;
    stale: number;
    statuses: Tally;
  }
  const ourStore = new TaggedStore(raw, benchNamespace);
  const raceEngine = new QueryCache({ store: () => ourStore, events: new CacheEvents() });
  const raceSpec = (tag: string): QuerySpec<{ key: string }, { version: number }> => ({
    name: "bench.race",
    tags: () => [tag],
    freshMs: ENTRY_TTL_MS,
    staleMs: 0,
    scope: "public",
    schema: z.object({ version: z.number() }),
    load: loadVersion,
  });
  const oursRacing: RaceArm = {
    label: "ours",
    read: async (key, tag) => {
      const r = await raceEngine.read(raceSpec(tag), { key });
      return { version: r.value.version, status: r.status };
    },
    purge: (tag) => ourStore.purge([tag]),
  };
  const theirsRacing: RaceArm = {
    label: "tag-set",
    read: async (key, tag) => {
      const got = await tagSet.get(key);
      if (got !== null) return { version: (got.value as { version: number }).version, status: "hit" };
      const loaded = await loadVersion();
      await tagSet.store(key, [tag], JSON.stringify(loaded), ENTRY_TTL_MS);
      return { version: loaded.version, status: "miss" };
    },
    purge: (tag) => tagSet.purge(tag),
  };
  /** One run of the race against one store, on a key and tag of its own, for SECONDS. */
  async function race(arm: RaceArm, run: number): Promise<RaceRun> {
    const key = `bench:race:${arm.label}:${run}`;
    const tag = `bench:race:${arm.label}:${run}`;
    const result: RaceRun = { writes: 0, reads: 0, stale: 0, statuses: new Map() };
    const until = performance.now() + SECONDS * 1000;
    await Promise.all([
      (async () => {
        while (performance.now() < until) {
          const written = ++dbVersion;
          await arm.purge(tag);
          lastAcknowledged = written;
          result.writes++;
          await sleep(Math.random() * 2 * RACE_WRITE_GAP_MS);
        }
      })(),
      ...Array.from({ length: RACE_READERS }, async () => {
        while (performance.now() < until) {
          const floor = lastAcknowledged;
          const { version, status } = await arm.read(key, tag);
          result.reads++;
          result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
          if (version < floor) result.stale++;
        }
      }),
    ]);
    return result;
  }
  console.log(
    `\nthe fill/purge race, the same for both stores: 1 writer + ${RACE_READERS} readers reading through one key, ` +
      `loads of ${RACE_LOAD_MS} ms, writes ${RACE_WRITE_GAP_MS} ms apart on average, ${SECONDS} s a run and a store, ` +
      "A = ours, B = tag-set store",
  );
  const raced = { a: [] as RaceRun[], b: [] as RaceRun[] };
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const);
    for (const side of order) raced[side].push(await race(side === "a" ? oursRacing : theirsRacing, run));
    const line = (arm: RaceArm, r: RaceRun | undefined) =>
      r ? `${arm.label}: ${r.writes} writes, ${r.reads} reads (${formatTally(r.statuses)}), ${r.stale} stale` : "";
    print(
      `  run ${run + 1} (${order.join("").toUpperCase()})`,
      `${line(oursRacing, raced.a[run])} | ${line(theirsRacing, raced.b[run])}`,
    );
    for (const [arm, r] of [
      [oursRacing, raced.a[run]],
      [theirsRacing, raced.b[run]],
    ] as const) {
      check(
        r !== undefined && r.writes > 0 && (r.statuses.get("miss") ?? 0) > 0,
        `race run ${run + 1}, ${arm.label}: no write or no miss, so no race was run`,
      );
    }
    const ourStale = raced.a[run]?.stale ?? -1;
    check(ourStale === 0, `race run ${run + 1}: our store returned ${ourStale} stale reads`);
  }
  const raceRow = (label: string, runs: RaceRun[]) => {
    const cell = (f: (r: RaceRun) => number) =>
      `${spread(runs.map(f), group, "")}, total ${group(runs.reduce((s, r) => s + f(r), 0))}`;
    const all: Tally = new Map();
    for (const r of runs) for (const [status, n] of r.statuses) all.set(status, (all.get(status) ?? 0) + n);
    return `| ${label} | ${cell((r) => r.writes)} | ${cell((r) => r.reads)} (${formatTally(all)}) | **${cell((r) => r.stale)}** |`;
  };
  table.push(
    "",
    `the fill/purge race, the same for both stores (1 writer + ${RACE_READERS} readers reading through one key, ` +
      `an in-memory database whose loads take ${RACE_LOAD_MS} ms, writes ${RACE_WRITE_GAP_MS} ms apart on average, ${SECONDS} s a run and a store): median of ${RUNS} runs (min–max), total`,
    "",
    "| store | writes (acknowledged) | reads | stale reads (older than the last write acknowledged before they began) |",
    "| --- | --- | --- | --- |",
    raceRow("ours (QueryCache + TaggedStore)", raced.a),
    raceRow("plain tag-set store", raced.b),
  );
} catch (error) {
  failure = error;
} finally {
  await raw.unlink(rawKey).catch(() => 0);
  const leftovers = await unlinkMatching(`qc:${benchNamespace}:*`).catch(() => -1);
  if (leftovers !== 0) console.error(`cleanup: ${leftovers} benchmark keys were left and are now removed`);
  // A temp database's namespace dies with it: remove its entries too.
  if (dataDir) await unlinkMatching(`qc:${appNamespace}:*`).catch(() => 0);
  raw.disconnect();
  await disconnectCacheRedis();
  await handle.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

const total = Math.round((performance.now() - startedAt) / 1000);
const seeding = (seededAt - startedAt) / 1000;
if (failure) {
  console.error(`\nBENCH FAILED: ${failure instanceof Error ? failure.message : String(failure)}`);
  process.exitCode = 1;
} else {
  console.log(`\n${table.join("\n")}`);
}
console.log(
  `\ntotal ${Math.floor(total / 60)} min ${total % 60} s (opening and seeding the database ` +
    `${seeding.toFixed(1)} s); load average ${loadAt()} at the end`,
);
