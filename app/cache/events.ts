import { remember } from "@epic-web/remember";
import type { CacheStatus } from "./read-log";

/**
 * What the engine tells its observers. Warming (which keys to refill) and monitoring (counters)
 * subscribe in the composition root, app/services.server.ts; the engine itself knows neither.
 * Listeners run synchronously and must be cheap; one that throws is reported, never the read's
 * problem (docs/decisions/009-layers-and-composition-root.md).
 */
export interface CacheEventMap {
  /** A reader's read that reached Redis and succeeded (not the worker's own): the reads warming repeats. */
  read: { query: string; args: unknown; userId?: number; tags: readonly string[] };
  /** A hit served from the in-process L1 (after its tokens were checked); also a `served` hit. */
  l1Hit: { query: string };
  /**
   * Every read's outcome, Redis reached or not, with what was served (the freshness audit
   * re-loads a sample of hits and compares).
   */
  served: {
    query: string;
    status: CacheStatus;
    ms: number;
    args: unknown;
    userId?: number;
    value: unknown;
    /** Read in a batch of this many (`readMany`, the pieces of one page); absent for a single read. */
    batch?: number;
  };
  /** A load from the database (misses, refreshes, bypasses; shared loads count once). */
  loaded: { query: string; ms: number };
  /** A fill refused by compare-and-set: a tag was purged while the value loaded. */
  fillRejected: { query: string };
  /** A value in Redis that no longer matches its query's schema (read as a miss). */
  schemaMismatch: { query: string };
  /** A Redis call that failed or timed out; the read bypassed. */
  redisFailed: { query: string; operation: "lookup" | "lock" | "store"; error: unknown };
  /** A background refresh that failed (the stale value was served; the next reader retries). */
  refreshFailed: { query: string; error: unknown };
  /**
   * Tags purged: by a mutation (`invalidate`, `ok` false when Redis refused and the outbox keeps
   * it) or replayed from the outbox by the relay.
   */
  purged: { tags: readonly string[]; ms: number; ok: boolean; by: "mutation" | "relay"; reason: string };
}

export type CacheEventName = keyof CacheEventMap;
type Listener<K extends CacheEventName> = (event: CacheEventMap[K]) => void;

export class CacheEvents {
  private readonly listeners = new Map<CacheEventName, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, event: CacheEventName) => void = () => {}) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends CacheEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends CacheEventName>(name: K, event: CacheEventMap[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(event);
      } catch (error) {
        this.onListenerError(error, name);
      }
    }
  }
}

/** This process's bus: the process engine, invalidate() and the outbox relay emit on it. */
export function cacheEvents(): CacheEvents {
  return remember(
    "cache.events",
    () => new CacheEvents((error, event) => console.error(`cache event ${event}:`, error)),
  );
}
