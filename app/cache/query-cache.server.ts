import type { z } from "zod";
import { type CacheEvents, cacheEvents } from "./events";
import type { L1Cache } from "./l1";
import { type CacheStatus, type ReadLog, type Validity, worstStatus } from "./read-log";
import type { Lookup, TagStore } from "./tagged-store.server";

/** A declared query as the engine sees it (see define-query.server.ts for how one is written). */
export interface QuerySpec<A, V> {
  name: string;
  tags(args: A): string[];
  freshMs: number;
  staleMs: number;
  scope: "public" | "user";
  schema: z.ZodType<V>;
  load(args: A, context: { userId?: number }): Promise<unknown>;
  /**
   * Loads many at once (one `WHERE id IN (…)`), a value for each of `args` in the same order:
   * what `readMany` runs for its misses. Without it, `load` runs once for each.
   */
  loadMany?(args: readonly A[], context: { userId?: number }): Promise<unknown[]>;
}

export interface ReadOptions {
  /** The reading user: required for user-scoped queries, whose keys carry it. */
  userId?: number;
  /** Load from the database even when a fresh entry exists (the warming worker, after a purge). */
  forceFresh?: boolean;
  /**
   * Load now (not in the background) unless the entry stays fresh at least this long: the
   * scheduled warming, which keeps hot keys from ever expiring under a reader.
   */
  refreshAheadMs?: number;
  /** Count this read as a reader's (what warming repeats); the worker's own reads are not. */
  track?: boolean;
  /** Collects the read for the response headers. */
  log?: ReadLog;
}

export interface ReadResult<V> {
  value: V;
  status: CacheStatus;
  tags: string[];
  cacheMs: number;
  dbMs: number;
  /** The tokens the value was current under (read-log.ts); absent when stale, bypassed or refused. */
  validity?: Validity;
}

export interface CacheEngineOptions {
  /** The store to use for this read, or undefined to bypass (no Redis, breaker open, recovering). */
  store(): TagStore | undefined;
  /** Tells the availability tracker how a Redis call went. */
  reportRedis?(ok: boolean): void;
  /** Lock time-to-live and how long others wait for the holder's entry. */
  lockMs?: number;
  peerWaitMs?: number;
  /** Where reads, loads and failures are told (events.ts); the process's bus unless given. */
  events?: CacheEvents;
  /** An in-process first level (l1.ts); used only with a store that can read tokens alone. */
  l1?: L1Cache;
}

/** One item of `readMany`: its key and tags, then what its lookup found. */
interface ManyItem<A> {
  args: A;
  key: string;
  tags: string[];
}

/** A value the L1 served, with the tokens it was checked against. */
interface Near {
  value: unknown;
  validity: Validity;
}

/** One fill: what to load, where to store it, and the tokens captured before the load. */
interface Fill<A, V> {
  spec: QuerySpec<A, V>;
  args: A;
  context: { userId?: number };
  store: TagStore;
  key: string;
  tags: string[];
  tokens: string[];
  background: boolean;
  forceFresh?: boolean;
}

interface Loaded<V> {
  value: V;
  dbMs: number;
  /** Set when the value is in Redis under these tokens (stored by us, or a peer's entry). */
  validity?: Validity;
}

const elapsed = (since: number) => performance.now() - since;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stable JSON of the arguments: the same arguments always give the same key. */
export function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableKey(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The read path (docs/design.md#the-read-path): lookup (entry + tag tokens, one round trip), then hit, stale (served
 * while one refresh runs), or miss (one load per key and token set in this process, one across
 * instances by a short lock, stored by compare-and-set). Redis failing makes a read bypass, never
 * fail.
 */
export class QueryCache {
  private readonly inflight = new Map<string, Promise<Loaded<unknown>>>();
  private readonly events: CacheEvents;

  constructor(private readonly options: CacheEngineOptions) {
    this.events = options.events ?? cacheEvents();
  }

  async read<A, V>(spec: QuerySpec<A, V>, args: A, options: ReadOptions = {}): Promise<ReadResult<V>> {
    const started = performance.now();
    const tags = [...new Set(spec.tags(args))].sort();
    if (spec.scope === "user" && options.userId === undefined) {
      throw new Error(`${spec.name} is user-scoped: read it with a userId`);
    }
    const key = this.keyOf(spec, args, options.userId);
    const context = { userId: options.userId };
    const noteRead = () => {
      if (options.track !== false) this.events.emit("read", { query: spec.name, args, userId: options.userId, tags });
    };
    const finish = (
      status: CacheStatus,
      value: V,
      cacheMs: number,
      dbMs: number,
      validity?: Validity,
    ): ReadResult<V> => {
      this.events.emit("served", {
        query: spec.name,
        status,
        ms: elapsed(started),
        args,
        userId: options.userId,
        value,
      });
      const result = { value, status, tags, cacheMs, dbMs, validity };
      options.log?.add({ query: spec.name, status, tags, cacheMs, dbMs, scope: spec.scope, validity });
      return result;
    };

    // A request read through (ReadLog.readThrough, an admin's bypass) uses no store: BYPASS.
    const through = options.log?.readThrough;
    const store = through && (await through) ? undefined : this.options.store();
    if (!store) {
      const loaded = await this.load(spec, args, context);
      return finish("bypass", loaded.value, 0, loaded.dbMs);
    }

    if (!options.forceFresh) {
      const checkStarted = performance.now();
      try {
        const near = await this.nearValue(store, key, tags, options.refreshAheadMs ?? 0);
        if (near) {
          noteRead();
          this.events.emit("l1Hit", { query: spec.name });
          return finish("hit", near.value as V, elapsed(checkStarted), 0, near.validity);
        }
      } catch (error) {
        this.redisFailed(spec.name, error, "lookup");
        const loaded = await this.load(spec, args, context);
        return finish("bypass", loaded.value, elapsed(checkStarted) - loaded.dbMs, loaded.dbMs);
      }
    }

    const lookupStarted = performance.now();
    let lookup: Lookup;
    try {
      lookup = await store.lookup(key, tags);
      this.options.reportRedis?.(true);
    } catch (error) {
      this.redisFailed(spec.name, error, "lookup");
      const loaded = await this.load(spec, args, context);
      return finish("bypass", loaded.value, elapsed(lookupStarted) - loaded.dbMs, loaded.dbMs);
    }
    const cacheMs = elapsed(lookupStarted);

    if (lookup.payload !== null && !options.forceFresh) {
      const entry = this.decode(spec, lookup.payload);
      if (entry && Date.now() < entry.freshUntil - (options.refreshAheadMs ?? 0)) {
        this.options.l1?.set(key, { ...entry, tokens: lookup.tokens.join(",") }, lookup.payload.length);
        noteRead();
        return finish("hit", entry.value, cacheMs, 0, { tokens: lookup.tokens, freshUntil: entry.freshUntil });
      }
      if (entry && options.refreshAheadMs === undefined) {
        // Past its fresh time but within its stale window: serve it, refresh once in the background.
        void this.fill({ spec, args, context, store, key, tags, tokens: lookup.tokens, background: true }).catch(
          (error) => {
            if (!(error instanceof RefreshSkipped)) this.events.emit("refreshFailed", { query: spec.name, error });
          },
        );
        noteRead();
        return finish("stale", entry.value, cacheMs, 0);
      }
    }

    const loaded = await this.fill({
      spec,
      args,
      context,
      store,
      key,
      tags,
      tokens: lookup.tokens,
      background: false,
      forceFresh: options.forceFresh || options.refreshAheadMs !== undefined,
    });
    // Only a read that succeeded is one to warm (a 404's is not).
    noteRead();
    return finish("miss", loaded.value, cacheMs, loaded.dbMs, loaded.validity);
  }

  /**
   * Reads many keys of one query (docs/caching.md#assembled-pages): every entry and its tokens in
   * one round trip, hits served, misses loaded together by `spec.loadMany` and each stored by
   * compare-and-set under the tokens its own lookup saw, exactly as `read` would. A miss that
   * another read of the same key and tokens is already loading joins it. The results keep the
   * order of `argsList`. The read log gets one record for the batch (its worst status).
   *
   * No cross-instance lock here: a batch is one small query, and two instances loading the same
   * entity at once are correct (compare-and-set) and cheap. Items the L1 holds are served from it
   * once one MGET of their tags' current tokens matches, as a single read's are.
   */
  async readMany<A, V>(
    spec: QuerySpec<A, V>,
    argsList: readonly A[],
    options: ReadOptions = {},
  ): Promise<ReadResult<V>[]> {
    const started = performance.now();
    if (spec.scope === "user" && options.userId === undefined) {
      throw new Error(`${spec.name} is user-scoped: read it with a userId`);
    }
    const context = { userId: options.userId };
    const items: ManyItem<A>[] = argsList.map((args) => ({
      args,
      key: this.keyOf(spec, args, options.userId),
      tags: [...new Set(spec.tags(args))].sort(),
    }));
    const results: ReadResult<V>[] = new Array(items.length);
    const finishAll = (cacheMs: number) => {
      const ms = elapsed(started);
      for (const [i, item] of items.entries()) {
        const result = results[i] as ReadResult<V>;
        this.events.emit("served", {
          query: spec.name,
          status: result.status,
          ms,
          args: item.args,
          userId: options.userId,
          value: result.value,
          batch: items.length,
        });
      }
      if (items.length > 0) {
        options.log?.add({
          query: `${spec.name} x${items.length}`, // ASCII: it goes into Server-Timing
          status: worstStatus(results.map((r) => r.status)),
          ...batchTags(items, results),
          cacheMs,
          dbMs: Math.max(0, ...results.map((r) => r.dbMs)),
          scope: spec.scope,
        });
      }
      return results;
    };
    if (items.length === 0) return results;

    // A request read through (ReadLog.readThrough, an admin's bypass) uses no store: BYPASS.
    const through = options.log?.readThrough;
    const store = through && (await through) ? undefined : this.options.store();
    const bypass = async (cacheMs: number) => {
      const loaded = await this.loadMany(spec, items, context);
      for (const [i, item] of items.entries()) {
        results[i] = { value: loaded.values[i] as V, status: "bypass", tags: item.tags, cacheMs, dbMs: loaded.dbMs };
      }
      return finishAll(cacheMs);
    };
    if (!store) return bypass(0);

    const lookupStarted = performance.now();
    const lookupAll = async (some: readonly ManyItem<A>[]): Promise<Lookup[]> => {
      if (some.length === 0) return [];
      return store.lookupMany
        ? await store.lookupMany(some)
        : await Promise.all(some.map((item) => store.lookup(item.key, item.tags)));
    };
    // The L1's items have only their tokens read, in parallel with the others' lookup (one round
    // trip either way); an L1 item whose tokens moved is looked up after, like the rest.
    const near: (Near | undefined)[] = new Array(items.length);
    const lookups: (Lookup | undefined)[] = new Array(items.length);
    try {
      const inL1 = options.forceFresh ? [] : this.l1Candidates(items, options.refreshAheadMs ?? 0);
      const rest = items.flatMap((item, i) => (inL1.includes(i) ? [] : [{ item, i }]));
      const [checked, found] = await Promise.all([
        this.checkNear(store, inL1, items),
        lookupAll(rest.map(({ item }) => item)),
      ]);
      for (const [n, { i }] of rest.entries()) lookups[i] = found[n];
      const moved = inL1.filter((i, n) => {
        near[i] = checked[n];
        return !checked[n];
      });
      const again = await lookupAll(moved.map((i) => items[i] as ManyItem<A>));
      for (const [n, i] of moved.entries()) lookups[i] = again[n];
      this.options.reportRedis?.(true);
    } catch (error) {
      this.redisFailed(spec.name, error, "lookup");
      return bypass(elapsed(lookupStarted));
    }
    const cacheMs = elapsed(lookupStarted);

    const misses: { i: number; item: ManyItem<A>; tokens: string[] }[] = [];
    for (const [i, item] of items.entries()) {
      const fromL1 = near[i];
      if (fromL1) {
        this.events.emit("l1Hit", { query: spec.name });
        results[i] = {
          value: fromL1.value as V,
          status: "hit",
          tags: item.tags,
          cacheMs,
          dbMs: 0,
          validity: fromL1.validity,
        };
        continue;
      }
      const lookup = lookups[i] as Lookup;
      const entry = lookup.payload === null || options.forceFresh ? null : this.decode(spec, lookup.payload);
      // As in `read`: with refreshAheadMs, an entry about to go stale is loaded now, not served stale.
      if (entry && Date.now() < entry.freshUntil - (options.refreshAheadMs ?? 0)) {
        const validity = { tokens: lookup.tokens, freshUntil: entry.freshUntil };
        this.options.l1?.set(
          item.key,
          { ...entry, tokens: lookup.tokens.join(",") },
          (lookup.payload as string).length,
        );
        results[i] = { value: entry.value, status: "hit", tags: item.tags, cacheMs, dbMs: 0, validity };
      } else if (entry && options.refreshAheadMs === undefined) {
        void this.fill({ spec, ...item, context, store, tokens: lookup.tokens, background: true }).catch((error) => {
          if (!(error instanceof RefreshSkipped)) this.events.emit("refreshFailed", { query: spec.name, error });
        });
        results[i] = { value: entry.value, status: "stale", tags: item.tags, cacheMs, dbMs: 0 };
      } else {
        misses.push({ i, item, tokens: lookup.tokens });
      }
    }
    if (misses.length > 0) {
      const filled = await this.fillMany(spec, misses, context, store);
      for (const [n, { i, item }] of misses.entries()) {
        const loaded = filled[n] as Loaded<V>;
        const { value, dbMs, validity } = loaded;
        results[i] = { value, status: "miss", tags: item.tags, cacheMs, dbMs, validity };
      }
    }
    if (options.track !== false) {
      for (const item of items) {
        this.events.emit("read", { query: spec.name, args: item.args, userId: options.userId, tags: item.tags });
      }
    }
    return finishAll(cacheMs);
  }

  /**
   * The misses of a batch: each joins a load of the same key and tokens already running in this
   * process; the rest load in one `loadMany` and are stored each by compare-and-set.
   */
  private fillMany<A, V>(
    spec: QuerySpec<A, V>,
    misses: { item: ManyItem<A>; tokens: string[] }[],
    context: { userId?: number },
    store: TagStore,
  ): Promise<Loaded<V>[]> {
    const flightKeys = misses.map(({ item, tokens }) => `${item.key}|${tokens.join(",")}`);
    // Not already loading here, and each key once (the same key twice in a batch loads once).
    const claimed = new Set<string>();
    const own = misses.flatMap((miss, n) => {
      const flightKey = flightKeys[n] as string;
      if (this.inflight.has(flightKey) || claimed.has(flightKey)) return [];
      claimed.add(flightKey);
      return [{ ...miss, n }];
    });
    if (own.length > 0) {
      const batch = this.loadMany(
        spec,
        own.map(({ item }) => item),
        context,
      ).then(async (loaded) => ({
        ...loaded,
        validities: await Promise.all(
          own.map(({ item, tokens }, m) =>
            this.storeLoaded(spec, store, item.key, item.tags, tokens, loaded.values[m] as V),
          ),
        ),
      }));
      for (const [m, { n }] of own.entries()) {
        const flightKey = flightKeys[n] as string;
        const work = batch.then((loaded) => ({
          value: loaded.values[m] as V,
          dbMs: loaded.dbMs,
          validity: loaded.validities[m],
        }));
        this.inflight.set(flightKey, work);
        void work.then(
          () => this.inflight.delete(flightKey),
          () => this.inflight.delete(flightKey),
        );
      }
    }
    return Promise.all(flightKeys.map((flightKey) => this.inflight.get(flightKey) as Promise<Loaded<V>>));
  }

  /**
   * The L1's value for `key` (l1.ts), when it is fresh enough and the current tokens of its tags,
   * read now in one MGET, are still the ones it was stored with; else undefined (and a stale L1
   * entry is dropped). Throws when Redis does.
   */
  private async nearValue(
    store: TagStore,
    key: string,
    tags: readonly string[],
    refreshAheadMs: number,
  ): Promise<Near | undefined> {
    const l1 = this.options.l1;
    const near = l1?.get(key);
    if (!l1 || !near || !store.tokens || Date.now() >= near.freshUntil - refreshAheadMs) return undefined;
    const current = await store.tokens(tags);
    this.options.reportRedis?.(true);
    if (current.every((token) => token !== null) && current.join(",") === near.tokens) {
      return { value: near.value, validity: { tokens: current as string[], freshUntil: near.freshUntil } };
    }
    l1.delete(key); // a tag was purged (or its token evicted) since: the Redis path decides
    return undefined;
  }

  /** The items of a batch the L1 holds, fresh enough: their indexes. */
  private l1Candidates(items: readonly { key: string }[], refreshAheadMs: number): number[] {
    const l1 = this.options.l1;
    if (!l1) return [];
    const now = Date.now();
    return items.flatMap((item, i) => {
      const near = l1.get(item.key);
      return near && now < near.freshUntil - refreshAheadMs ? [i] : [];
    });
  }

  /**
   * For the L1 items of a batch, one MGET of all their tags' current tokens: each item's value when
   * its tokens are still the ones it was stored with, else undefined (and its L1 entry dropped), as
   * `nearValue` does for one read. Throws when Redis does.
   */
  private async checkNear(
    store: TagStore,
    indexes: readonly number[],
    items: readonly { key: string; tags: readonly string[] }[],
  ): Promise<(Near | undefined)[]> {
    const l1 = this.options.l1;
    if (!l1 || indexes.length === 0 || !store.tokens) return indexes.map(() => undefined);
    const tags = [...new Set(indexes.flatMap((i) => (items[i] as { tags: readonly string[] }).tags))];
    const current = await store.tokens(tags);
    const tokenOf = new Map(tags.map((tag, n) => [tag, current[n] ?? null]));
    return indexes.map((i) => {
      const item = items[i] as { key: string; tags: readonly string[] };
      const entry = l1.get(item.key);
      const tokens = item.tags.map((tag) => tokenOf.get(tag) ?? null);
      if (entry && tokens.every((token) => token !== null) && tokens.join(",") === entry.tokens) {
        return { value: entry.value, validity: { tokens: tokens as string[], freshUntil: entry.freshUntil } };
      }
      l1.delete(item.key);
      return undefined;
    });
  }

  private decode<V>(spec: QuerySpec<unknown, V>, payload: string): { value: V; freshUntil: number } | null {
    try {
      const { v, f } = JSON.parse(payload) as { v: unknown; f: number };
      const parsed = spec.schema.safeParse(v);
      if (parsed.success && typeof f === "number") return { value: parsed.data, freshUntil: f };
    } catch {
      // Not our JSON: treat as a miss, below.
    }
    this.events.emit("schemaMismatch", { query: spec.name });
    return null;
  }

  /** A load straight from the database, checked against the query's schema. */
  private async load<A, V>(spec: QuerySpec<A, V>, args: A, context: { userId?: number }): Promise<Loaded<V>> {
    const started = performance.now();
    try {
      const value = spec.schema.parse(await spec.load(args, context));
      return { value, dbMs: elapsed(started) };
    } finally {
      this.events.emit("loaded", { query: spec.name, ms: elapsed(started) });
    }
  }

  /** Loads many from the database (one `loadMany`, or one `load` each), each checked. */
  private async loadMany<A, V>(
    spec: QuerySpec<A, V>,
    items: readonly ManyItem<A>[],
    context: { userId?: number },
  ): Promise<{ values: V[]; dbMs: number }> {
    const started = performance.now();
    try {
      const args = items.map((item) => item.args);
      const raw = spec.loadMany
        ? await spec.loadMany(args, context)
        : await Promise.all(args.map((a) => spec.load(a, context)));
      if (raw.length !== items.length)
        throw new Error(`${spec.name}: loadMany gave ${raw.length} values for ${items.length}`);
      return { values: raw.map((value) => spec.schema.parse(value)), dbMs: elapsed(started) };
    } finally {
      this.events.emit("loaded", { query: spec.name, ms: elapsed(started) });
    }
  }

  /**
   * Stores a loaded value by compare-and-set under the tokens captured before its load; returns
   * what it is valid under once stored, or undefined when the store was refused or failed.
   */
  private async storeLoaded<V>(
    spec: QuerySpec<unknown, V>,
    store: TagStore,
    key: string,
    tags: string[],
    tokens: readonly string[],
    value: V,
  ): Promise<Validity | undefined> {
    const freshMs = jitter(spec.freshMs);
    const freshUntil = Date.now() + freshMs;
    const payload = JSON.stringify({ v: value, f: freshUntil });
    try {
      const stored = await store.store(key, tags, tokens, payload, freshMs + spec.staleMs);
      if (!stored) {
        this.events.emit("fillRejected", { query: spec.name });
        return undefined;
      }
      // Only what Redis took, under the tokens it took it with: the L1 never knows better.
      this.options.l1?.set(key, { value, freshUntil, tokens: tokens.join(",") }, payload.length);
      return { tokens, freshUntil };
    } catch (error) {
      this.redisFailed(spec.name, error, "store");
      return undefined;
    }
  }

  /** The entry's key: the query, its arguments, and the reader for a user-scoped query. */
  private keyOf<A>(spec: QuerySpec<A, unknown>, args: A, userId: number | undefined): string {
    return `${spec.name}:${stableKey(args)}${spec.scope === "user" ? `:u${userId}` : ""}`;
  }

  /**
   * Loads and stores a missing (or refreshing) key. Reads of one key that saw the same tokens share
   * one load; a read that saw other tokens (a purge came in between) never joins an older load.
   */
  private fill<A, V>(fill: Fill<A, V>): Promise<Loaded<V>> {
    // Background refreshes may give up (RefreshSkipped): readers never join them.
    const flightKey = `${fill.background ? "refresh|" : ""}${fill.key}|${fill.tokens.join(",")}`;
    const running = this.inflight.get(flightKey) as Promise<Loaded<V>> | undefined;
    if (running) return running;
    const work = this.loadAndStore(fill);
    this.inflight.set(flightKey, work);
    void work.then(
      () => this.inflight.delete(flightKey),
      () => this.inflight.delete(flightKey),
    );
    return work;
  }

  private async loadAndStore<A, V>(fill: Fill<A, V>): Promise<Loaded<V>> {
    const { spec, args, context, store, key, tags } = fill;
    let tokens = fill.tokens;
    const lockMs = this.options.lockMs ?? 2000;
    let lock: string | null = null;
    try {
      lock = await store.tryLock(key, lockMs);
    } catch (error) {
      this.redisFailed(spec.name, error, "lock");
    }
    if (lock === null && !fill.forceFresh) {
      // Another instance is loading this key. Wait briefly for its entry; a refresh just leaves it.
      const peer = fill.background ? undefined : await this.waitForPeer(spec, store, key, tags);
      if (peer?.kind === "entry") return { value: peer.value, dbMs: 0, validity: peer.validity };
      if (fill.background) throw new RefreshSkipped();
      if (peer?.kind === "tokens") tokens = peer.tokens;
    }
    try {
      const loaded = await this.load(spec, args, context);
      const validity = await this.storeLoaded(spec as QuerySpec<unknown, V>, store, key, tags, tokens, loaded.value);
      return { ...loaded, validity };
    } finally {
      if (lock) await store.unlock(key, lock).catch(() => {});
    }
  }

  /** Polls for the lock holder's entry; returns it, or the latest tokens to load with ourselves. */
  private async waitForPeer<V>(
    spec: QuerySpec<unknown, V>,
    store: TagStore,
    key: string,
    tags: string[],
  ): Promise<{ kind: "entry"; value: V; validity: Validity } | { kind: "tokens"; tokens: string[] } | undefined> {
    const deadline = Date.now() + (this.options.peerWaitMs ?? 150);
    let tokens: string[] | undefined;
    while (Date.now() < deadline) {
      await sleep(15);
      try {
        const again = await store.lookup(key, tags);
        tokens = again.tokens;
        const entry = again.payload === null ? null : this.decode(spec, again.payload);
        if (entry && Date.now() < entry.freshUntil) {
          return {
            kind: "entry",
            value: entry.value,
            validity: { tokens: again.tokens, freshUntil: entry.freshUntil },
          };
        }
      } catch (error) {
        this.redisFailed(spec.name, error, "lookup");
        break;
      }
    }
    return tokens ? { kind: "tokens", tokens } : undefined;
  }

  private redisFailed(query: string, error: unknown, operation: "lookup" | "lock" | "store") {
    this.options.reportRedis?.(false);
    this.events.emit("redisFailed", { query, operation, error });
  }
}

/** A background refresh found another instance already refreshing: nothing to do. */
export class RefreshSkipped extends Error {
  override name = "RefreshSkipped";
}

/** ±10 % so that keys filled together do not all expire together. */
function jitter(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}

/**
 * A batch's record: the union of its items' tags, and their tokens when every item has them and
 * agrees on a shared tag's (one MGET read them all, so they do unless a fill was refused).
 */
function batchTags(
  items: readonly { tags: readonly string[] }[],
  results: readonly ReadResult<unknown>[],
): { tags: string[]; validity?: Validity } {
  const tags = [...new Set(items.flatMap((item) => item.tags))];
  const tokenOf = new Map<string, string>();
  let freshUntil = Number.POSITIVE_INFINITY;
  for (const [i, item] of items.entries()) {
    const validity = results[i]?.validity;
    if (!validity) return { tags };
    for (const [t, tag] of item.tags.entries()) {
      const token = validity.tokens[t];
      if (token === undefined || (tokenOf.has(tag) && tokenOf.get(tag) !== token)) return { tags };
      tokenOf.set(tag, token);
    }
    freshUntil = Math.min(freshUntil, validity.freshUntil);
  }
  return { tags, validity: { tokens: tags.map((tag) => tokenOf.get(tag) as string), freshUntil } };
}
