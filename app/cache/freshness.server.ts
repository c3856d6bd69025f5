import type { QuerySpec } from "./query-cache.server";

/**
 * Is a value the cache served still what the database holds? Loads the query afresh (its own
 * `load` and schema, never through the cache) and compares. Used by the tag-coverage test after
 * every mutation, and meant for a runtime audit of a sample of cache hits.
 */

/** What a read gave: its value, or the error it threw (a page that became a 404 or a 403). */
export type Outcome<V> = { ok: true; value: V } | { ok: false; error: string; message: string };

export type Freshness<A, V> =
  | { fresh: true }
  | {
      fresh: false;
      query: string;
      args: A;
      /** The query's tags for these arguments: one of them should have been purged. */
      tags: string[];
      userId: number | undefined;
      /** Where the first difference is, e.g. `chapters[0].scenes[2].content`; "" for the whole value. */
      path: string;
      served: Outcome<V>;
      current: Outcome<V>;
    };

/** The outcome of a read: errors are kept by class name (their message is for people). */
export async function settle<V>(work: Promise<V>): Promise<Outcome<V>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return error instanceof Error
      ? { ok: false, error: error.name, message: error.message }
      : { ok: false, error: typeof error, message: String(error) };
  }
}

export async function checkFreshness<A, V>(
  spec: QuerySpec<A, V>,
  args: A,
  served: Outcome<V>,
  { userId }: { userId?: number },
): Promise<Freshness<A, V>> {
  const current = await settle(Promise.resolve(spec.load(args, { userId })).then((v) => spec.schema.parse(v)));
  const path = outcomeDifference(served, current);
  if (path === null) return { fresh: true };
  return { fresh: false, query: spec.name, args, tags: spec.tags(args), userId, path, served, current };
}

function outcomeDifference<V>(served: Outcome<V>, current: Outcome<V>): string | null {
  if (served.ok && current.ok) return firstDifference(served.value, current.value);
  if (!served.ok && !current.ok) return served.error === current.error ? null : "";
  return "";
}

/**
 * The path of the first difference between two values, or null when they are equal: Dates by
 * time, objects regardless of key order (an undefined property counts as absent), arrays in order.
 * Keys are visited in `current`'s order, so the path follows the shape the load gives.
 */
export function firstDifference(served: unknown, current: unknown, path = ""): string | null {
  if (Object.is(served, current)) return null;
  if (served instanceof Date || current instanceof Date) {
    const same = served instanceof Date && current instanceof Date && Object.is(served.getTime(), current.getTime());
    return same ? null : path;
  }
  if (Array.isArray(served) || Array.isArray(current)) {
    if (!Array.isArray(served) || !Array.isArray(current)) return path;
    for (let i = 0; i < Math.max(served.length, current.length); i++) {
      if (i >= served.length || i >= current.length) return `${path}[${i}]`;
      const inner = firstDifference(served[i], current[i], `${path}[${i}]`);
      if (inner !== null) return inner;
    }
    return null;
  }
  if (!isObject(served) || !isObject(current)) return path;
  const keys = new Set([...Object.keys(current), ...Object.keys(served)]);
  for (const key of keys) {
    const inner = firstDifference(served[key], current[key], join(path, key));
    if (inner !== null) return inner;
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function join(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** The value at `path` (as firstDifference writes it), for a short report of a difference. */
export function valueAt(value: unknown, path: string): unknown {
  const steps = path.match(/[A-Za-z_$][\w$]*|\[(\d+|"(?:[^"\\]|\\.)*")\]/g) ?? [];
  let at: unknown = value;
  for (const step of steps) {
    if (!isObject(at)) return undefined;
    const key = step.startsWith("[") ? (JSON.parse(step.slice(1, -1)) as string | number) : step;
    at = at[String(key)];
  }
  return at;
}
