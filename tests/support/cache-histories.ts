import fc from "fast-check";
import type { Redis } from "ioredis";
import { z } from "zod";
import { CacheEvents } from "~/cache/events";
import { cacheKeys } from "~/cache/keys";
import { L1Cache } from "~/cache/l1";
import { QueryCache, type QuerySpec, type ReadOptions } from "~/cache/query-cache.server";
import { TaggedStore, type TagStore } from "~/cache/tagged-store.server";

/**
 * Random histories against the real cache engine and a real Redis, for the invariant of the tagged
 * cache: **no read that starts after a write was acknowledged returns data older than that write**,
 * and no user's read returns another user's value. For an assembled page (a list entry of ids, then
 * its entities in one `readMany`), every piece is no older than the last acknowledged write to it,
 * and an entity deleted since the list was stored is dropped, never an error.
 *
 * A history is two or three clients, each running its operations one after another (so a client
 * reads its own writes), all clients at once. Clients alternate between two engines — two
 * processes' worth of in-flight maps sharing one Redis, so the cross-instance lock and peer wait
 * run too. Operations: reads (plain, force-fresh as the warming worker does, refresh-ahead as the
 * schedule does), writes (database first, then the purge, as commitChange does), evictions of a
 * token, an entry or a lock, Redis restarting empty, and Redis calls failing.
 *
 * fast-check's scheduler decides the order of every effect: each Redis command and each database
 * read or write waits at a gate until the scheduler releases it, and runs alone. The database holds
 * a version per tag (and a like count per user, and whether each entity exists); a value is the
 * versions its load saw, so a stale read is a version below the one the last acknowledged write set.
 */

export const TAG_NAMES = ["list", "e1", "e2"] as const;
type TagName = (typeof TAG_NAMES)[number];
const USERS = [1, 2] as const;
type UserId = (typeof USERS)[number];

/** The shapes the granular design reads: a list, its entities, a page of all, one user's view. */
const QUERIES = [
  { name: "list", tags: ["list"], scope: "public" },
  { name: "entity1", tags: ["e1"], scope: "public" },
  { name: "entity2", tags: ["e2"], scope: "public" },
  { name: "page", tags: ["list", "e1", "e2"], scope: "public" },
  { name: "mine", tags: ["e1"], scope: "user" },
] as const satisfies readonly { name: string; tags: readonly TagName[]; scope: "public" | "user" }[];

/** The entities of the assembled page: entity `id` is tagged `e<id>`. */
const ENTITY_IDS = [1, 2] as const;
type EntityId = (typeof ENTITY_IDS)[number];
const entityTag = (id: EntityId): TagName => (id === 1 ? "e1" : "e2");

type Mode = "plain" | "forceFresh" | "refreshAhead";

export type Operation =
  | { kind: "read"; query: number; user: UserId; mode: Mode }
  /** The assembled page: the list of ids (tag `list`), then the entities it names, batched. */
  | { kind: "readPage"; mode: Mode }
  /**
   * `likedBy`: the write is that user's like (their own count changes too, under tag e1).
   * `toggle`: the write creates or deletes the entities it tags (and so changes the list too).
   */
  | { kind: "write"; tags: TagName[]; likedBy?: UserId; toggle?: boolean }
  | { kind: "evictToken"; tag: TagName }
  | { kind: "evictEntry"; pick: number }
  | { kind: "evictLock"; pick: number }
  | { kind: "restart" }
  | { kind: "fail"; calls: number };

/** Mostly readers' reads; now and then the warming worker's (force-fresh) and the schedule's. */
const mode: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("plain" as const) },
  { weight: 1, arbitrary: fc.constant("forceFresh" as const) },
  { weight: 1, arbitrary: fc.constant("refreshAhead" as const) },
);

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("read" as const),
      query: fc.nat(QUERIES.length - 1),
      user: fc.constantFrom(...USERS),
      mode: mode,
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("readPage" as const), mode }) },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        kind: fc.constant("write" as const),
        tags: fc.subarray([...TAG_NAMES], { minLength: 1 }),
        likedBy: fc.constantFrom(...USERS),
        toggle: fc.boolean(),
      },
      { requiredKeys: ["kind", "tags"] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("evictToken" as const), tag: fc.constantFrom(...TAG_NAMES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("evictEntry" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("evictLock" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fail" as const), calls: fc.integer({ min: 1, max: 3 }) }) },
);

export const history = fc.record({
  clients: fc.array(fc.array(operation, { minLength: 1, maxLength: 7 }), { minLength: 2, maxLength: 3 }),
  /**
   * Per query (then the page's list and entity queries): served as fresh for a minute, or always
   * past its fresh time (the stale path).
   */
  alwaysStale: fc.array(fc.boolean(), { minLength: QUERIES.length + 2, maxLength: QUERIES.length + 2 }),
});
export type History = typeof history extends fc.Arbitrary<infer H> ? H : never;

/** How a client reads through a store: the engine, or a deliberately broken variant. */
export interface Reader {
  read<A, V>(spec: QuerySpec<A, V>, args: A, options: ReadOptions): Promise<{ value: V; status?: string }>;
  readMany<A, V>(
    spec: QuerySpec<A, V>,
    args: readonly A[],
    options: ReadOptions,
  ): Promise<{ value: V; status?: string }[]>;
}
export type ReaderFactory = (store: TagStore) => Reader;

export const engineReader: ReaderFactory = (store) => {
  const engine = new QueryCache({ store: () => store, peerWaitMs: 30, lockMs: 2000 });
  return {
    read: (spec, args, options) => engine.read(spec, args, options),
    readMany: (spec, args, options) => engine.readMany(spec, args, options),
  };
};

/** The engine with an in-process L1 (each client its own, as each process has); counts its hits. */
export function engineWithL1Reader(counted: { l1Hits: number }): ReaderFactory {
  return (store) => {
    const events = new CacheEvents((error) => {
      throw error;
    });
    events.on("l1Hit", () => {
      counted.l1Hits += 1;
    });
    const engine = new QueryCache({
      store: () => store,
      peerWaitMs: 30,
      lockMs: 2000,
      l1: new L1Cache(1 << 20),
      events,
    });
    return {
      read: (spec, args, options) => engine.read(spec, args, options),
      readMany: (spec, args, options) => engine.readMany(spec, args, options),
    };
  };
}

/**
 * What the histories exercised, summed over runs: read statuses, lock refusals (another engine
 * held the key), refused fills (a purge won the race), injected failures. A test asserts each
 * happened, so the property cannot quietly stop reaching the paths it claims to check.
 */
export interface Coverage {
  statuses: Record<string, number>;
  lockRefused: number;
  fillsRefused: number;
  failures: number;
  restarts: number;
  /** Assembled pages read, and entities they dropped (deleted since their list was stored). */
  pages: number;
  dropped: number;
}
export const newCoverage = (): Coverage => ({
  statuses: {},
  lockRefused: 0,
  fillsRefused: 0,
  failures: 0,
  restarts: 0,
  pages: 0,
  dropped: 0,
});

interface Value {
  user: number | null;
  versions: Partial<Record<TagName, number>>;
  likes: number | null;
}
const valueSchema: z.ZodType<Value> = z.object({
  user: z.number().nullable(),
  versions: z.partialRecord(z.enum(TAG_NAMES), z.number()),
  likes: z.number().nullable(),
});

/** The page's list entry: the ids of the entities that exist. */
interface ListValue {
  version: number;
  ids: EntityId[];
}
const listSchema: z.ZodType<ListValue> = z.object({
  version: z.number(),
  ids: z.array(z.union([z.literal(1), z.literal(2)])),
});
/** An entity as loaded: its version, and whether it exists (a deleted one is dropped from the page). */
interface EntityValue {
  id: EntityId;
  version: number;
  exists: boolean;
}
const entitySchema: z.ZodType<EntityValue> = z.object({
  id: z.union([z.literal(1), z.literal(2)]),
  version: z.number(),
  exists: z.boolean(),
});

/** A reader's read, the warming worker's (force-fresh), or the schedule's (refresh-ahead). */
function readOptions(mode: Mode): ReadOptions {
  if (mode === "forceFresh") return { forceFresh: true, track: false };
  if (mode === "refreshAhead") return { refreshAheadMs: 30_000, track: false };
  return {};
}

let runs = 0;
const pick = <T>(list: T[], n: number): T[] => (list.length === 0 ? [] : [list[n % list.length] as T]);

/**
 * The property: every history keeps the invariant. `makeReader` builds each engine's read path
 * (the real engine by default).
 */
export function noStaleRead(redis: Redis, makeReader: ReaderFactory = engineReader, coverage = newCoverage()) {
  return fc.asyncProperty(fc.scheduler(), history, async (s, { clients, alwaysStale }) => {
    const namespace = `prop${process.pid}x${runs++}x${Date.now().toString(36)}`;
    const keys = cacheKeys(namespace);
    const real = new TaggedStore(redis, namespace);
    const touchedEntries = new Set<string>();
    const touchedLocks = new Set<string>();
    let failNext = 0;

    const inflight = new Set<Promise<unknown>>();
    /** Waits for the scheduler, then runs `effect` alone; `redis` effects may be made to fail. */
    const gate = async <T>(label: string, effect: () => Promise<T>, redisCall = false): Promise<T> => {
      await s.schedule(Promise.resolve(label));
      if (redisCall && failNext > 0) {
        failNext -= 1;
        coverage.failures += 1;
        throw new Error(`injected Redis failure (${label})`);
      }
      const running = effect();
      inflight.add(running);
      try {
        return await running;
      } finally {
        inflight.delete(running);
      }
    };
    const store: TagStore = {
      lookup: (key, tags) => {
        touchedEntries.add(keys.entry(key));
        return gate(`lookup ${key}`, () => real.lookup(key, tags), true);
      },
      lookupMany: (items) => {
        for (const item of items) touchedEntries.add(keys.entry(item.key));
        return gate(`lookupMany ${items.map((i) => i.key).join(" ")}`, () => real.lookupMany(items), true);
      },
      tokens: (tags) => gate(`tokens ${tags.join(",")}`, () => real.tokens(tags), true),
      store: async (key, tags, tokens, payload, ttl) => {
        const stored = await gate(`store ${key}`, () => real.store(key, tags, tokens, payload, ttl), true);
        if (!stored) coverage.fillsRefused += 1;
        return stored;
      },
      // Purges never fail here: a failed purge is the outbox's business (tested in cache-faults).
      purge: (tags) => gate(`purge ${tags.join(",")}`, () => real.purge(tags)),
      tryLock: async (key, ttl) => {
        touchedLocks.add(keys.lock(key));
        const lock = await gate(`lock ${key}`, () => real.tryLock(key, ttl), true);
        if (lock === null) coverage.lockRefused += 1;
        return lock;
      },
      unlock: (key, token) => gate(`unlock ${key}`, () => real.unlock(key, token), true),
    };
    const engines = [makeReader(store), makeReader(store)];

    // The database: a version per tag, and each user's like count (shown by the user-scoped query).
    const database = {
      versions: { list: 0, e1: 0, e2: 0 } as Record<TagName, number>,
      likes: { 1: 0, 2: 0 },
      exists: { 1: true, 2: true } as Record<EntityId, boolean>,
    };
    const acknowledged = { versions: { list: 0, e1: 0, e2: 0 } as Record<TagName, number>, likes: { 1: 0, 2: 0 } };
    const tag = (name: TagName) => `${namespace}:${name}`;
    const specs = QUERIES.map(
      (q, i): QuerySpec<{ n: number }, Value> => ({
        name: `${namespace}.${q.name}`,
        tags: () => q.tags.map(tag),
        freshMs: alwaysStale[i] ? 0 : 60_000,
        staleMs: 60_000,
        scope: q.scope,
        schema: valueSchema,
        load: (_args, { userId }) =>
          gate(`load ${q.name}`, async () => ({
            user: q.scope === "user" ? (userId ?? null) : null,
            versions: Object.fromEntries(q.tags.map((t) => [t, database.versions[t]])),
            likes: q.scope === "user" ? database.likes[userId as UserId] : null,
          })),
      }),
    );

    const pageStale = (i: number) => alwaysStale[QUERIES.length + i] ?? false;
    const listSpec: QuerySpec<{ n: number }, ListValue> = {
      name: `${namespace}.page.list`,
      tags: () => [tag("list")],
      freshMs: pageStale(0) ? 0 : 60_000,
      staleMs: 60_000,
      scope: "public",
      schema: listSchema,
      load: () =>
        gate("load page list", async () => ({
          version: database.versions.list,
          ids: ENTITY_IDS.filter((id) => database.exists[id]),
        })),
    };
    const entityValue = (id: EntityId): EntityValue => ({
      id,
      version: database.versions[entityTag(id)],
      exists: database.exists[id],
    });
    const entitySpec: QuerySpec<{ id: EntityId }, EntityValue> = {
      name: `${namespace}.page.entity`,
      tags: ({ id }) => [tag(entityTag(id))],
      freshMs: pageStale(1) ? 0 : 60_000,
      staleMs: 60_000,
      scope: "public",
      schema: entitySchema,
      load: ({ id }) => gate(`load entity ${id}`, async () => entityValue(id)),
      // One query for the batch: every entity as of one instant.
      loadMany: (args) =>
        gate(`load entities ${args.map((a) => a.id).join(",")}`, async () => args.map((a) => entityValue(a.id))),
    };

    const violations: string[] = [];
    const readPage = async (engine: Reader, op: Extract<Operation, { kind: "readPage" }>, label: string) => {
      const floor = structuredClone(acknowledged);
      const options = readOptions(op.mode);
      const list = await engine.read(listSpec, { n: 1 }, options);
      const items = await engine.readMany(
        entitySpec,
        list.value.ids.map((id) => ({ id })),
        options,
      );
      coverage.pages += 1;
      for (const { status } of [list, ...items])
        if (status) coverage.statuses[status] = (coverage.statuses[status] ?? 0) + 1;
      if (list.value.version < floor.versions.list)
        violations.push(
          `${label}: page list showed list@${list.value.version} after list@${floor.versions.list} was acknowledged`,
        );
      for (const [i, { value }] of items.entries()) {
        const id = list.value.ids[i] as EntityId;
        if (value.id !== id) violations.push(`${label}: page asked for entity ${id}, got ${value.id}`);
        const t = entityTag(id);
        if (value.version < floor.versions[t])
          violations.push(
            `${label}: page showed ${t}@${value.version} after ${t}@${floor.versions[t]} was acknowledged`,
          );
        if (!value.exists) coverage.dropped += 1; // assembled without it, as the app drops a vanished post
      }
    };
    const readOnce = async (engine: Reader, op: Extract<Operation, { kind: "read" }>, label: string) => {
      const q = QUERIES[op.query] as (typeof QUERIES)[number];
      const spec = specs[op.query] as QuerySpec<{ n: number }, Value>;
      const floor = structuredClone(acknowledged);
      const options = readOptions(op.mode);
      const userId = q.scope === "user" ? op.user : undefined;
      const { value, status } = await engine.read(spec, { n: 1 }, { ...options, userId });
      if (status) coverage.statuses[status] = (coverage.statuses[status] ?? 0) + 1;
      for (const t of q.tags) {
        const seen = value.versions[t] ?? -1;
        if (seen < floor.versions[t])
          violations.push(`${label}: ${q.name} showed ${t}@${seen} after ${t}@${floor.versions[t]} was acknowledged`);
      }
      if (q.scope === "user") {
        if (value.user !== op.user)
          violations.push(`${label}: ${q.name} of user ${op.user} showed user ${value.user}'s`);
        else if ((value.likes ?? -1) < floor.likes[op.user])
          violations.push(`${label}: ${q.name} showed likes ${value.likes} after ${floor.likes[op.user]} acknowledged`);
      }
    };

    const wipe = async (what: string[]) => {
      if (what.length > 0) await redis.del(...what);
    };
    const allKeys = () => [...touchedEntries, ...touchedLocks, ...TAG_NAMES.map((t) => keys.token(tag(t)))];

    const runClient = async (ops: Operation[], c: number) => {
      const engine = engines[c % engines.length] as Reader;
      for (const [i, op] of ops.entries()) {
        const label = `client ${c} op ${i}`;
        await s.schedule(Promise.resolve(`${label} ${op.kind}`));
        switch (op.kind) {
          case "read":
            await readOnce(engine, op, label);
            break;
          case "readPage":
            await readPage(engine, op, label);
            break;
          case "write": {
            // Creating or deleting an entity changes the list of ids too: that write purges both.
            const toggled = op.toggle ? ENTITY_IDS.filter((id) => op.tags.includes(entityTag(id))) : [];
            const written = await gate(`database write ${op.tags.join(",")}`, async () => {
              for (const id of toggled) database.exists[id] = !database.exists[id];
              const versions: Partial<Record<TagName, number>> = {};
              const changed = toggled.length > 0 && !op.tags.includes("list") ? [...op.tags, "list" as const] : op.tags;
              for (const t of changed) versions[t] = ++database.versions[t];
              const likes = op.likedBy && op.tags.includes("e1") ? ++database.likes[op.likedBy] : undefined;
              return { versions, likes };
            });
            await store.purge((Object.keys(written.versions) as TagName[]).map(tag));
            for (const [t, v] of Object.entries(written.versions) as [TagName, number][])
              acknowledged.versions[t] = Math.max(acknowledged.versions[t], v);
            if (op.likedBy && written.likes !== undefined)
              acknowledged.likes[op.likedBy] = Math.max(acknowledged.likes[op.likedBy], written.likes);
            break;
          }
          case "evictToken":
            await gate(`evict token ${op.tag}`, () => wipe([keys.token(tag(op.tag))]));
            break;
          case "evictEntry":
            await gate("evict entry", () => wipe(pick([...touchedEntries], op.pick)));
            break;
          case "evictLock":
            await gate("evict lock", () => wipe(pick([...touchedLocks], op.pick)));
            break;
          case "restart":
            coverage.restarts += 1;
            await gate("redis restarts empty", () => wipe(allKeys()));
            break;
          case "fail":
            failNext += op.calls;
            break;
        }
      }
    };

    let finished = false;
    const all = Promise.all(clients.map(runClient)).finally(() => {
      finished = true;
    });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    while (!finished || s.count() > 0 || inflight.size > 0) {
      if (inflight.size > 0) await Promise.allSettled([...inflight]);
      else if (s.count() > 0) await s.waitOne();
      else await new Promise((resolve) => setTimeout(resolve, 1)); // a real timer (peer wait) runs
      await settle();
    }
    const outcome = await all.then(
      () => undefined,
      (error: unknown) => error,
    );
    await wipe(allKeys());
    if (outcome) throw outcome;
    if (violations.length > 0) {
      const order = s
        .report()
        .map((r) => r.label)
        .join(" → ");
      throw new Error(`stale read: ${violations.join("; ")}\norder: ${order}`);
    }
  });
}

/** The number of histories CI runs, and `npm run test:property -- --runs N` overrides. */
export const CI_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
