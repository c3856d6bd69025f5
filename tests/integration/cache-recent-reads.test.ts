import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { cacheAvailability } from "~/cache/availability.server";
import { cacheKeys } from "~/cache/keys";
import { cacheRedis, connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import {
  decodeRead,
  encodeRead,
  KEYS_PER_TAG,
  RECENT_WINDOW_MS,
  type ReadRef,
  RecentReads,
  recentReads,
} from "~/warming/recent-reads.server";
import { waitFor } from "../support/cache";

/**
 * What people read (docs/design.md#warming), as the warming worker finds it: the per-tag index of recent keys
 * and the per-minute read counts, written to the real Redis and pruned as they are written.
 */
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(redisUrl);
const namespaces: string[] = [];

afterAll(async () => {
  for (const namespace of namespaces) {
    const keys = await redis.keys(`qc:${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await disconnectCacheRedis();
  redis.disconnect();
});

function setup() {
  const namespace = `reads-${randomBytes(6).toString("hex")}`;
  namespaces.push(namespace);
  const target = { redis, namespace };
  let enabled = true;
  const reads = new RecentReads(() => (enabled ? target : undefined));
  return {
    reads,
    keys: cacheKeys(namespace),
    namespace,
    disable: () => {
      enabled = false;
    },
    enable: () => {
      enabled = true;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const read = (query: string, args: unknown, userId?: number): ReadRef => ({ query, args, userId });
const MINUTE = 60_000;
// A fixed "now" in the middle of a minute, so that minute arithmetic is easy to follow.
const NOW = 29_000_000 * MINUTE + 30_000;
const minuteOf = (t: number) => Math.floor(t / MINUTE);

describe("encoding reads", () => {
  it("round-trips a read, its user included", () => {
    expect(encodeRead(read("q", { b: 2, a: 1 }, 7))).toBe('["q",{"a":1,"b":2},7]');
    expect(encodeRead(read("q", { a: 1 }))).toBe('["q",{"a":1},null]');
    expect(decodeRead(encodeRead(read("q", { a: [1] }, 7)))).toEqual(read("q", { a: [1] }, 7));
    expect(decodeRead(encodeRead(read("q", null)))).toEqual(read("q", null));
  });

  it("decodes nothing from what is not a read", () => {
    expect(decodeRead("not json")).toBeUndefined();
    expect(decodeRead("[1,{},2]")).toBeUndefined();
    expect(decodeRead('["q",{},"7"]')).toEqual({ query: "q", args: {}, userId: undefined });
  });
});

describe("recording reads (real Redis)", () => {
  it("writes nothing until flushed, then the counts per minute and the keys per tag", async () => {
    const { reads, keys } = setup();
    reads.note(read("q", { n: 1 }), ["t:1", "t:2"]);
    reads.note(read("q", { n: 1 }), ["t:1", "t:2"]);
    reads.note(read("q", { n: 1 }), ["t:1", "t:2"]);
    reads.note(read("q", { n: 2 }, 5), ["t:2"]);
    const hot = keys.hot(minuteOf(NOW));
    expect(await redis.exists(hot)).toBe(0);
    await reads.flush(NOW);
    expect(await redis.zrange(hot, 0, -1, "WITHSCORES")).toEqual(['["q",{"n":2},5]', "1", '["q",{"n":1},null]', "3"]);
    expect(await redis.zrange(keys.recent("t:1"), 0, -1, "WITHSCORES")).toEqual(['["q",{"n":1},null]', String(NOW)]);
    expect(await redis.zrange(keys.recent("t:2"), 0, -1)).toEqual(['["q",{"n":1},null]', '["q",{"n":2},5]']);
    const hotTtl = await redis.pttl(hot);
    expect(hotTtl).toBeGreaterThan(6 * MINUTE - 5000);
    expect(hotTtl).toBeLessThanOrEqual(6 * MINUTE);
    const recentTtl = await redis.pttl(keys.recent("t:1"));
    expect(recentTtl).toBeGreaterThan(RECENT_WINDOW_MS - 5000);
    expect(recentTtl).toBeLessThanOrEqual(RECENT_WINDOW_MS);
    // A second flush has nothing left to write.
    await reads.flush(NOW + MINUTE);
    expect(await redis.exists(keys.hot(minuteOf(NOW) + 1))).toBe(0);
  });

  it("flushes by itself about a second after the first read", async () => {
    const { reads, keys } = setup();
    reads.note(read("q", { n: 1 }), ["t:1"]);
    reads.note(read("q", { n: 2 }), ["t:1"]);
    await sleep(400);
    expect(await redis.exists(keys.recent("t:1"))).toBe(0);
    await sleep(1400);
    expect(await redis.zcard(keys.recent("t:1"))).toBe(2);
  });

  it("keeps one flush timer: a flush by hand cancels it, and the next read starts a new one", async () => {
    const { reads, keys } = setup();
    reads.note(read("q", { n: 1 }), ["t:1"]); // the timer starts: flush in 1 s
    await sleep(100);
    reads.note(read("q", { n: 2 }), ["t:2"]); // no second timer
    await sleep(100);
    await reads.flush(); // by hand: the timer is cancelled
    expect(await redis.exists(keys.recent("t:1"), keys.recent("t:2"))).toBe(2);
    await sleep(100);
    reads.note(read("q", { n: 3 }), ["t:3"]); // a new timer, 1 s from now
    await sleep(800);
    expect(await redis.exists(keys.recent("t:3"))).toBe(0);
    await sleep(600);
    expect(await redis.exists(keys.recent("t:3"))).toBe(1);
  });

  it("leaves Redis alone when there is nothing to write", async () => {
    const { reads, keys } = setup();
    const hot = keys.hot(minuteOf(NOW));
    await redis.zadd(hot, 1, "x");
    await redis.pexpire(hot, 5000);
    await reads.flush(NOW);
    expect(await redis.pttl(hot)).toBeLessThanOrEqual(5000);
  });

  it("flushes at once when 5000 distinct reads are pending", async () => {
    const { reads, namespace } = setup();
    const hotKeys = () => redis.keys(`qc:${namespace}:h:*`);
    const started = performance.now();
    for (let i = 0; i < 4999; i++) reads.note(read("q", { i }), []);
    await sleep(50);
    // Nothing yet — unless a loaded machine took the second the flush timer waits.
    if (performance.now() - started < 900) expect(await hotKeys()).toEqual([]);
    reads.note(read("q", { i: 4999 }), []);
    // Written in chunks of 500 commands, one round trip each, then trimmed to the 1 000 hottest.
    await waitFor(async () => (await hotKeys()).length === 1, 2000, "the hot set");
    const [hot] = await hotKeys();
    await waitFor(async () => (await redis.zcard(hot as string)) === 1000, 2000, "the trimmed hot set");
  });

  it("drops what it counted while Redis is unusable", async () => {
    const { reads, keys, disable, enable } = setup();
    disable();
    reads.note(read("q", { n: 1 }), ["t:1"]);
    await reads.flush(NOW);
    enable();
    await reads.flush(NOW);
    expect(await redis.exists(keys.recent("t:1"), keys.hot(minuteOf(NOW)))).toBe(0);
  });

  it("never throws from a flush, even with Redis gone", async () => {
    const namespace = `reads-${randomBytes(6).toString("hex")}`;
    const gone = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    const reads = new RecentReads(() => ({ redis: gone, namespace }));
    reads.note(read("q", {}), ["t"]);
    await expect(reads.flush(NOW)).resolves.toBeUndefined();
    gone.disconnect();
  });

  it("keeps the 1000 most read keys per minute", async () => {
    const { reads, keys } = setup();
    const hot = keys.hot(minuteOf(NOW));
    const seeded: (string | number)[] = [];
    for (let i = 0; i < 1005; i++) seeded.push(i + 10, `seed-${i}`);
    await redis.zadd(hot, ...seeded);
    reads.note(read("q", { n: 1 }), []);
    await reads.flush(NOW);
    expect(await redis.zcard(hot)).toBe(1000);
    // The new key, read once, was the least read: it went, with the five least read seeds.
    expect(await redis.zscore(hot, '["q",{"n":1},null]')).toBeNull();
    expect(await redis.zscore(hot, "seed-4")).toBeNull();
    expect(await redis.zscore(hot, "seed-5")).toBe("15");
  });

  it("keeps per tag the 50 newest keys of the last 10 minutes", async () => {
    const { reads, keys } = setup();
    const recent = keys.recent("t:1");
    await redis.zadd(recent, NOW - RECENT_WINDOW_MS - 1, "too-old", NOW - RECENT_WINDOW_MS + 1000, "old-but-in");
    const seeded: (string | number)[] = [];
    for (let i = 0; i < 60; i++) seeded.push(NOW - 60_000 + i, `k${i}`);
    await redis.zadd(recent, ...seeded);
    reads.note(read("q", { n: 1 }), ["t:1"]);
    await reads.flush(NOW);
    expect(await redis.zcard(recent)).toBe(KEYS_PER_TAG);
    expect(await redis.zscore(recent, "too-old")).toBeNull();
    expect(await redis.zscore(recent, "old-but-in")).toBeNull(); // in the window, but not among the newest 50
    expect(await redis.zscore(recent, '["q",{"n":1},null]')).toBe(String(NOW));
    expect(await redis.zscore(recent, "k10")).toBeNull();
    expect(await redis.zscore(recent, "k11")).not.toBeNull();
  });

  it("prunes keys older than the window even when few", async () => {
    const { reads, keys } = setup();
    const recent = keys.recent("t:1");
    await redis.zadd(recent, NOW - RECENT_WINDOW_MS - 1, "too-old", NOW - RECENT_WINDOW_MS + 1, "just-in");
    reads.note(read("q", { n: 1 }), ["t:1"]);
    await reads.flush(NOW);
    expect(await redis.zrange(recent, 0, -1)).toEqual(["just-in", '["q",{"n":1},null]']);
  });
});

describe("finding what to warm (real Redis)", () => {
  it("lists the keys read under any of the tags, each once, newest first, within the window", async () => {
    const { reads, keys } = setup();
    const a = encodeRead(read("q", { a: 1 }));
    const b = encodeRead(read("q", { b: 1 }, 3));
    const c = encodeRead(read("r", { c: 1 }));
    await redis.zadd(keys.recent("t:1"), NOW - 1000, a, NOW - 10, b, NOW - RECENT_WINDOW_MS - 1, c);
    await redis.zadd(keys.recent("t:2"), NOW - 5, c, NOW - 1, a, NOW, "garbage");
    expect(await reads.under(["t:1", "t:2"], 10, NOW)).toEqual([
      read("q", { b: 1 }, 3),
      read("q", { a: 1 }),
      read("r", { c: 1 }),
    ]);
    expect(await reads.under(["t:1", "t:2"], 2, NOW)).toEqual([read("q", { b: 1 }, 3), read("q", { a: 1 })]);
    expect(await reads.under(["t:1"], 10, NOW)).toEqual([read("q", { b: 1 }, 3), read("q", { a: 1 })]);
    expect(await reads.under([], 10, NOW)).toEqual([]);
    expect(await reads.under(["t:3"], 10, NOW)).toEqual([]);
  });

  it("reads at most 50 keys per tag", async () => {
    const { reads, keys } = setup();
    const seeded: (string | number)[] = [];
    for (let i = 0; i < 60; i++) seeded.push(NOW - 1000 + i, encodeRead(read("q", { i })));
    await redis.zadd(keys.recent("t:1"), ...seeded);
    const found = await reads.under(["t:1"], 100, NOW);
    expect(found).toHaveLength(KEYS_PER_TAG);
    expect(found[0]).toEqual(read("q", { i: 59 }));
  });

  it("finds the keys noted a moment ago once flushed", async () => {
    const { reads } = setup();
    reads.note(read("q", { n: 1 }, 2), ["t:1"]);
    await reads.flush();
    expect(await reads.under(["t:1"], 10)).toEqual([read("q", { n: 1 }, 2)]);
  });

  it("says nothing while Redis is unusable", async () => {
    const { reads, keys, disable } = setup();
    await redis.zadd(keys.recent("t:1"), NOW, encodeRead(read("q", {})));
    await redis.zadd(keys.hot(minuteOf(NOW)), 5, encodeRead(read("q", {})));
    disable();
    expect(await reads.under(["t:1"], 10, NOW)).toEqual([]);
    expect(await reads.hottest(10, NOW)).toEqual([]);
  });

  it("fails when Redis answers with an error", async () => {
    const { reads, keys } = setup();
    await redis.set(keys.recent("t:1"), "not a sorted set");
    await redis.set(keys.hot(minuteOf(NOW)), "not a sorted set");
    await expect(reads.under(["t:1"], 10, NOW)).rejects.toThrow(/WRONGTYPE/);
    await expect(reads.hottest(10, NOW)).rejects.toThrow(/WRONGTYPE/);
  });

  it("ranks the most read keys of the last 5 minutes, summed over minutes", async () => {
    const { reads, keys } = setup();
    const m = minuteOf(NOW);
    const [x, y, z, w] = ["x", "y", "z", "w"].map((q) => encodeRead(read(q, {})));
    await redis.zadd(keys.hot(m - 5), 100, w as string); // too old
    await redis.zadd(keys.hot(m - 4), 10, x as string, 5, y as string);
    await redis.zadd(keys.hot(m - 2), 8, y as string, 1, z as string);
    await redis.zadd(keys.hot(m), 3, z as string, 2, x as string, 1, "garbage");
    await redis.zadd(keys.hot(m + 1), 100, w as string); // not yet
    expect(await reads.hottest(10, NOW)).toEqual([
      { read: read("y", {}), reads: 13 },
      { read: read("x", {}), reads: 12 },
      { read: read("z", {}), reads: 4 },
    ]);
    // A key read only in a later minute still ranks by its count.
    const { reads: other, keys: otherKeys } = setup();
    await redis.zadd(otherKeys.hot(m - 1), 1, x as string);
    await redis.zadd(otherKeys.hot(m), 100, z as string);
    expect(await other.hottest(2, NOW)).toEqual([
      { read: read("z", {}), reads: 100 },
      { read: read("x", {}), reads: 1 },
    ]);
    // Top 1 per minute only: x (10) and y (8) and z (3): x is first.
    expect(await reads.hottest(1, NOW)).toEqual([{ read: read("x", {}), reads: 10 }]);
    expect(await reads.hottest(0, NOW)).toEqual([]);
    expect(await reads.hottest(-1, NOW)).toEqual([]);
  });
});

describe("this process's tracker", () => {
  it("writes where the cache's purges go, and nowhere before there is one", async () => {
    expect(await recentReads().under(["t:1"], 10)).toEqual([]);
    expect(recentReads()).toBe(recentReads());
    const namespace = `reads-${randomBytes(6).toString("hex")}`;
    namespaces.push(namespace);
    cacheAvailability().useNamespace(namespace);
    connectCacheRedis(redisUrl);
    const deadline = Date.now() + 5000;
    while (cacheRedis()?.status !== "ready" && Date.now() < deadline) await sleep(10);
    recentReads().note(read("q", { n: 1 }), ["t:1"]);
    await recentReads().flush();
    expect(await redis.zrange(cacheKeys(namespace).recent("t:1"), 0, -1)).toEqual(['["q",{"n":1},null]']);
    expect(await recentReads().under(["t:1"], 10)).toEqual([read("q", { n: 1 })]);
  });
});
