import { randomBytes } from "node:crypto";
import { forget } from "@epic-web/remember";
import { eq, sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { cacheAvailability } from "~/cache/availability.server";
import { defineQuery } from "~/cache/define-query.server";
import { type CacheEventMap, cacheEvents } from "~/cache/events";
import { commitChange, invalidate } from "~/cache/invalidate.server";
import { cacheKeys } from "~/cache/keys";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { drainOutbox, dropExpiredOutboxRows, MAX_ENTRY_LIFETIME_MS, outboxBacklog } from "~/cache/outbox.server";
import {
  cacheRedis,
  cacheRedisStatus,
  connectCacheRedis,
  disconnectCacheRedis,
  failFastOptions,
  redactUrl,
} from "~/cache/redis.server";
import { TaggedStore, type TagStore } from "~/cache/tagged-store.server";
import { type DatabaseHandle, setDatabase } from "~/db/connection.server";
import { appMeta, cachePurgeOutbox } from "~/db/schema";
import { logger } from "~/lib/logger.server";
import { metricsSnapshot, resetMetrics } from "~/monitoring/cache-metrics.server";
import { resetWarmMetrics, warmCounters } from "~/monitoring/warm-metrics.server";
import { observeProcess } from "~/services.server";
import { recentReads } from "~/warming/recent-reads.server";
import { openSnapshotPglite } from "../support/pglite-snapshot";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

/**
 * When the cache may use Redis (availability), how purges reach it (invalidate, commitChange, the
 * outbox) and the fail-fast connection, against the real Redis and an in-memory PGlite. Outages are
 * real network faults: the cache connects through a small TCP proxy to Redis that a test can cut
 * (connection lost) or freeze (Redis hanging). Every test starts from a fresh availability tracker,
 * a fresh connection and an empty outbox, so each one can run alone.
 */
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const upstream = new URL(redisUrl);
const raw = new Redis(redisUrl);
const namespaces: string[] = [];
let handle: DatabaseHandle;

/** The cache's way to Redis, through which a test cuts (`stop()`) or freezes the connection. */
let proxy: TcpProxy;

// As in the app: warming, monitoring and the log observe the engine (the composition root wires them).
const purges: CacheEventMap["purged"][] = [];
observeProcess();
cacheEvents().on("purged", (event) => purges.push(event));

beforeAll(async () => {
  handle = await openSnapshotPglite();
  setDatabase(handle);
  proxy = await startTcpProxy(Number(upstream.port || 6379), upstream.hostname);
});

afterAll(async () => {
  await disconnectCacheRedis();
  await proxy.close();
  for (const namespace of namespaces) {
    const keys = await raw.keys(`qc:${namespace}:*`);
    if (keys.length > 0) await raw.del(...keys);
  }
  raw.disconnect();
  setDatabase(undefined);
  await handle.close();
});

beforeEach(async () => {
  setDatabase(handle);
  await handle.db.delete(cachePurgeOutbox);
  await disconnectCacheRedis();
  // A tracker of its own for each test (the process remembers one across module reloads).
  forget("cache.availability");
  await proxy.start();
  proxy.thaw();
  resetMetrics();
  resetWarmMetrics();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function newNamespace(): string {
  const namespace = `avail-${randomBytes(6).toString("hex")}`;
  namespaces.push(namespace);
  return namespace;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The cache on (through the proxy), the start-up drain done: reads use Redis. */
async function cacheOn(namespace = newNamespace()) {
  cacheAvailability().useNamespace(namespace);
  connectCacheRedis(proxy.url);
  expect(await cacheAvailability().settle(5000)).toBe(true);
  return { namespace, keys: cacheKeys(namespace) };
}

async function outboxRows() {
  return handle.db.select().from(cachePurgeOutbox).orderBy(cachePurgeOutbox.id);
}

async function addOutboxRow(tags: string[], createdAt?: Date): Promise<number> {
  const [row] = await handle.db
    .insert(cachePurgeOutbox)
    .values(createdAt ? { tags, createdAt } : { tags })
    .returning({ id: cachePurgeOutbox.id });
  return row?.id as number;
}

describe("when reads may use Redis", () => {
  it("never without a namespace, nor without a connection", async () => {
    const availability = cacheAvailability();
    expect(availability.currentNamespace()).toBeUndefined();
    connectCacheRedis(proxy.url);
    await until(() => cacheRedis()?.status === "ready", "the connection");
    expect(availability.forReads()).toBeUndefined();
    expect(availability.forPurges()).toBeUndefined();
    expect(await availability.settle(60)).toBe(false);

    await disconnectCacheRedis();
    availability.useNamespace("ns-without-redis");
    expect(availability.currentNamespace()).toBe("ns-without-redis");
    expect(availability.forReads()).toBeUndefined();
    expect(availability.forPurges()).toBeUndefined();
  });

  it("waits in settle() for at most the time given", async () => {
    const started = Date.now();
    expect(await cacheAvailability().settle(100)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("gives up in settle() at the deadline itself", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    try {
      let done = false;
      const settling = cacheAvailability()
        .settle(100)
        .finally(() => {
          done = true;
        });
      await sleep(50);
      expect(done).toBe(false);
      vi.setSystemTime(1_000_100); // exactly the deadline
      await sleep(100);
      expect(done).toBe(true);
      expect(await settling).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it("only after the start-up drain of the outbox: purges first, reads after", async () => {
    const namespace = newNamespace();
    const keys = cacheKeys(namespace);
    await raw.set(keys.token("pending:1"), "old-token");
    await addOutboxRow(["pending:1"]);
    const availability = cacheAvailability();
    availability.useNamespace(namespace);
    connectCacheRedis(proxy.url);
    await until(() => cacheRedis()?.status === "ready", "the connection");
    // Just started: recovering, so reads bypass until the drain is done; purges may go already.
    expect(availability.state()).toEqual({ breaker: "closed", recovering: true });
    expect(availability.forPurges()).toBeInstanceOf(TaggedStore);
    expect(availability.forReads()).toBeUndefined();
    expect(await availability.settle(5000)).toBe(true);
    expect(availability.state()).toEqual({ breaker: "closed", recovering: false });
    expect(await raw.exists(keys.token("pending:1"))).toBe(0);
    expect(await outboxRows()).toEqual([]);
    const store = availability.forReads();
    expect(store).toBeInstanceOf(TaggedStore);
    expect(store?.namespace).toBe(namespace);
    expect(availability.forReads()).toBe(store);
    expect(availability.forPurges()).toBe(store);
  });

  it("watches a connection once, however often it is asked for", async () => {
    await cacheOn();
    const client = cacheRedis() as Redis;
    const listeners = client.listenerCount("close");
    for (let i = 0; i < 20; i++) {
      cacheAvailability().forReads();
      cacheAvailability().forPurges();
    }
    expect(client.listenerCount("close")).toBe(listeners);
  });

  it("uses a new store for a new namespace", async () => {
    await cacheOn();
    const before = cacheAvailability().forReads();
    const other = newNamespace();
    cacheAvailability().useNamespace(other);
    const after = cacheAvailability().forPurges();
    expect(after).not.toBe(before);
    expect(after?.namespace).toBe(other);
  });

  it("keeps the breaker closed while the first connection is still being made", () => {
    const availability = cacheAvailability();
    availability.useNamespace(newNamespace());
    connectCacheRedis(proxy.url);
    expect(cacheRedis()?.status).not.toBe("ready");
    expect(availability.forReads()).toBeUndefined();
    expect(availability.forPurges()).toBeUndefined();
    expect(availability.state()).toEqual({ breaker: "closed", recovering: true });
  });

  it("keeps bypassing while the drain fails, opens the breaker, and recovers through a probe", async () => {
    const availability = cacheAvailability();
    availability.useNamespace(newNamespace());
    await addOutboxRow(["pending:2"]);
    setDatabase(undefined); // the drain cannot read the outbox
    connectCacheRedis(proxy.url);
    expect(await availability.settle(400)).toBe(false);
    expect(availability.state()).toEqual({ breaker: "open", recovering: true });
    setDatabase(handle);
    const started = Date.now();
    expect(await availability.settle(5000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(availability.state()).toEqual({ breaker: "closed", recovering: false });
    expect(await outboxRows()).toEqual([]);
  });

  it("bypasses after three failed Redis calls in a row, and drains again before reading", async () => {
    await cacheOn();
    const availability = cacheAvailability();
    availability.report(false);
    availability.report(false);
    expect(availability.state()).toEqual({ breaker: "closed", recovering: false });
    expect(availability.forReads()).toBeDefined();
    availability.report(false);
    expect(availability.state()).toEqual({ breaker: "open", recovering: true });
    expect(availability.forReads()).toBeUndefined();
    expect(availability.forPurges()).toBeUndefined();
    // A write during the outage leaves its row; Redis answers again.
    await addOutboxRow(["written:during"]);
    availability.report(true);
    expect(availability.state()).toEqual({ breaker: "closed", recovering: true });
    expect(availability.forReads()).toBeUndefined(); // not before the drain
    expect(await availability.settle(5000)).toBe(true);
    expect(await outboxRows()).toEqual([]);
  });

  it("waits out the open breaker's pause before it tries to recover", async () => {
    await cacheOn();
    const availability = cacheAvailability();
    for (let i = 0; i < 3; i++) availability.report(false);
    // Redis is fine, but the breaker says to leave it alone for a second.
    expect(await availability.settle(600)).toBe(false);
    expect(availability.state()).toEqual({ breaker: "open", recovering: true });
    expect(await availability.settle(3000)).toBe(true);
    expect(availability.state()).toEqual({ breaker: "closed", recovering: false });
  });

  it("lets purges through again once the open breaker's pause is over", async () => {
    await cacheOn();
    const availability = cacheAvailability();
    for (let i = 0; i < 3; i++) availability.report(false);
    expect(availability.forPurges()).toBeUndefined();
    await sleep(1050);
    expect(availability.forPurges()).toBeInstanceOf(TaggedStore);
    expect(availability.state().breaker).toBe("half-open");
    // Half-open: every purge may go, not only the probe.
    expect(availability.forPurges()).toBeInstanceOf(TaggedStore);
    expect(availability.forPurges()).toBeInstanceOf(TaggedStore);
  });

  it("does not reopen a half-open breaker when the connection closes (the pause is not restarted)", async () => {
    await cacheOn();
    const availability = cacheAvailability();
    for (let i = 0; i < 3; i++) availability.report(false);
    await sleep(1050);
    expect(availability.forPurges()).toBeDefined();
    expect(availability.state().breaker).toBe("half-open");
    const client = cacheRedis() as Redis;
    const closed = new Promise((resolve) => client.once("close", resolve));
    await proxy.stop();
    await closed;
    expect(availability.state()).toEqual({ breaker: "half-open", recovering: true });
  });

  it("opens the breaker at once when the connection is lost, and reads again after it is back and drained", async () => {
    await cacheOn();
    const availability = cacheAvailability();
    await proxy.stop();
    await until(() => availability.state().breaker === "open", "the breaker to open");
    expect(availability.state()).toEqual({ breaker: "open", recovering: true });
    expect(availability.forReads()).toBeUndefined();
    await addOutboxRow(["written:offline"]);
    await proxy.start();
    expect(await availability.settle(8000)).toBe(true);
    expect(await outboxRows()).toEqual([]);
    expect(availability.state()).toEqual({ breaker: "closed", recovering: false });
  });

  it("serves declared queries from Redis when usable, and around it once a frozen Redis opened the breaker", async () => {
    const { namespace } = await cacheOn();
    const warn = vi.spyOn(logger, "warn");
    const query = defineQuery({
      name: `test.wired.${namespace}`,
      args: z.object({ id: z.number() }),
      tags: ({ id }) => [`w:${id}`],
      fresh: "1m",
      stale: "1m",
      scope: "public",
      value: z.number(),
      load: async ({ id }) => id * 10,
    });
    expect(await query.read({ id: 1 })).toMatchObject({ status: "miss", value: 10 });
    expect(await query.read({ id: 1 })).toMatchObject({ status: "hit", value: 10 });
    // Both reads reached Redis, so both are noted for warming (as one key).
    await recentReads().flush();
    expect(await recentReads().under(["w:1"], 10)).toEqual([{ query: query.name, args: { id: 1 }, userId: undefined }]);

    proxy.freeze();
    for (let i = 0; i < 3; i++) expect(await query.read({ id: 1 })).toMatchObject({ status: "bypass", value: 10 });
    expect(cacheAvailability().state()).toEqual({ breaker: "open", recovering: true });
    const started = Date.now();
    expect(await query.read({ id: 1 })).toMatchObject({ status: "bypass", value: 10 });
    expect(Date.now() - started).toBeLessThan(100); // no timeout to wait for while the breaker is open
    const lookupWarnings = warn.mock.calls.filter(([, message]) => message === `cache: redis lookup for ${query.name}`);
    expect(lookupWarnings).toHaveLength(3);
    expect(lookupWarnings[0]?.[0]).toEqual({ err: expect.any(Error) });
    proxy.thaw();
  });

  it("is one tracker per process", () => {
    expect(cacheAvailability()).toBe(cacheAvailability());
  });
});

describe("invalidate", () => {
  it("purges each tag once, counts it, and tells the observers which tags", async () => {
    const { keys } = await cacheOn();
    await raw.set(keys.token("a"), "t1");
    await raw.set(keys.token("b"), "t2");
    await raw.set(keys.token("c"), "t3");
    expect(await invalidate(["a", "b", "a"], { reason: "test" })).toBe(true);
    expect(purges.at(-1)).toMatchObject({ tags: ["a", "b"], ok: true, by: "mutation", reason: "test" });
    expect(await raw.exists(keys.token("a"), keys.token("b"), keys.token("c"))).toBe(1);
    expect(metricsSnapshot().purges).toMatchObject({ purges: 1, tags: 2, failures: 0 });
    expect(metricsSnapshot().purges.duration.count).toBe(1);
    expect(metricsSnapshot().purges.duration.maxMs).toBeLessThan(1000);
    // Purged: warming was asked for (no queue here, so it is counted as unavailable).
    expect(warmCounters().unavailable).toBe(1);
  });

  it("never counts a purge that reached Redis as a failure", async () => {
    await cacheOn();
    for (let i = 0; i < 3; i++) await invalidate(["a"], { reason: "test" });
    expect(cacheAvailability().state().breaker).toBe("closed");
  });

  it("deletes the outbox row of a purge that reached Redis, and only that row", async () => {
    await cacheOn();
    const mine = await addOutboxRow(["a"]);
    const other = await addOutboxRow(["b"]);
    await invalidate(["a"], { reason: "test", outboxId: mine });
    expect((await outboxRows()).map((r) => r.id)).toEqual([other]);
    await invalidate(["b"], { reason: "test" });
    expect((await outboxRows()).map((r) => r.id)).toEqual([other]);
  });

  it("counts an empty purge as one that reached nothing", async () => {
    await cacheOn();
    expect(await invalidate([], { reason: "test" })).toBe(false);
    expect(purges.at(-1)).toMatchObject({ tags: [], ok: false });
    expect(metricsSnapshot().purges).toMatchObject({ purges: 1, tags: 0, failures: 1 });
    expect(warmCounters().unavailable).toBe(0);
  });

  it("leaves the outbox row for the relay when Redis cannot be reached", async () => {
    const id = await addOutboxRow(["a"]);
    expect(await invalidate(["a"], { reason: "test", outboxId: id })).toBe(false);
    expect((await outboxRows()).map((r) => r.id)).toEqual([id]);
    expect(metricsSnapshot().purges).toMatchObject({ purges: 1, tags: 1, failures: 1 });
    expect(warmCounters().unavailable).toBe(0);
  });

  it("leaves the row, and reports the failure, when the purge itself fails (Redis hanging)", async () => {
    const { keys } = await cacheOn();
    await raw.set(keys.token("a"), "t1");
    const id = await addOutboxRow(["a"]);
    proxy.freeze();
    const started = Date.now();
    expect(await invalidate(["a"], { reason: "test", outboxId: id })).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    proxy.thaw();
    expect((await outboxRows()).map((r) => r.id)).toEqual([id]);
    expect(metricsSnapshot().purges).toMatchObject({ purges: 1, failures: 1 });
    expect(await raw.get(keys.token("a"))).toBe("t1");
    // Two more failures open the breaker.
    cacheAvailability().report(false);
    expect(cacheAvailability().state().breaker).toBe("closed");
    cacheAvailability().report(false);
    expect(cacheAvailability().state().breaker).toBe("open");
  });

  it("commits the writes and the outbox row together, then purges and deletes the row", async () => {
    const { keys } = await cacheOn();
    await raw.set(keys.token("x"), "t");
    const change = await commitChange("test", async (tx) => {
      await tx.insert(appMeta).values({ key: "commit-1", value: "v" });
      return { value: 42, tags: ["x", "y", "x"] };
    });
    expect(change).toEqual({ value: 42, tags: ["x", "y", "x"] });
    expect(await handle.db.select().from(appMeta).where(eq(appMeta.key, "commit-1"))).toHaveLength(1);
    expect(await raw.exists(keys.token("x"))).toBe(0);
    expect(await outboxRows()).toEqual([]);
  });

  it("keeps the outbox row, tags once each, when the purge cannot run", async () => {
    await commitChange("test", async () => ({ value: null, tags: ["x", "y", "x"] }));
    const rows = await outboxRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tags).toEqual(["x", "y"]);
    expect(rows[0]?.attempts).toBe(0);
  });

  it("writes nothing, outbox included, when the work fails", async () => {
    await expect(
      commitChange("test", async (tx) => {
        await tx.insert(appMeta).values({ key: "commit-2", value: "v" });
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await handle.db.select().from(appMeta).where(eq(appMeta.key, "commit-2"))).toEqual([]);
    expect(await outboxRows()).toEqual([]);
  });
});

describe("the purge outbox", () => {
  /** A store that records purges (and can fail them) in front of the real one. */
  function recording(store: TagStore, fail = false) {
    const purged: string[][] = [];
    const wrapped: TagStore = {
      lookup: (k, t) => store.lookup(k, t),
      store: (k, t, tok, p, ttl) => store.store(k, t, tok, p, ttl),
      tryLock: (k, ttl) => store.tryLock(k, ttl),
      unlock: (k, tok) => store.unlock(k, tok),
      purge: async (tags) => {
        purged.push([...tags]);
        if (fail) throw new Error("purge failed");
        await store.purge(tags);
      },
    };
    return { wrapped, purged };
  }

  it("replays the rows up to a time, in batches of 500, and deletes them", async () => {
    const namespace = newNamespace();
    const keys = cacheKeys(namespace);
    const { wrapped, purged } = recording(new TaggedStore(raw, namespace));
    const upTo = new Date(Date.now() - 1000);
    await handle.db.insert(cachePurgeOutbox).values(
      Array.from({ length: 1001 }, (_, i) => ({
        tags: [`t:${i % 3}`, "shared"],
        createdAt: new Date(upTo.getTime() - 5000),
      })),
    );
    await addOutboxRow(["at:the-limit"], upTo);
    const later = await addOutboxRow(["later"], new Date(upTo.getTime() + 1));
    await raw.set(keys.token("shared"), "t");
    await raw.set(keys.token("later"), "t");
    const result = await drainOutbox(wrapped, { upTo });
    expect(result.rows).toBe(1002);
    expect(result.tags.sort()).toEqual(["at:the-limit", "shared", "t:0", "t:1", "t:2"]);
    expect(purged).toHaveLength(3);
    expect(purged[0]?.sort()).toEqual(["shared", "t:0", "t:1", "t:2"]);
    expect(await raw.exists(keys.token("shared"))).toBe(0);
    expect(await raw.exists(keys.token("later"))).toBe(1);
    expect((await outboxRows()).map((r) => r.id)).toEqual([later]);
  });

  it("has nothing to do on an empty outbox", async () => {
    const { wrapped, purged } = recording(new TaggedStore(raw, newNamespace()));
    expect(await drainOutbox(wrapped, { upTo: new Date() })).toEqual({ rows: 0, tags: [] });
    expect(purged).toEqual([]);
  });

  it("keeps the rows, one attempt more, when the purge fails", async () => {
    const { wrapped } = recording(new TaggedStore(raw, newNamespace()), true);
    const a = await addOutboxRow(["a"], new Date(Date.now() - 10_000));
    const b = await addOutboxRow(["b"], new Date(Date.now() - 10_000));
    await expect(drainOutbox(wrapped, { upTo: new Date() })).rejects.toThrow("purge failed");
    await expect(drainOutbox(wrapped, { upTo: new Date() })).rejects.toThrow("purge failed");
    expect((await outboxRows()).map((r) => [r.id, r.attempts])).toEqual([
      [a, 2],
      [b, 2],
    ]);
  });

  it("drops rows older than the longest entry lifetime, and counts what is left", async () => {
    expect(MAX_ENTRY_LIFETIME_MS).toBe(86_400_000);
    expect(await outboxBacklog()).toBe(0);
    const now = Date.now();
    await addOutboxRow(["old"], new Date(now - MAX_ENTRY_LIFETIME_MS - 60_000));
    const young = await addOutboxRow(["young"], new Date(now - MAX_ENTRY_LIFETIME_MS + 60_000));
    const fresh = await addOutboxRow(["fresh"]);
    expect(await outboxBacklog()).toBe(3);
    await dropExpiredOutboxRows(now);
    expect((await outboxRows()).map((r) => r.id)).toEqual([young, fresh]);
    await dropExpiredOutboxRows(now + 120_000);
    expect((await outboxRows()).map((r) => r.id)).toEqual([fresh]);
    await dropExpiredOutboxRows();
    expect(await outboxBacklog()).toBe(1);
  });
});

describe("the cache namespace", () => {
  it("is made once per database and read back after", async () => {
    const first = await loadCacheNamespace(handle.db);
    expect(first).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(await loadCacheNamespace(handle.db)).toBe(first);
    const rows = await handle.db.select().from(appMeta).where(eq(appMeta.key, "cache_namespace"));
    expect(rows).toEqual([{ key: "cache_namespace", value: first }]);
    expect(await handle.db.execute(sql`select count(*)::int as n from app_meta`)).toBeDefined();
  });
});

describe("the cache's Redis connection", () => {
  it("fails fast by construction and retries in the background at most every 2 s", () => {
    expect(failFastOptions).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 250,
      connectTimeout: 1000,
      enableAutoPipelining: true,
    });
    const retry = failFastOptions.retryStrategy as (attempt: number) => number;
    expect([1, 2, 5, 10, 11, 50].map(retry)).toEqual([200, 400, 1000, 2000, 2000, 2000]);
  });

  it("is opened once per process, with those options, and reports its state", async () => {
    expect(cacheRedis()).toBeUndefined();
    expect(cacheRedisStatus()).toEqual({ state: "off" });
    const client = connectCacheRedis(proxy.url);
    expect(connectCacheRedis("redis://elsewhere:1")).toBe(client);
    expect(cacheRedis()).toBe(client);
    expect(client.options).toMatchObject({ ...failFastOptions, connectionName: "cache" });
    expect(cacheRedisStatus()).toEqual({ state: "connecting", url: proxy.url, error: undefined });
    await until(() => cacheRedisStatus().state === "ready", "ready");
    expect(cacheRedisStatus()).toEqual({ state: "ready", url: proxy.url, error: undefined });
    await disconnectCacheRedis();
    expect(cacheRedis()).toBeUndefined();
    expect(cacheRedisStatus()).toEqual({ state: "off" });
    await until(() => client.status === "end", "the connection to end");
    await disconnectCacheRedis(); // nothing to close: no error
  });

  it("warns once per outage, says when Redis is back, and not on its own close", async () => {
    const warn = vi.spyOn(logger, "warn");
    const info = vi.spyOn(logger, "info");
    connectCacheRedis(proxy.url);
    await until(() => cacheRedisStatus().state === "ready", "ready");
    await proxy.stop();
    await until(() => cacheRedisStatus().state === "down", "down");
    await sleep(700); // several reconnection attempts, each closing again
    const status = cacheRedisStatus();
    expect(status.state).toBe("down");
    expect(status.error).toMatch(/ECONNREFUSED|ECONNRESET|closed/);
    const outageWarnings = () =>
      warn.mock.calls.filter(([, message]) => String(message).startsWith("Redis is unavailable"));
    expect(outageWarnings()).toHaveLength(1);
    expect(outageWarnings()[0]?.[0]).toMatchObject({ redis: proxy.url });
    expect(outageWarnings()[0]?.[1]).toBe(
      "Redis is unavailable: caching and warming are OFF, every read goes to the database; " +
        "login rate limits fall back to this process's memory. Retrying in the background.",
    );
    await proxy.start();
    await until(() => cacheRedisStatus().state === "ready", "ready again", 8000);
    expect(cacheRedisStatus().error).toBeUndefined();
    const backMessages = () => info.mock.calls.filter(([, message]) => String(message).startsWith("Redis is back"));
    expect(backMessages()).toHaveLength(1);
    expect(backMessages()[0]).toEqual([{ redis: proxy.url }, "Redis is back: caching is on again"]);
    // A second outage warns again.
    await proxy.stop();
    await until(() => cacheRedisStatus().state === "down", "down again");
    expect(outageWarnings()).toHaveLength(2);
    await proxy.start();
    await until(() => cacheRedisStatus().state === "ready", "ready again", 8000);
    expect(backMessages()).toHaveLength(2);
    // Closing it ourselves is no outage.
    await disconnectCacheRedis();
    await sleep(20);
    expect(outageWarnings()).toHaveLength(2);
  });

  it("says nothing about coming back from a start-up that merely connected", async () => {
    const info = vi.spyOn(logger, "info");
    connectCacheRedis(proxy.url);
    await until(() => cacheRedisStatus().state === "ready", "ready");
    expect(info.mock.calls.filter(([, message]) => String(message).startsWith("Redis is back"))).toEqual([]);
  });

  it("closes even a connection that never came up, and stops its retries", async () => {
    await proxy.stop();
    const client = connectCacheRedis(proxy.url);
    await until(() => cacheRedisStatus().state === "down", "down");
    await disconnectCacheRedis();
    const after: string[] = [];
    for (const event of ["connect", "close", "reconnecting"]) client.on(event, () => after.push(event));
    await sleep(700);
    expect(after).toEqual([]);
  });

  it("never logs a password", () => {
    expect(redactUrl("redis://:s3cret@cache.internal:6380/2")).toBe("redis://:***@cache.internal:6380/2");
    expect(redactUrl("redis://user:s3cret@cache.internal:6380")).toBe("redis://user:***@cache.internal:6380");
    expect(redactUrl("redis://cache.internal:6380")).toBe("redis://cache.internal:6380");
    expect(redactUrl("not a url")).toBe("(invalid url)");
  });
});
