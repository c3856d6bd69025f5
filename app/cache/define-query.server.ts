import { remember } from "@epic-web/remember";
import type { z } from "zod";
import { config } from "~/config.server";
import { type Duration, toMs } from "~/lib/duration";
import { cacheAvailability } from "./availability.server";
import { cacheEvents } from "./events";
import { L1Cache } from "./l1";
import { MAX_ENTRY_LIFETIME_MS } from "./outbox.server";
import { QueryCache, type QuerySpec, type ReadOptions, type ReadResult } from "./query-cache.server";

/**
 * A cached read, declared once (docs/design.md#declared-queries) and used by loaders, by invalidation and by the
 * warming worker alike.
 */
export interface QueryDeclaration<S extends z.ZodType, V extends z.ZodType> {
  /** Unique; part of every key (`story.reading`). */
  name: string;
  /** The arguments, validated on every read (and on warming jobs). */
  args: S;
  /** The tags of the data the value shows; from the arguments only, known before the load. */
  tags(args: z.output<S>): string[];
  /** How long a value is served as is, then how long more it may be served while refreshing. */
  fresh: Duration;
  stale: Duration;
  /** `user`: the value is one user's (the key carries the user id). */
  scope: "public" | "user";
  /** The shape of the value: checked after each load and when it comes out of Redis. */
  value: V;
  load(args: z.output<S>, context: { userId?: number }): Promise<z.input<V>>;
  /** Many at once, in the order of `args` (one `WHERE id IN (…)`): what `readMany` loads misses with. */
  loadMany?(args: readonly z.output<S>[], context: { userId?: number }): Promise<z.input<V>[]>;
}

export interface Query<S extends z.ZodType, V extends z.ZodType> {
  name: string;
  scope: "public" | "user";
  tags(args: z.output<S>): string[];
  argsSchema: S;
  /** What the engine runs; a benchmark can hand it to an engine without a store (no cache). */
  spec: QuerySpec<z.output<S>, z.output<V>>;
  read(args: z.input<S>, options?: ReadOptions): Promise<ReadResult<z.output<V>>>;
  /** Many reads of this query in one round trip (docs/caching.md#assembled-pages). */
  readMany(args: readonly z.input<S>[], options?: ReadOptions): Promise<ReadResult<z.output<V>>[]>;
}

/**
 * This process's engine: Redis when it is usable, the database otherwise. It tells the process's
 * event bus what it does; app/services.server.ts subscribes warming and monitoring to it.
 */
export function processQueryCache(): QueryCache {
  return remember(
    "cache.engine",
    () =>
      new QueryCache({
        store: () => cacheAvailability().forReads(),
        reportRedis: (ok) => cacheAvailability().report(ok),
        events: cacheEvents(),
        l1: config().cacheL1Bytes > 0 ? new L1Cache(config().cacheL1Bytes) : undefined,
      }),
  );
}

/** Every declared query by name, for the warming worker. */
export const queryRegistry = new Map<string, Query<z.ZodType, z.ZodType>>();

export function defineQuery<S extends z.ZodType, V extends z.ZodType>(
  declaration: QueryDeclaration<S, V>,
): Query<S, V> {
  const freshMs = toMs(declaration.fresh);
  const staleMs = toMs(declaration.stale);
  if (freshMs * 1.1 + staleMs > MAX_ENTRY_LIFETIME_MS) {
    throw new Error(`${declaration.name}: fresh + stale must stay under ${MAX_ENTRY_LIFETIME_MS} ms`);
  }
  const spec: QuerySpec<z.output<S>, z.output<V>> = {
    name: declaration.name,
    tags: declaration.tags,
    freshMs,
    staleMs,
    scope: declaration.scope,
    schema: declaration.value as z.ZodType<z.output<V>>,
    load: declaration.load,
    loadMany: declaration.loadMany,
  };
  const query: Query<S, V> = {
    name: declaration.name,
    scope: declaration.scope,
    tags: declaration.tags,
    argsSchema: declaration.args,
    spec,
    read: (args, options) => processQueryCache().read(spec, declaration.args.parse(args), options),
    readMany: (args, options) =>
      processQueryCache().readMany(
        spec,
        args.map((a) => declaration.args.parse(a)),
        options,
      ),
  };
  queryRegistry.set(declaration.name, query as unknown as Query<z.ZodType, z.ZodType>);
  return query;
}
