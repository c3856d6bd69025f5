import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { cacheKeys } from "~/cache/keys";
import { QueryCache, type QuerySpec } from "~/cache/query-cache.server";
import { TaggedStore } from "~/cache/tagged-store.server";

/**
 * Two engines on one Redis, as two processes are: each has its own single-flight map, so only the
 * Redis lock keeps them from loading one missing key twice (docs/design.md#the-read-path, "one load per key").
 */
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

let runs = 0;
function setUp({ loadMs = 200, peerWaitMs = 1000 } = {}) {
  const namespace = `instances${process.pid}x${runs++}x${Date.now().toString(36)}`;
  const store = new TaggedStore(redis, namespace);
  const counts = { loads: 0 };
  const spec: QuerySpec<{ id: number }, number> = {
    name: "slow",
    tags: ({ id }) => [`slow:${id}`],
    freshMs: 60_000,
    staleMs: 60_000,
    scope: "public",
    schema: z.number(),
    load: async ({ id }) => {
      counts.loads += 1;
      await new Promise((r) => setTimeout(r, loadMs));
      return id * 2;
    },
  };
  const engine = () => new QueryCache({ store: () => store, peerWaitMs, lockMs: 2000 });
  return { namespace, store, spec, counts, engines: [engine(), engine()] as const };
}

describe("two engines on one Redis", () => {
  it("load a missing key once between them: the other waits for the holder's entry", async () => {
    const { spec, counts, engines } = setUp();
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (engines[i % 2] as QueryCache).read(spec, { id: 21 })),
    );
    expect(counts.loads).toBe(1);
    expect(reads.every((r) => r.value === 42 && r.status === "miss")).toBe(true);
    // The waiting engine's reads got the holder's entry: no database time of their own.
    expect(reads.filter((r) => r.dbMs === 0).length).toBe(20);
    expect((await engines[1].read(spec, { id: 21 })).status).toBe("hit");
  });

  it("release the lock once the entry is stored", async () => {
    const { namespace, spec, engines } = setUp({ loadMs: 10 });
    await engines[0].read(spec, { id: 1 });
    expect(await redis.exists(cacheKeys(namespace).lock('slow:{"id":1}'))).toBe(0);
  });

  it("do not wait forever on a holder that died: the lock expires, the other loads after its wait", async () => {
    const { namespace, store, spec, counts, engines } = setUp({ loadMs: 10, peerWaitMs: 150 });
    // A holder that took the lock and died before storing anything.
    expect(await store.tryLock('slow:{"id":3}', 5000)).not.toBeNull();
    expect(await store.tryLock('slow:{"id":3}', 5000)).toBeNull();
    const started = performance.now();
    const read = await engines[0].read(spec, { id: 3 });
    const waited = performance.now() - started;
    expect(read).toMatchObject({ value: 6, status: "miss" });
    expect(counts.loads).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1000);
    // Its fill used the tokens it saw, so the entry is there for the next reader.
    expect((await engines[1].read(spec, { id: 3 })).status).toBe("hit");
    expect(await redis.pttl(cacheKeys(namespace).lock('slow:{"id":3}'))).toBeGreaterThan(0);
  });

  it("never let a force-fresh load (warming) wait on a reader's lock", async () => {
    const { spec, counts, engines } = setUp({ loadMs: 150 });
    const reader = engines[0].read(spec, { id: 5 });
    await new Promise((r) => setTimeout(r, 30));
    const warm = await engines[1].read(spec, { id: 5 }, { forceFresh: true });
    await reader;
    expect(warm.status).toBe("miss");
    expect(counts.loads).toBe(2);
  });
});
