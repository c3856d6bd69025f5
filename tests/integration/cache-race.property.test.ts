import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { QueryCache, type QuerySpec } from "~/cache/query-cache.server";
import { TaggedStore, type TagStore } from "~/cache/tagged-store.server";

/**
 * The invariant of DESIGN §5.2, checked over random interleavings against a real Redis:
 * no read that starts after a purge returned returns a value loaded before that purge.
 *
 * fast-check's scheduler decides the order of every effect — each Redis command and each database
 * read or write waits at a gate until the scheduler releases it, and runs alone — so a slow load
 * racing a purge, a token evicted mid-fill, an entry evicted, all come up in some run.
 */
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

type Command =
  | { kind: "read" }
  | { kind: "write"; purge: ("a" | "b")[] }
  | { kind: "evictToken"; tag: "a" | "b" }
  | { kind: "evictEntry" };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "read" as const }) },
  {
    weight: 3,
    arbitrary: fc
      .subarray(["a", "b"] as ("a" | "b")[], { minLength: 1 })
      .map((purge) => ({ kind: "write" as const, purge })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("a" as const, "b" as const).map((tag) => ({ kind: "evictToken" as const, tag })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "evictEntry" as const }) },
);

type ReadThrough = (store: TagStore, spec: QuerySpec<Record<string, never>, number>) => Promise<number>;

/** The real read path: the engine every declared query uses. */
const engineRead: ReadThrough = async (store, spec) =>
  (await new QueryCache({ store: () => store, peerWaitMs: 20 }).read(spec, {})).value;

/** A deliberately naive read-through: it captures the tokens AFTER the load. It must be caught. */
const naiveRead: ReadThrough = async (store, spec) => {
  const key = `${spec.name}:{}`;
  const tags = spec.tags({});
  const first = await store.lookup(key, tags);
  if (first.payload !== null) return (JSON.parse(first.payload) as { v: number }).v;
  const value = (await spec.load({}, {})) as number;
  const after = await store.lookup(key, tags);
  await store.store(key, tags, after.tokens, JSON.stringify({ v: value, f: Date.now() + 60_000 }), 60_000);
  return value;
};

let runs = 0;

function invariantHolds(readThrough: ReadThrough, sharedEngine: boolean) {
  return fc.asyncProperty(
    fc.scheduler(),
    fc.array(command, { minLength: 2, maxLength: 12 }),
    fc.boolean(),
    async (s, commands, alwaysStale) => {
      const run = `prop${process.pid}x${runs++}x${Date.now().toString(36)}`;
      const real = new TaggedStore(redis, run);
      const inflight = new Set<Promise<unknown>>();
      const gate = async <T>(label: string, effect: () => Promise<T>): Promise<T> => {
        await s.schedule(Promise.resolve(label));
        const running = effect();
        inflight.add(running);
        try {
          return await running;
        } finally {
          inflight.delete(running);
        }
      };
      const store: TagStore = {
        lookup: (key, tags) => gate("lookup", () => real.lookup(key, tags)),
        store: (key, tags, tokens, payload, ttl) => gate("store", () => real.store(key, tags, tokens, payload, ttl)),
        purge: (tags) => gate("purge", () => real.purge(tags)),
        tryLock: (key, ttl) => gate("lock", () => real.tryLock(key, ttl)),
        unlock: (key, token) => gate("unlock", () => real.unlock(key, token)),
      };
      const tag = { a: `${run}:a`, b: `${run}:b` };
      let database = 0;
      let acknowledged = 0;
      const spec: QuerySpec<Record<string, never>, number> = {
        name: run,
        tags: () => [tag.a, tag.b],
        // freshMs 0: every entry found is past its fresh time, so the stale path runs too.
        freshMs: alwaysStale ? 0 : 60_000,
        staleMs: 60_000,
        scope: "public",
        schema: z.number(),
        load: () => gate("database read", async () => database),
      };
      const engine = new QueryCache({ store: () => store, peerWaitMs: 20 });
      const read = sharedEngine ? async () => (await engine.read(spec, {})).value : () => readThrough(store, spec);
      const violations: string[] = [];

      const operations = commands.map(async (c, i) => {
        await s.schedule(Promise.resolve(`start ${i} ${c.kind}`));
        if (c.kind === "read") {
          const floor = acknowledged;
          const value = await read();
          if (value < floor) violations.push(`read ${i} returned ${value} after write ${floor} was acknowledged`);
        } else if (c.kind === "write") {
          const version = await gate("database write", async () => ++database);
          await store.purge(c.purge.map((t) => tag[t]));
          acknowledged = Math.max(acknowledged, version);
        } else if (c.kind === "evictToken") {
          await gate("evict token", () => real.evictToken(tag[c.tag]));
        } else {
          await gate("evict entry", () => real.evictEntry(`${run}:{}`));
        }
      });

      let finished = false;
      const all = Promise.all(operations).finally(() => {
        finished = true;
      });
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      while (!finished || s.count() > 0 || inflight.size > 0) {
        if (inflight.size > 0) await Promise.allSettled([...inflight]);
        else if (s.count() > 0) await s.waitOne();
        else await new Promise((resolve) => setTimeout(resolve, 1)); // a real timer (peer wait) runs
        await settle();
      }
      await all;
      const keys = await redis.keys(`qc:${run}:*`);
      if (keys.length > 0) await redis.del(...keys);
      if (violations.length > 0)
        throw new Error(
          `${violations.join("; ")}\n${s
            .report()
            .map((r) => r.label)
            .join(" → ")}`,
        );
    },
  );
}

describe("no stale read after an acknowledged write (property, real Redis)", () => {
  it("holds for the engine's read path, across random interleavings", async () => {
    await fc.assert(invariantHolds(engineRead, true), { numRuns: 150 });
  });

  it("catches a naive read-through that captures the tokens after the load", async () => {
    const outcome = await fc.check(invariantHolds(naiveRead, false), { numRuns: 300 });
    expect(outcome.failed).toBe(true);
    expect(String(outcome.errorInstance)).toMatch(/after write \d+ was acknowledged/);
  });
});
