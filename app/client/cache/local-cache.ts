import { decodeData, encodeData } from "./codec";
import { ENTRY_PREFIX, LRU_KEY } from "./config";
import { keysWithPrefix, type StorageLike } from "./storage-like";

export interface LocalCacheOptions {
  /** The build: entries of another build are never read (the data's shape may have changed). */
  version: string;
  maxBytes: number;
  ttlMs: number;
  now?: () => number;
}

export interface CachedEntry {
  data: unknown;
  tags: string[];
  storedAt: number;
}

/** The first line of a stored value: small, so purges and eviction read it without the body. */
interface EntryMeta {
  /** Tags (X-Cache-Tags of the response the data came from). */
  t: string[];
  /** Stored at, ms since the epoch. */
  s: number;
}

const SEPARATOR = "\n";

/**
 * Loader data in localStorage, by namespace (the signed-in user) and key (route and URL). Every
 * entry carries its own tags, so a purge never depends on an index that two tabs could race on;
 * the LRU times are advisory only.
 */
export class LocalCache {
  private readonly now: () => number;

  constructor(
    private readonly storage: StorageLike,
    private readonly options: LocalCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  private storageKey(namespace: string, key: string): string {
    return `${ENTRY_PREFIX}${this.options.version}:${namespace}:${key}`;
  }

  private readMeta(value: string): EntryMeta | undefined {
    try {
      const meta = JSON.parse(value.slice(0, value.indexOf(SEPARATOR))) as EntryMeta;
      return Array.isArray(meta.t) && typeof meta.s === "number" ? meta : undefined;
    } catch {
      return undefined;
    }
  }

  get(namespace: string, key: string): CachedEntry | undefined {
    const storageKey = this.storageKey(namespace, key);
    const value = this.safeGet(storageKey);
    if (value === null) return undefined;
    const meta = this.readMeta(value);
    if (!meta || this.now() - meta.s > this.options.ttlMs) {
      this.remove([storageKey]);
      return undefined;
    }
    let data: unknown;
    try {
      data = decodeData(value.slice(value.indexOf(SEPARATOR) + 1));
    } catch {
      this.remove([storageKey]);
      return undefined;
    }
    this.touch(storageKey);
    return { data, tags: meta.t, storedAt: meta.s };
  }

  /** Stores an entry, evicting the least recently used ones to stay under the size cap. */
  set(namespace: string, key: string, data: unknown, tags: readonly string[]): boolean {
    const storageKey = this.storageKey(namespace, key);
    const meta: EntryMeta = { t: [...tags], s: this.now() };
    let value: string;
    try {
      value = JSON.stringify(meta) + SEPARATOR + encodeData(data);
    } catch {
      return false;
    }
    const bytes = sizeOf(storageKey, value);
    if (bytes > this.options.maxBytes) return false;
    this.remove([storageKey]);
    const sizes = this.entrySizes();
    let total = [...sizes.values()].reduce((sum, n) => sum + n, 0);
    const order = this.lruOrder([...sizes.keys()]);
    while (total + bytes > this.options.maxBytes && order.length > 0) {
      const victim = order.shift() as string;
      total -= sizes.get(victim) ?? 0;
      this.remove([victim]);
    }
    // The browser's quota is shared with drafts and other keys: on a quota error, evict and retry.
    for (;;) {
      try {
        this.storage.setItem(storageKey, value);
        this.touch(storageKey, new Set(order));
        return true;
      } catch {
        const victim = order.shift();
        if (!victim) return false;
        this.remove([victim]);
      }
    }
  }

  /** Removes every entry (any namespace, any build) that carries one of `tags`; `*` removes all. */
  purge(tags: readonly string[]): string[] {
    if (tags.includes("*")) return this.clear();
    const wanted = new Set(tags);
    const removed: string[] = [];
    for (const storageKey of keysWithPrefix(this.storage, ENTRY_PREFIX)) {
      const value = this.safeGet(storageKey);
      const meta = value === null ? undefined : this.readMeta(value);
      if (!meta || meta.t.some((t) => wanted.has(t))) removed.push(storageKey);
    }
    this.remove(removed);
    return removed;
  }

  /** Removes all entries and the LRU record (never other `quill:` keys such as drafts). */
  clear(): string[] {
    const removed = keysWithPrefix(this.storage, ENTRY_PREFIX);
    this.remove([...removed, LRU_KEY]);
    return removed;
  }

  /** Drops entries of other builds and expired ones (at start-up). */
  sweep(): number {
    const current = `${ENTRY_PREFIX}${this.options.version}:`;
    const removed: string[] = [];
    for (const storageKey of keysWithPrefix(this.storage, ENTRY_PREFIX)) {
      const value = this.safeGet(storageKey);
      const meta = value === null ? undefined : this.readMeta(value);
      if (!storageKey.startsWith(current) || !meta || this.now() - meta.s > this.options.ttlMs) {
        removed.push(storageKey);
      }
    }
    this.remove(removed);
    return removed.length;
  }

  /** Bytes our entries take (keys and values, two bytes a character). */
  bytes(): number {
    return [...this.entrySizes().values()].reduce((sum, n) => sum + n, 0);
  }

  /** Storage keys of the entries, for tests and the docs' debugging notes. */
  keys(): string[] {
    return keysWithPrefix(this.storage, ENTRY_PREFIX);
  }

  private entrySizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const storageKey of keysWithPrefix(this.storage, ENTRY_PREFIX)) {
      sizes.set(storageKey, sizeOf(storageKey, this.safeGet(storageKey) ?? ""));
    }
    return sizes;
  }

  /** Keys, least recently used first (an entry never touched counts from when it was stored). */
  private lruOrder(storageKeys: string[]): string[] {
    const used = this.readLru();
    const when = (k: string) => used[k] ?? this.readMeta(this.safeGet(k) ?? "")?.s ?? 0;
    return storageKeys
      .map((k) => [k, when(k)] as const)
      .sort((a, b) => a[1] - b[1])
      .map(([k]) => k);
  }

  private readLru(): Record<string, number> {
    try {
      const parsed = JSON.parse(this.safeGet(LRU_KEY) ?? "{}");
      return parsed && typeof parsed === "object" ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  }

  /** Records a use; `live` (when known) drops the times of entries that are gone. */
  private touch(storageKey: string, live?: ReadonlySet<string>): void {
    const used = this.readLru();
    used[storageKey] = this.now();
    if (live) for (const k of Object.keys(used)) if (k !== storageKey && !live.has(k)) delete used[k];
    try {
      this.storage.setItem(LRU_KEY, JSON.stringify(used));
    } catch {
      // Advisory only: a full storage must not break a read.
    }
  }

  private remove(storageKeys: string[]): void {
    for (const k of storageKeys) {
      try {
        this.storage.removeItem(k);
      } catch {
        // Storage can be disabled (privacy modes); nothing to undo then.
      }
    }
  }

  private safeGet(storageKey: string): string | null {
    try {
      return this.storage.getItem(storageKey);
    } catch {
      return null;
    }
  }
}

function sizeOf(key: string, value: string): number {
  return (key.length + value.length) * 2;
}
