import type { z } from "zod";
import { type Query, queryRegistry } from "./define-query.server";
import type { QuerySpec, ReadResult } from "./query-cache.server";
import { worstStatus } from "./read-log";

/**
 * A page assembled from pieces (docs/caching.md#assembled-pages): a list entry holding references
 * (ids), and one entry per referenced item, read in one batch. A write then purges the one piece
 * it changed — a like purges its post's summary, not the feed — and every other piece stays a hit.
 *
 * Every piece is read through the engine, so each is no older than the last acknowledged write to
 * it; an item that vanished since the list was stored (a deleted post still in a cached list) loads
 * as null and `assemble` drops it.
 */
// biome-ignore lint/suspicious/noExplicitAny: any query, whatever its argument and value schemas
type AnyQuery = Query<any, any>;
type ArgsOf<Q extends AnyQuery> = z.output<Q["argsSchema"]>;
type ValueOf<Q extends AnyQuery> = Awaited<ReturnType<Q["read"]>>["value"];

export interface CompositeDeclaration<
  S extends z.ZodType,
  L extends AnyQuery,
  I extends AnyQuery,
  V extends z.ZodType,
> {
  /** Unique among queries; the name the page's reads are known by (tag coverage, benchmarks). */
  name: string;
  args: S;
  /** The list entry, read first, with arguments from the page's. */
  list: L;
  listArgs(args: z.output<S>): ArgsOf<L>;
  /** The item entries: the list's references, read in one batch. */
  item: I;
  refs(list: ValueOf<L>): ArgsOf<I>[];
  /** The page from the list and its items (in the order of `refs`; a vanished one is null). */
  assemble(list: ValueOf<L>, items: ValueOf<I>[], args: z.output<S>): z.input<V>;
  /** The assembled page's shape: its type, and the check of a fresh assembly (tag coverage). */
  value: V;
}

export function defineComposite<S extends z.ZodType, L extends AnyQuery, I extends AnyQuery, V extends z.ZodType>(
  declaration: CompositeDeclaration<S, L, I, V>,
): Query<S, V> {
  const { list, item } = declaration;
  const scope = list.scope === "user" || item.scope === "user" ? "user" : "public";
  const spec: QuerySpec<z.output<S>, z.output<V>> = {
    name: declaration.name,
    // The tags known before the read: the list's. The items' join them once the list is read.
    tags: (args) => list.tags(declaration.listArgs(args)),
    freshMs: list.spec.freshMs,
    staleMs: list.spec.staleMs,
    scope,
    schema: declaration.value as z.ZodType<z.output<V>>,
    // Straight from the database (no cache): what a fresh read of the page shows.
    load: async (args, context) => {
      const listValue = list.spec.schema.parse(await list.spec.load(declaration.listArgs(args), context));
      const refs = declaration.refs(listValue);
      const raw = item.spec.loadMany
        ? await item.spec.loadMany(refs, context)
        : await Promise.all(refs.map((ref) => item.spec.load(ref, context)));
      return declaration.assemble(
        listValue,
        raw.map((v) => item.spec.schema.parse(v)),
        args,
      );
    },
  };
  const read: Query<S, V>["read"] = async (input, options = {}) => {
    const args = declaration.args.parse(input) as z.output<S>;
    const listRead: ReadResult<ValueOf<L>> = await list.read(declaration.listArgs(args), options);
    const itemReads: ReadResult<ValueOf<I>>[] = await item.readMany(declaration.refs(listRead.value), options);
    const value = declaration.assemble(
      listRead.value,
      itemReads.map((r) => r.value),
      args,
    ) as z.output<V>;
    return {
      value,
      status: worstStatus([listRead.status, ...itemReads.map((r) => r.status)]),
      tags: [...new Set([...listRead.tags, ...itemReads.flatMap((r) => r.tags)])],
      cacheMs: listRead.cacheMs + Math.max(0, ...itemReads.map((r) => r.cacheMs)),
      dbMs: listRead.dbMs + Math.max(0, ...itemReads.map((r) => r.dbMs)),
    };
  };
  const query: Query<S, V> = {
    name: declaration.name,
    scope,
    tags: spec.tags,
    argsSchema: declaration.args,
    spec,
    read,
    readMany: (argsList, options) => Promise.all(argsList.map((args) => read(args, options))),
  };
  queryRegistry.set(declaration.name, query as unknown as Query<z.ZodType, z.ZodType>);
  return query;
}
