import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineQuery, processQueryCache, queryRegistry } from "~/cache/define-query.server";
import { CacheEvents, cacheEvents } from "~/cache/events";
import { cacheKeys } from "~/cache/keys";
import { L1Cache } from "~/cache/l1";
import { MAX_ENTRY_LIFETIME_MS } from "~/cache/outbox.server";
import {
  type CacheEngineOptions,
  QueryCache,
  type QuerySpec,
  RefreshSkipped,
  stableKey,
} from "~/cache/query-cache.server";
import { ReadLog } from "~/cache/read-log";
import { splitEntry, TaggedStore, type TagStore } from "~/cache/tagged-store.server";
import { metricsSnapshot, observeCache, type QueryCounters, queryCounters } from "~/monitoring/cache-metrics.server";

/** What a test engine's event bus said, in the shapes the tests compare; monitoring counts it too. */
interface Observed {
  errors: { error: unknown; context: string }[];
  reads: unknown[];
}

// Engines built without a bus of their own tell the process's, which monitoring counts as in the app.
observeCache(cacheEvents());

function observed(into: Observed): CacheEvents {
  const bus = new CacheEvents((error) => {
    throw error;
  });
  observeCache(bus);
  bus.on("redisFailed", ({ query, operation, error }) =>
    into.errors.push({ error, context: `redis ${operation} for ${query}` }),
  );
  bus.on("refreshFailed", ({ query, error }) => into.errors.push({ error, context: `refresh of ${query}` }));
  bus.on("read", ({ query, args, userId, tags }) => into.reads.push({ read: { query, args, userId }, tags }));
  return bus;
}

/**
 * The read path (docs/design.md#the-read-path, QueryCache) against the real Redis, with loads that are plain
 * functions: hit, miss, stale, bypass, single flight, the cross-instance lock, refresh-ahead,
 * forced loads, schema checks and what is counted. Each test has a namespace and query of its own.
 */
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(redisUrl);
// A connection to a port nobody listens on, never retried: every command fails at once, as with
// Redis down.
const down = new Redis({
  host: "127.0.0.1",
  port: 1,
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
const namespaces: string[] = [];

afterAll(async () => {
  for (const namespace of namespaces) {
    const keys = await redis.keys(`qc:${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
  down.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000) {
  // performance.now(), not Date.now(): some tests stop the Date clock.
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let counter = 0;
/** A namespace, a store over it, a query over a mutable "database" row, and an engine. */
function setup(
  options: Partial<QuerySpec<{ n: number }, number>> = {},
  engineOptions: Partial<CacheEngineOptions> = {},
) {
  const id = `${process.pid}-${counter++}-${randomBytes(4).toString("hex")}`;
  const namespace = `engine-${id}`;
  namespaces.push(namespace);
  const store = new TaggedStore(redis, namespace);
  const db = { value: 1, loads: 0, delayMs: 0, contexts: [] as { userId?: number }[] };
  const spec: QuerySpec<{ n: number }, number> = {
    name: `test.engine.${id}`,
    tags: ({ n }) => [`t:${n}`],
    freshMs: 60_000,
    staleMs: 60_000,
    scope: "public",
    schema: z.number(),
    load: async (_args, context) => {
      db.loads += 1;
      db.contexts.push(context);
      const value = db.value;
      if (db.delayMs) await sleep(db.delayMs);
      return value;
    },
    ...options,
  };
  const events = {
    reports: [] as boolean[],
    errors: [] as { error: unknown; context: string }[],
    reads: [] as unknown[],
  };
  const engine = new QueryCache({
    store: () => store,
    reportRedis: (ok) => events.reports.push(ok),
    events: observed(events),
    ...engineOptions,
  });
  const keys = cacheKeys(namespace);
  const entryKey = (args: { n: number }, suffix = "") => keys.entry(`${spec.name}:${stableKey(args)}${suffix}`);
  const counters = (): QueryCounters => queryCounters(spec.name);
  return { store, spec, db, engine, events, keys, entryKey, counters, namespace };
}

/** Delegates to a real store, with the calls named in `faults` failing like a lost Redis. */
type StoreCalls = Required<TagStore>;
function faulty(store: TagStore, faults: Partial<Record<keyof TagStore, () => boolean>>, calls: string[] = []) {
  const wrap =
    <K extends keyof StoreCalls>(name: K) =>
    (...args: Parameters<StoreCalls[K]>) => {
      calls.push(name);
      if (faults[name]?.()) return Promise.reject(new Error(`${name} failed`));
      return (store[name] as (...a: Parameters<StoreCalls[K]>) => ReturnType<StoreCalls[K]>)(...args);
    };
  const wrapped: TagStore = {
    lookup: wrap("lookup"),
    tokens: wrap("tokens"),
    store: wrap("store"),
    purge: wrap("purge"),
    tryLock: wrap("tryLock"),
    unlock: wrap("unlock"),
  };
  return wrapped;
}

describe("the read path (real Redis)", () => {
  it("misses, stores, then hits with the same value and no database time", async () => {
    const { engine, spec, db, events, counters, entryKey, keys } = setup();
    const log = new ReadLog();
    const first = await engine.read(spec, { n: 1 }, { log });
    expect(first).toMatchObject({ value: 1, status: "miss", tags: ["t:1"] });
    expect(first.cacheMs).toBeGreaterThan(0);
    expect(first.cacheMs).toBeLessThan(1000);
    db.value = 2;
    const second = await engine.read(spec, { n: 1 }, { log });
    expect(second).toMatchObject({ value: 1, status: "hit", dbMs: 0, tags: ["t:1"] });
    expect(second.cacheMs).toBeGreaterThan(0);
    expect(second.cacheMs).toBeLessThan(1000);
    expect(db.loads).toBe(1);
    expect(db.contexts).toEqual([{ userId: undefined }]);
    expect(events.reports).toEqual([true, true]);
    expect(events.errors).toEqual([]);
    expect(await redis.exists(entryKey({ n: 1 }))).toBe(1);
    // The lock is released as soon as the entry is stored.
    expect(await redis.exists(keys.lock(`${spec.name}:${stableKey({ n: 1 })}`))).toBe(0);
    // Both valid under the one token the miss stored with (what a kept response is stored under).
    const validity = { tokens: [expect.stringMatching(/^[\w-]+$/)], freshUntil: expect.any(Number) };
    expect(log.reads).toEqual([
      {
        query: spec.name,
        status: "miss",
        tags: ["t:1"],
        cacheMs: first.cacheMs,
        dbMs: first.dbMs,
        scope: "public",
        validity,
      },
      { query: spec.name, status: "hit", tags: ["t:1"], cacheMs: second.cacheMs, dbMs: 0, scope: "public", validity },
    ]);
    expect(log.reads[1]?.validity?.tokens).toEqual(log.reads[0]?.validity?.tokens);
    expect(metricsSnapshot().queries[spec.name]).toMatchObject({ hits: 1, misses: 1, loads: 1, rejectedFills: 0 });
    expect(counters().latency.count).toBe(2);
  });

  it("measures database time for a load", async () => {
    const { engine, spec, db } = setup();
    db.delayMs = 40;
    const read = await engine.read(spec, { n: 1 });
    expect(read.dbMs).toBeGreaterThanOrEqual(35);
    expect(read.dbMs).toBeLessThan(5000);
  });

  it("reads under its tags deduplicated and sorted", async () => {
    const { engine, spec, events } = setup({ tags: ({ n }) => [`t:${n}`, "b", `t:${n}`, "a"] });
    const read = await engine.read(spec, { n: 3 });
    expect(read.tags).toEqual(["a", "b", "t:3"]);
    expect(events.reads).toEqual([{ read: { query: spec.name, args: { n: 3 }, userId: undefined }, tags: read.tags }]);
  });

  it("keys user-scoped values by user, and refuses to read them without one", async () => {
    const { engine, spec, db, entryKey } = setup({ scope: "user" });
    await expect(engine.read(spec, { n: 1 })).rejects.toThrow(`${spec.name} is user-scoped: read it with a userId`);
    expect((await engine.read(spec, { n: 1 }, { userId: 7 })).status).toBe("miss");
    expect((await engine.read(spec, { n: 1 }, { userId: 7 })).status).toBe("hit");
    expect((await engine.read(spec, { n: 1 }, { userId: 0 })).status).toBe("miss");
    expect(db.contexts).toEqual([{ userId: 7 }, { userId: 0 }]);
    expect(await redis.exists(entryKey({ n: 1 }, ":u7"), entryKey({ n: 1 }, ":u0"))).toBe(2);
    expect(await redis.exists(entryKey({ n: 1 }))).toBe(0);
  });

  it("keys public values without a user, whoever reads them", async () => {
    const { engine, spec, db, entryKey, events } = setup();
    await engine.read(spec, { n: 1 }, { userId: 7 });
    expect((await engine.read(spec, { n: 1 }, { userId: 8 })).status).toBe("hit");
    expect(db.contexts).toEqual([{ userId: 7 }]);
    expect(await redis.exists(entryKey({ n: 1 }))).toBe(1);
    expect(events.reads).toEqual([
      { read: { query: spec.name, args: { n: 1 }, userId: 7 }, tags: ["t:1"] },
      { read: { query: spec.name, args: { n: 1 }, userId: 8 }, tags: ["t:1"] },
    ]);
  });

  it("counts a read as a reader's unless told not to", async () => {
    const { engine, spec, events } = setup();
    await engine.read(spec, { n: 1 }, { track: false });
    expect(events.reads).toEqual([]);
    await engine.read(spec, { n: 1 }, { track: true });
    await engine.read(spec, { n: 1 });
    expect(events.reads).toHaveLength(2);
  });

  it("works without any of the optional callbacks", async () => {
    const { spec, store } = setup();
    const engine = new QueryCache({ store: () => store });
    expect((await engine.read(spec, { n: 1 })).status).toBe("miss");
    expect((await engine.read(spec, { n: 1 })).status).toBe("hit");
  });

  it("misses after a purge, and loads the new value", async () => {
    const { engine, spec, db, store } = setup();
    await engine.read(spec, { n: 1 });
    db.value = 2;
    await store.purge(["t:1"]);
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 2 });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 2 });
  });

  it("checks a load against the schema", async () => {
    const { engine, spec, db } = setup();
    db.value = "two" as never;
    await expect(engine.read(spec, { n: 1 })).rejects.toThrow();
  });

  it("bypasses Redis when there is no store: loads, reports nothing to Redis", async () => {
    const { spec, db, events } = setup();
    const engine = new QueryCache({
      store: () => undefined,
      reportRedis: (ok) => events.reports.push(ok),
      events: observed(events),
    });
    db.delayMs = 20;
    const log = new ReadLog();
    const read = await engine.read(spec, { n: 1 }, { log });
    expect(read).toMatchObject({ value: 1, status: "bypass", cacheMs: 0, tags: ["t:1"] });
    expect(read.dbMs).toBeGreaterThanOrEqual(15);
    expect((await engine.read(spec, { n: 1 })).status).toBe("bypass");
    expect(db.loads).toBe(2);
    expect(events.reports).toEqual([]);
    expect(events.reads).toEqual([]);
    // No validity: a response that showed it is never kept.
    expect(log.reads).toEqual([
      { query: spec.name, status: "bypass", tags: ["t:1"], cacheMs: 0, dbMs: read.dbMs, scope: "public" },
    ]);
    expect(metricsSnapshot().queries[spec.name]).toMatchObject({ bypasses: 2, loads: 2, errors: 0 });
  });

  it("bypasses when the lookup fails, and says so", async () => {
    const { spec, db, events, namespace } = setup();
    const engine = new QueryCache({
      store: () => new TaggedStore(down, namespace),
      reportRedis: (ok) => events.reports.push(ok),
      events: observed(events),
    });
    db.delayMs = 100;
    const read = await engine.read(spec, { n: 1 });
    expect(read).toMatchObject({ value: 1, status: "bypass" });
    expect(read.dbMs).toBeGreaterThanOrEqual(95);
    // Redis time is the failed lookup alone, not the load after it.
    expect(read.cacheMs).toBeGreaterThanOrEqual(0);
    expect(read.cacheMs).toBeLessThan(read.dbMs);
    expect(events.reports).toEqual([false]);
    expect(events.errors.map((e) => e.context)).toEqual([`redis lookup for ${spec.name}`]);
    expect(metricsSnapshot().queries[spec.name]).toMatchObject({ bypasses: 1, errors: 1, loads: 1 });
  });

  it("bypasses a failed lookup quietly when nobody listens", async () => {
    const { spec, namespace } = setup();
    const engine = new QueryCache({ store: () => new TaggedStore(down, namespace) });
    expect((await engine.read(spec, { n: 1 })).status).toBe("bypass");
  });
});

describe("stale-while-revalidate and refresh-ahead", () => {
  it("serves an entry past its fresh time as stale and refreshes it once in the background", async () => {
    const { engine, spec, db, events } = setup({ freshMs: 30 });
    await engine.read(spec, { n: 1 });
    await sleep(45);
    db.value = 2;
    db.delayMs = 30;
    const stale = await engine.read(spec, { n: 1 });
    expect(stale).toMatchObject({ status: "stale", value: 1, dbMs: 0 });
    const again = await engine.read(spec, { n: 1 });
    expect(again).toMatchObject({ status: "stale", value: 1 });
    await until(() => db.loads === 2, "the refresh");
    await sleep(40);
    expect(db.loads).toBe(2); // one refresh for both stale reads
    db.delayMs = 0;
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 2 });
    expect(events.errors).toEqual([]);
  });

  it("reports a failed background refresh, and keeps serving the stale entry", async () => {
    const { engine, spec, db, events } = setup({ freshMs: 20 });
    await engine.read(spec, { n: 1 });
    await sleep(30);
    db.value = "broken" as never;
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "stale", value: 1 });
    await until(() => events.errors.length > 0, "the refresh error");
    expect(events.errors[0]?.context).toBe(`refresh of ${spec.name}`);
  });

  it("fails a background refresh quietly when nobody listens", async () => {
    const { spec, db, store } = setup({ freshMs: 10 });
    const engine = new QueryCache({ store: () => store });
    await engine.read(spec, { n: 1 });
    await sleep(20);
    db.value = "broken" as never;
    expect((await engine.read(spec, { n: 1 })).status).toBe("stale");
    await sleep(30);
  });

  it("leaves the refresh to the instance holding the lock, and waits for nobody", async () => {
    const { engine, spec, db, store, events } = setup({ freshMs: 20 });
    await engine.read(spec, { n: 1 });
    await sleep(30);
    const peer = await store.tryLock(`${spec.name}:${stableKey({ n: 1 })}`, 5000);
    expect(peer).not.toBeNull();
    const started = Date.now();
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "stale", value: 1 });
    await sleep(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(db.loads).toBe(1);
    expect(events.errors).toEqual([]); // RefreshSkipped is no error
  });

  it("loads now, as a miss, when the entry would go stale within refreshAheadMs", async () => {
    const { engine, spec, db } = setup({ freshMs: 10_000 });
    await engine.read(spec, { n: 1 });
    db.value = 2;
    expect(await engine.read(spec, { n: 1 }, { refreshAheadMs: 1000 })).toMatchObject({ status: "hit", value: 1 });
    expect(await engine.read(spec, { n: 1 }, { refreshAheadMs: 0 })).toMatchObject({ status: "hit", value: 1 });
    expect(await engine.read(spec, { n: 1 }, { refreshAheadMs: 20_000 })).toMatchObject({ status: "miss", value: 2 });
    expect(db.loads).toBe(2);
    db.value = 3;
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 2 });
  });

  it("loads a stale entry now (no background refresh) with refreshAheadMs", async () => {
    const { engine, spec, db } = setup({ freshMs: 10 });
    await engine.read(spec, { n: 1 });
    await sleep(20);
    db.value = 2;
    expect(await engine.read(spec, { n: 1 }, { refreshAheadMs: 0 })).toMatchObject({ status: "miss", value: 2 });
    expect(db.loads).toBe(2);
  });

  it("does not wait for a lock holder when refreshing ahead or forced", async () => {
    const { engine, spec, db, store } = setup({}, { peerWaitMs: 2000 });
    await engine.read(spec, { n: 1 });
    await store.tryLock(`${spec.name}:${stableKey({ n: 1 })}`, 5000);
    db.value = 2;
    const started = Date.now();
    expect(await engine.read(spec, { n: 1 }, { refreshAheadMs: 120_000 })).toMatchObject({ status: "miss", value: 2 });
    expect(await engine.read(spec, { n: 1 }, { forceFresh: true })).toMatchObject({ status: "miss", value: 2 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(db.loads).toBe(3);
  });

  it("loads even a fresh entry when forced, and stores what it loaded", async () => {
    const { engine, spec, db } = setup();
    await engine.read(spec, { n: 1 });
    db.value = 2;
    expect(await engine.read(spec, { n: 1 }, { forceFresh: true })).toMatchObject({ status: "miss", value: 2 });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 2 });
  });

  it("stores fresh time ±10 % and a TTL of fresh plus stale", async () => {
    const { engine, spec, entryKey } = setup({ freshMs: 100_000, staleMs: 50_000 });
    for (let i = 0; i < 20; i++) {
      const before = Date.now();
      await engine.read(spec, { n: 1 }, { forceFresh: true });
      const after = Date.now();
      const entry = splitEntry((await redis.get(entryKey({ n: 1 }))) as string);
      const { v, f } = JSON.parse(entry?.payload ?? "") as { v: number; f: number };
      expect(v).toBe(1);
      expect(f).toBeGreaterThanOrEqual(before + 90_000);
      expect(f).toBeLessThanOrEqual(after + 110_000);
      const ttl = await redis.pttl(entryKey({ n: 1 }));
      const fresh = f - before;
      expect(ttl).toBeGreaterThan(fresh + 50_000 - 1000);
      expect(ttl).toBeLessThanOrEqual(fresh + 50_000 + (after - before) + 5);
    }
  });
});

describe("time boundaries (the clock stopped)", () => {
  const T = 2_000_000_000_000;

  it("serves an entry as fresh until its fresh time, and as stale from that very millisecond", async () => {
    const { engine, spec, entryKey } = setup();
    await engine.read(spec, { n: 1 });
    const entry = splitEntry((await redis.get(entryKey({ n: 1 }))) as string);
    const { f } = JSON.parse(entry?.payload ?? "") as { f: number };
    vi.useFakeTimers({ toFake: ["Date"], now: f - 1 });
    try {
      expect((await engine.read(spec, { n: 1 })).status).toBe("hit");
      vi.setSystemTime(f);
      expect((await engine.read(spec, { n: 1 })).status).toBe("stale");
    } finally {
      vi.useRealTimers();
    }
  });

  it("waits for a lock holder until the deadline itself, and never takes an entry stale at that moment", async () => {
    const { spec, db, store } = setup();
    const calls: string[] = [];
    const engine = new QueryCache({ store: () => faulty(store, {}, calls), peerWaitMs: 100 });
    const key = `${spec.name}:${stableKey({ n: 1 })}`;
    await store.tryLock(key, 5000);
    db.value = 2;
    vi.useFakeTimers({ toFake: ["Date"], now: T });
    try {
      let finished = false;
      const reading = engine.read(spec, { n: 1 }).finally(() => {
        finished = true;
      });
      await until(() => calls.includes("tryLock"), "the refused lock");
      // The holder stores an entry whose fresh time is now: stale from this very millisecond.
      const { tokens } = await store.lookup(key, ["t:1"]);
      await store.store(key, ["t:1"], tokens, JSON.stringify({ v: 9, f: T }), 60_000);
      await sleep(60);
      expect(finished).toBe(false); // the clock is stopped before the deadline: still polling
      vi.setSystemTime(T + 100); // the deadline, to the millisecond
      await until(() => finished, "the reader to give up waiting", 2000);
      expect(await reading).toMatchObject({ status: "miss", value: 2 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("what comes out of Redis is checked", () => {
  /** Stores `payload` as the entry of { n: 1 }, under the current tokens. */
  async function plant(store: TagStore, spec: QuerySpec<{ n: number }, number>, payload: string) {
    const key = `${spec.name}:${stableKey({ n: 1 })}`;
    const { tokens } = await store.lookup(key, ["t:1"]);
    expect(await store.store(key, ["t:1"], tokens, payload, 60_000)).toBe(true);
  }

  for (const [what, payload] of [
    ["not JSON", "{oops"],
    ["a value of the wrong shape", JSON.stringify({ v: "one", f: Date.now() + 60_000 })],
    ["no fresh time", JSON.stringify({ v: 5 })],
    ["a fresh time that is not a number", JSON.stringify({ v: 5, f: "later" })],
  ] as const) {
    it(`counts ${what} as a schema mismatch and a miss`, async () => {
      const { engine, spec, store, db, counters } = setup();
      await plant(store, spec, payload);
      expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 1 });
      expect(counters().schemaMismatches).toBe(1);
      expect(db.loads).toBe(1);
      expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 1 });
      expect(counters().schemaMismatches).toBe(1);
    });
  }

  it("serves a planted value that passes the schema", async () => {
    const { engine, spec, store, db, counters } = setup();
    await plant(store, spec, JSON.stringify({ v: 5, f: Date.now() + 60_000 }));
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 5 });
    expect(db.loads).toBe(0);
    expect(counters().schemaMismatches).toBe(0);
  });
});

describe("single flight and the lock", () => {
  it("makes one load for concurrent misses that saw the same tokens", async () => {
    const { engine, spec, db } = setup();
    db.delayMs = 30;
    const reads = await Promise.all(Array.from({ length: 20 }, () => engine.read(spec, { n: 1 })));
    expect(db.loads).toBe(1);
    expect(reads.every((r) => r.status === "miss" && r.value === 1)).toBe(true);
  });

  it("never joins a load that started before a purge", async () => {
    const { engine, spec, db, store } = setup();
    db.delayMs = 60;
    const before = engine.read(spec, { n: 1 });
    await until(() => db.loads === 1, "the first load");
    db.value = 2;
    await store.purge(["t:1"]);
    const after = await engine.read(spec, { n: 1 });
    expect(after.value).toBe(2);
    expect((await before).value).toBe(1);
  });

  it("loads again after a shared load finished, when the entry is gone", async () => {
    const { engine, spec, db, store } = setup();
    await engine.read(spec, { n: 1 });
    db.value = 2;
    await (store as TaggedStore).evictEntry(`${spec.name}:${stableKey({ n: 1 })}`);
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 2 });
    expect(db.loads).toBe(2);
  });

  it("loads again after a shared load failed", async () => {
    const { engine, spec, db } = setup();
    db.value = "bad" as never;
    await expect(engine.read(spec, { n: 1 })).rejects.toThrow();
    db.value = 2;
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 2 });
    expect(db.loads).toBe(2);
  });

  it("never lets a reader join a background refresh", async () => {
    const { engine, spec, db } = setup({ freshMs: 20 });
    await engine.read(spec, { n: 1 });
    await sleep(30);
    db.delayMs = 80;
    db.value = 2;
    expect((await engine.read(spec, { n: 1 })).status).toBe("stale"); // the refresh starts
    await until(() => db.loads === 2, "the refresh");
    // A forced read saw the same tokens, but loads on its own.
    expect(await engine.read(spec, { n: 1 }, { forceFresh: true })).toMatchObject({ status: "miss", value: 2 });
    expect(db.loads).toBe(3);
  });

  it("holds the lock for lockMs (2 s by default) while it loads", async () => {
    for (const [lockMs, expected] of [
      [undefined, 2000],
      [700, 700],
    ] as const) {
      const { engine, spec, db, keys } = setup({}, lockMs === undefined ? {} : { lockMs });
      db.delayMs = 100;
      const reading = engine.read(spec, { n: 1 });
      const lockKey = keys.lock(`${spec.name}:${stableKey({ n: 1 })}`);
      await until(async () => (await redis.exists(lockKey)) === 1, "the lock");
      const ttl = await redis.pttl(lockKey);
      expect(ttl).toBeGreaterThan(expected - 300);
      expect(ttl).toBeLessThanOrEqual(expected);
      await reading;
      expect(await redis.exists(lockKey)).toBe(0);
    }
  });

  it("takes the lock holder's entry instead of loading, polling every 15 ms or so", async () => {
    const { spec, db, store } = setup();
    const key = `${spec.name}:${stableKey({ n: 1 })}`;
    const calls: string[] = [];
    const counting = new QueryCache({ store: () => faulty(store, {}, calls) });
    expect(await store.tryLock(key, 5000)).not.toBeNull();
    const reading = counting.read(spec, { n: 1 });
    await sleep(60);
    // The "other instance" stores its value.
    const { tokens } = await store.lookup(key, ["t:1"]);
    await store.store(key, ["t:1"], tokens, JSON.stringify({ v: 9, f: Date.now() + 60_000 }), 60_000);
    const read = await reading;
    expect(read).toMatchObject({ status: "miss", value: 9, dbMs: 0 });
    expect(db.loads).toBe(0);
    const lookups = calls.filter((c) => c === "lookup").length;
    // The first lookup, then a poll every 15 ms or so (not a busy loop).
    expect(lookups).toBeGreaterThanOrEqual(2);
    expect(lookups).toBeLessThanOrEqual(10);
  });

  it("gives up on the lock holder after peerWaitMs (150 ms by default), then loads under the latest tokens", async () => {
    const { engine, spec, db, store, counters } = setup();
    const key = `${spec.name}:${stableKey({ n: 1 })}`;
    await store.tryLock(key, 5000);
    const started = Date.now();
    const reading = engine.read(spec, { n: 1 });
    await sleep(40);
    db.value = 2;
    await store.purge(["t:1"]); // the waiting reader must pick up the new token
    const read = await reading;
    const waited = Date.now() - started;
    expect(read).toMatchObject({ status: "miss", value: 2 });
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1500);
    expect(counters().rejectedFills).toBe(0);
    await store.unlock(key, "nobody");
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 2 });
  });

  it("waits peerWaitMs when given, and ignores a holder's entry that is already stale", async () => {
    const { spec, db, store } = setup();
    const engine = new QueryCache({ store: () => store, peerWaitMs: 60 });
    const key = `${spec.name}:${stableKey({ n: 1 })}`;
    await store.tryLock(key, 5000);
    db.value = 2;
    const started = Date.now();
    const waiting = engine.read(spec, { n: 1 });
    await sleep(20);
    // The holder stores an entry that is already past its fresh time: not worth taking.
    const { tokens } = await store.lookup(key, ["t:1"]);
    await store.store(key, ["t:1"], tokens, JSON.stringify({ v: 9, f: Date.now() - 1 }), 60_000);
    expect(await waiting).toMatchObject({ status: "miss", value: 2 });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(55);
    expect(waited).toBeLessThan(140);
    expect(db.loads).toBe(1);
  });

  it("stops waiting when Redis fails during the wait, and loads", async () => {
    const { spec, db, store, events } = setup();
    let lookups = 0;
    const broken = faulty(store, { lookup: () => ++lookups >= 2 });
    const engine = new QueryCache({
      store: () => broken,
      peerWaitMs: 2000,
      reportRedis: (ok) => events.reports.push(ok),
      events: observed(events),
    });
    await store.tryLock(`${spec.name}:${stableKey({ n: 1 })}`, 5000);
    const started = Date.now();
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 1 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(db.loads).toBe(1);
    expect(events.reports).toEqual([true, false]);
    expect(events.errors.map((e) => e.context)).toEqual([`redis lookup for ${spec.name}`]);
  });

  it("stops waiting at the first failed poll, and loads under the tokens it had", async () => {
    const { spec, db, store, counters } = setup();
    let lookups = 0;
    const broken = faulty(store, { lookup: () => ++lookups === 2 });
    const engine = new QueryCache({ store: () => broken, peerWaitMs: 2000 });
    const key = `${spec.name}:${stableKey({ n: 1 })}`;
    await store.tryLock(key, 5000);
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 1 });
    expect(db.loads).toBe(1);
    expect(counters()).toMatchObject({ errors: 1, rejectedFills: 0 });
    await store.unlock(key, "nobody");
    expect((await engine.read(spec, { n: 1 })).status).toBe("hit");
  });

  it("loads without the lock when taking it fails", async () => {
    const { spec, db, store, events, counters } = setup();
    const engine = new QueryCache({
      store: () => faulty(store, { tryLock: () => true }),
      peerWaitMs: 30,
      events: observed(events),
      reportRedis: (ok) => events.reports.push(ok),
    });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 1 });
    expect(db.loads).toBe(1);
    expect(events.errors.map((e) => e.context)).toEqual([`redis lock for ${spec.name}`]);
    expect(events.reports).toEqual([true, false]);
    expect(counters().errors).toBe(1);
  });

  it("returns what it loaded when storing fails, and counts the error", async () => {
    const { spec, store, events, counters } = setup();
    const engine = new QueryCache({
      store: () => faulty(store, { store: () => true }),
      events: observed(events),
    });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 1 });
    expect(events.errors.map((e) => e.context)).toEqual([`redis store for ${spec.name}`]);
    expect(counters()).toMatchObject({ errors: 1, rejectedFills: 0 });
  });

  it("ignores a failed unlock (the lock expires by itself)", async () => {
    const { spec, store, events } = setup();
    const engine = new QueryCache({
      store: () => faulty(store, { unlock: () => true }),
      events: observed(events),
    });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 1 });
    expect(events.errors).toEqual([]);
  });

  it("counts a fill refused because a purge overtook the load", async () => {
    const { engine, spec, db, store, counters } = setup();
    db.delayMs = 50;
    const reading = engine.read(spec, { n: 1 });
    await until(() => db.loads === 1, "the load");
    await store.purge(["t:1"]);
    expect((await reading).value).toBe(1);
    expect(counters().rejectedFills).toBe(1);
    db.delayMs = 0;
    expect((await engine.read(spec, { n: 1 })).status).toBe("miss");
  });
});

describe("the in-process L1", () => {
  it("serves a repeated read from memory after one token check, with no payload from Redis", async () => {
    const calls: string[] = [];
    const { spec, db, store } = setup();
    const engine = new QueryCache({ store: () => faulty(store, {}, calls), l1: new L1Cache(1 << 20) });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 1 });
    db.value = 2; // the database moved on without a purge: the cache may still serve 1
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 1, dbMs: 0 });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 1 });
    expect(calls).toEqual(["lookup", "tryLock", "store", "unlock", "tokens", "tokens"]);
    expect(db.loads).toBe(1);
  });

  it("serves a batch's items from memory after one MGET of their tokens, and looks up only the moved ones", async () => {
    const calls: string[] = [];
    const { spec, db, store } = setup();
    spec.loadMany = async (args) => {
      db.loads += 1;
      return args.map(() => db.value);
    };
    const engine = new QueryCache({ store: () => faulty(store, {}, calls), l1: new L1Cache(1 << 20) });
    const args = [1, 2, 3].map((n) => ({ n }));
    expect((await engine.readMany(spec, args)).map((r) => r.status)).toEqual(["miss", "miss", "miss"]);
    calls.length = 0;
    const log = new ReadLog();
    const again = await engine.readMany(spec, args, { log });
    expect(again.map((r) => [r.status, r.value, r.dbMs])).toEqual(args.map(() => ["hit", 1, 0]));
    expect(calls).toEqual(["tokens"]); // no entry fetched from Redis
    expect(log.reads[0]?.validity?.tokens).toHaveLength(3);

    db.value = 2;
    await new TaggedStore(redis, store.namespace).purge(["t:2"]); // another instance's purge
    calls.length = 0;
    const after = await engine.readMany(spec, args);
    expect(after.map((r) => [r.status, r.value])).toEqual([
      ["hit", 1],
      ["miss", 2],
      ["hit", 1],
    ]);
    // The token check of all three, then the one whose token moved is looked up and loaded.
    expect(calls.slice(0, 2)).toEqual(["tokens", "lookup"]);
    expect(db.loads).toBe(2);
  });

  it("never serves a value whose tag was purged, by any process, or whose token was evicted", async () => {
    const { spec, db, store } = setup();
    const engine = new QueryCache({ store: () => store, l1: new L1Cache(1 << 20) });
    await engine.read(spec, { n: 1 });
    expect((await engine.read(spec, { n: 1 })).status).toBe("hit");
    db.value = 2;
    await new TaggedStore(redis, store.namespace).purge(["t:1"]); // another instance's purge
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 2 });
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "hit", value: 2 });
    db.value = 3;
    await store.evictToken("t:1");
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 3 });
  });

  it("fills only what Redis took: a fill refused by compare-and-set stays out of it", async () => {
    const { spec, db, store } = setup();
    let purgeDuringLoad = true;
    spec.load = async () => {
      db.loads += 1;
      const value = db.value;
      if (purgeDuringLoad) {
        purgeDuringLoad = false;
        await store.purge(["t:1"]);
      }
      return value;
    };
    const engine = new QueryCache({ store: () => store, l1: new L1Cache(1 << 20) });
    expect((await engine.read(spec, { n: 1 })).status).toBe("miss"); // its fill was refused
    db.value = 2;
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "miss", value: 2 });
  });

  it("is skipped by forced loads and by refresh-ahead near the end of the fresh time", async () => {
    const { spec, db, store } = setup({ freshMs: 1000 });
    const engine = new QueryCache({ store: () => store, l1: new L1Cache(1 << 20) });
    await engine.read(spec, { n: 1 });
    db.value = 2;
    expect(await engine.read(spec, { n: 1 }, { forceFresh: true })).toMatchObject({ status: "miss", value: 2 });
    expect(await engine.read(spec, { n: 1 }, { refreshAheadMs: 5000 })).toMatchObject({ status: "miss", value: 2 });
  });

  it("keeps users apart: a user-scoped value is one user's entry", async () => {
    const { spec, store } = setup({ scope: "user", load: async (_args, { userId }) => userId ?? 0 });
    const engine = new QueryCache({ store: () => store, l1: new L1Cache(1 << 20) });
    expect((await engine.read(spec, { n: 1 }, { userId: 7 })).value).toBe(7);
    expect((await engine.read(spec, { n: 1 }, { userId: 7 })).status).toBe("hit");
    expect(await engine.read(spec, { n: 1 }, { userId: 8 })).toMatchObject({ status: "miss", value: 8 });
  });

  it("bypasses, and reports Redis, when the token check fails", async () => {
    const { spec, db, store } = setup();
    let failing = false;
    const reports: boolean[] = [];
    const engine = new QueryCache({
      store: () => faulty(store, { tokens: () => failing }),
      reportRedis: (ok) => reports.push(ok),
      l1: new L1Cache(1 << 20),
    });
    await engine.read(spec, { n: 1 });
    failing = true;
    expect(await engine.read(spec, { n: 1 })).toMatchObject({ status: "bypass", value: 1 });
    expect(reports.at(-1)).toBe(false);
    expect(db.loads).toBe(2);
  });

  it("hands every reader the same frozen value: changing it throws instead of leaking", async () => {
    const { spec, store } = setup({
      load: async () => ({ list: [{ n: 1 }] }),
      schema: z.any() as unknown as z.ZodType<number>,
    });
    const engine = new QueryCache({ store: () => store, l1: new L1Cache(1 << 20) });
    const first = (await engine.read(spec, { n: 1 })).value as unknown as { list: { n: number }[] };
    const again = (await engine.read(spec, { n: 1 })).value as unknown as { list: { n: number }[] };
    expect(again).toBe(first);
    expect(Object.isFrozen(again.list[0])).toBe(true);
    expect(() => {
      (again.list[0] as { n: number }).n = 2;
    }).toThrow(TypeError);
  });

  it("is bounded in bytes: the least recently used entry goes first", () => {
    const l1 = new L1Cache(100);
    l1.set("a", { value: "a", freshUntil: 0, tokens: "" }, 60);
    l1.set("b", { value: "b", freshUntil: 0, tokens: "" }, 30);
    l1.get("a");
    l1.set("c", { value: "c", freshUntil: 0, tokens: "" }, 30);
    expect([l1.get("a"), l1.get("b"), l1.get("c")].map((e) => e?.value)).toEqual(["a", undefined, "c"]);
    l1.set("huge", { value: "huge", freshUntil: 0, tokens: "" }, 1000);
    expect(l1.get("huge")).toBeUndefined();
  });
});

describe("batched reads (readMany)", () => {
  /** A query whose value is `version * 100 + n`, loaded one at a time or in batches (recorded). */
  function batched(engineOptions: Partial<CacheEngineOptions> = {}, withLoadMany = true) {
    const version = { current: 1 };
    const batches: number[][] = [];
    const singles: number[] = [];
    const t = setup(
      {
        load: async ({ n }) => {
          singles.push(n);
          return version.current * 100 + n;
        },
        ...(withLoadMany
          ? {
              loadMany: async (args: readonly { n: number }[]) => {
                batches.push(args.map((a) => a.n));
                const seen = version.current;
                if (t.db.delayMs) await sleep(t.db.delayMs);
                return args.map((a) => seen * 100 + a.n);
              },
            }
          : {}),
      },
      engineOptions,
    );
    const args = [1, 2, 3, 4, 5].map((n) => ({ n }));
    return { ...t, version, batches, singles, args };
  }

  it("loads the misses in one batch, keeps the order, then serves every one as a hit", async () => {
    const { engine, spec, batches, args } = batched();
    const log = new ReadLog();
    const first = await engine.readMany(spec, args, { log });
    expect(first.map((r) => [r.value, r.status])).toEqual(args.map(({ n }) => [100 + n, "miss"]));
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    const second = await engine.readMany(spec, [...args].reverse(), { log });
    expect(second.map((r) => [r.value, r.status])).toEqual([...args].reverse().map(({ n }) => [100 + n, "hit"]));
    expect(second.every((r) => r.dbMs === 0)).toBe(true);
    expect(batches).toHaveLength(1);
    // One record per batch in the request's log: its worst status and all its tags.
    expect(log.reads.map((r) => [r.query, r.status])).toEqual([
      [`${spec.name} x5`, "miss"],
      [`${spec.name} x5`, "hit"],
    ]);
    expect(log.reads[1]?.tags).toEqual(["t:5", "t:4", "t:3", "t:2", "t:1"]);
  });

  it("reloads only the entries whose tags were purged", async () => {
    const { engine, spec, store, batches, version, args } = batched();
    await engine.readMany(spec, args);
    version.current = 2;
    await store.purge(["t:2", "t:4"]);
    const again = await engine.readMany(spec, args);
    expect(again.map((r) => [r.value, r.status])).toEqual([
      [101, "hit"],
      [202, "miss"],
      [103, "hit"],
      [204, "miss"],
      [105, "hit"],
    ]);
    expect(batches).toEqual([
      [1, 2, 3, 4, 5],
      [2, 4],
    ]);
  });

  it("loads a key named twice in one batch once, and answers both", async () => {
    const { engine, spec, batches } = batched();
    const twice = await engine.readMany(spec, [{ n: 7 }, { n: 8 }, { n: 7 }]);
    expect(twice.map((r) => r.value)).toEqual([107, 108, 107]);
    expect(batches).toEqual([[7, 8]]);
  });

  it("loads one at a time when the query has no loadMany, and reads nothing for no arguments", async () => {
    const { engine, spec, singles, args } = batched({}, false);
    expect((await engine.readMany(spec, args)).map((r) => r.value)).toEqual([101, 102, 103, 104, 105]);
    expect(singles.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await engine.readMany(spec, [])).toEqual([]);
  });

  it("shares loads with single reads of the same key and tokens, both ways", async () => {
    const { engine, spec, db, batches, singles, args } = batched();
    db.delayMs = 40;
    const batch = engine.readMany(spec, args);
    await until(() => batches.length === 1, "the batch load");
    const single = await engine.read(spec, { n: 3 });
    expect(single).toMatchObject({ value: 103, status: "miss" });
    await batch;
    expect(singles).toEqual([]); // the single read joined the batch's load
    const { spec: other, engine: otherEngine, batches: otherBatches, db: otherDb } = batched();
    otherDb.delayMs = 40;
    const loading = otherEngine.read(other, { n: 1 });
    await sleep(5);
    await otherEngine.readMany(other, args);
    await loading;
    expect(otherBatches).toEqual([[2, 3, 4, 5]]); // key 1 joined the single read's load
  });

  it("refuses to store a batch member whose tag was purged during the load, and loads it afresh next time", async () => {
    const { engine, spec, db, store, version, batches, counters, args } = batched();
    db.delayMs = 50;
    const racing = engine.readMany(spec, args);
    await until(() => batches.length === 1, "the batch load");
    version.current = 2;
    await store.purge(["t:3"]);
    expect((await racing).map((r) => r.value)).toEqual([101, 102, 103, 104, 105]);
    expect(counters().rejectedFills).toBe(1);
    db.delayMs = 0;
    const next = await engine.readMany(spec, args);
    expect(next.map((r) => r.status)).toEqual(["hit", "hit", "miss", "hit", "hit"]);
    expect(next[2]?.value).toBe(203);
  });

  it("serves entries past their fresh time as stale and refreshes them in the background", async () => {
    const { engine, spec, version, singles, args } = batched();
    const quick = { ...spec, freshMs: 1 };
    await engine.readMany(quick, args);
    await sleep(5);
    version.current = 2;
    const stale = await engine.readMany(quick, args.slice(0, 2));
    expect(stale.map((r) => [r.value, r.status])).toEqual([
      [101, "stale"],
      [102, "stale"],
    ]);
    await until(() => singles.length === 2, "the background refreshes");
  });

  it("loads entries about to go stale now when refreshing ahead, as a single read does", async () => {
    const { engine, spec, version, batches, args } = batched();
    await engine.readMany(spec, args.slice(0, 2));
    version.current = 2;
    const ahead = await engine.readMany(spec, args.slice(0, 2), { refreshAheadMs: 120_000 });
    expect(ahead.map((r) => [r.value, r.status])).toEqual([
      [201, "miss"],
      [202, "miss"],
    ]);
    expect(batches).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect((await engine.readMany(spec, args.slice(0, 2), { refreshAheadMs: 1 })).map((r) => r.status)).toEqual([
      "hit",
      "hit",
    ]);
  });

  it("bypasses with no store or a failed lookup, and never records a read that failed", async () => {
    const none = batched({ store: () => undefined });
    const bypassed = await none.engine.readMany(none.spec, none.args);
    expect(bypassed.map((r) => r.status)).toEqual(["bypass", "bypass", "bypass", "bypass", "bypass"]);
    expect(none.batches).toEqual([[1, 2, 3, 4, 5]]);

    const failing = batched();
    const broken: TagStore = {
      ...faulty(failing.store, {}),
      lookupMany: () => Promise.reject(new Error("lookupMany failed")),
    };
    const engine = new QueryCache({ store: () => broken, events: observed(failing.events) });
    expect((await engine.readMany(failing.spec, failing.args)).map((r) => r.status)).toContain("bypass");
    expect(failing.events.errors.map((e) => e.context)).toEqual([`redis lookup for ${failing.spec.name}`]);
    expect(failing.events.reads).toEqual([]);

    const throwing = batched();
    const badSpec = { ...throwing.spec, loadMany: async () => [1] };
    await expect(throwing.engine.readMany(badSpec, throwing.args)).rejects.toThrow(/loadMany gave 1 values for 5/);
    expect(throwing.events.reads).toEqual([]); // a failed read is not one to warm
    await throwing.engine.readMany(throwing.spec, throwing.args.slice(0, 2));
    expect(throwing.events.reads).toHaveLength(2);
  });

  it("refuses a user-scoped batch without a user, and keys it by user", async () => {
    const { engine, spec, batches, args } = batched();
    const mine = { ...spec, scope: "user" as const };
    await expect(engine.readMany(mine, args)).rejects.toThrow(/user-scoped/);
    await engine.readMany(mine, args, { userId: 1 });
    expect((await engine.readMany(mine, args, { userId: 2 })).every((r) => r.status === "miss")).toBe(true);
    expect((await engine.readMany(mine, args, { userId: 1 })).every((r) => r.status === "hit")).toBe(true);
    expect(batches).toHaveLength(2);
  });
});

describe("declared queries", () => {
  it("turns a declaration into a query with its spec, registered by name", () => {
    const name = `test.declared.${counter++}`;
    const tagsOf = ({ id }: { id: number }) => [`d:${id}`];
    const load = async ({ id }: { id: number }) => ({ id });
    const query = defineQuery({
      name,
      args: z.object({ id: z.coerce.number() }),
      tags: tagsOf,
      fresh: "2m",
      stale: "1h",
      scope: "user",
      value: z.object({ id: z.number() }),
      load,
    });
    expect(query.name).toBe(name);
    expect(query.scope).toBe("user");
    expect(query.tags).toBe(tagsOf);
    expect(query.argsSchema.parse({ id: "3" })).toEqual({ id: 3 });
    expect(query.spec).toMatchObject({ name, freshMs: 120_000, staleMs: 3_600_000, scope: "user", load, tags: tagsOf });
    expect(query.spec.schema.parse({ id: 1 })).toEqual({ id: 1 });
    expect(queryRegistry.get(name)).toBe(query);
  });

  it("refuses lifetimes beyond what the outbox keeps (fresh ×1.1 + stale)", () => {
    const declare = (fresh: `${number}h`, stale: `${number}h`) =>
      defineQuery({
        name: `test.lifetime.${counter++}`,
        args: z.object({}),
        tags: () => [],
        fresh,
        stale,
        scope: "public",
        value: z.number(),
        load: async () => 1,
      });
    expect(MAX_ENTRY_LIFETIME_MS).toBe(24 * 3_600_000);
    expect(() => declare("20h", "2h")).not.toThrow(); // exactly 24 h
    expect(() => declare("20h", "2.01h")).toThrow(/fresh \+ stale must stay under 86400000 ms/);
    expect(() => declare("21h", "1h")).toThrow(/^test\.lifetime\.\d+: fresh/);
    expect(() => declare("1h", "23h")).toThrow();
  });

  it("reads through this process's engine, with the arguments parsed (no cache configured: bypass)", async () => {
    const loads: unknown[] = [];
    const query = defineQuery({
      name: `test.bypass.${counter++}`,
      args: z.object({ id: z.coerce.number().int() }),
      tags: ({ id }) => [`d:${id}`],
      fresh: "1m",
      stale: "1m",
      scope: "public",
      value: z.object({ id: z.number() }),
      load: async (args) => {
        loads.push(args);
        return { id: args.id };
      },
    });
    const read = await query.read({ id: "4" as never });
    expect(read).toMatchObject({ status: "bypass", value: { id: 4 }, tags: ["d:4"] });
    expect(loads).toEqual([{ id: 4 }]);
    // Arguments are parsed before the read starts: bad ones throw at once.
    expect(() => query.read({ id: "x" as never })).toThrow();
    expect(processQueryCache()).toBe(processQueryCache());
  });

  it("names a skipped refresh", () => {
    const skipped = new RefreshSkipped();
    expect(skipped).toBeInstanceOf(Error);
    expect(skipped.name).toBe("RefreshSkipped");
  });
});
