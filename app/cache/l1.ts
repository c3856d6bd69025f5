import { LRUCache } from "lru-cache";

/**
 * The in-process first level (docs/caching.md#the-in-process-l1): decoded, validated values with the
 * tag tokens they were valid under. An L1 entry is served only after the current tokens of its tags
 * (one small MGET, no payload) equal the ones it was stored with, the very condition under which the
 * Redis entry itself is served: so no process serves a value purged anywhere, without a bus.
 * Bounded in bytes (the size of the value's JSON); least recently used goes first. Values are
 * frozen when they go in: every request shares the one object, so a caller that changed it would
 * change what the next reader (another user, perhaps) sees; frozen, it fails loudly instead.
 */
export interface L1Entry {
  value: unknown;
  freshUntil: number;
  /** The tokens, comma-joined, in tag order (as the Redis entry's first line). */
  tokens: string;
}

export class L1Cache {
  private readonly lru: LRUCache<string, L1Entry>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, L1Entry>({ maxSize: Math.max(1, maxBytes) });
  }

  get(key: string): L1Entry | undefined {
    return this.lru.get(key);
  }

  /** `bytes`: the value's size as JSON (an entry larger than the whole L1 is not kept). */
  set(key: string, entry: L1Entry, bytes: number): void {
    this.lru.set(key, { ...entry, value: deepFreeze(entry.value) }, { size: Math.max(1, bytes) });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  get size(): number {
    return this.lru.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
