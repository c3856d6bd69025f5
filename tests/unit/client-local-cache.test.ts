import { describe, expect, it } from "vitest";
import { decodeData, encodeData } from "~/client/cache/codec";
import { ENTRY_PREFIX, LRU_KEY } from "~/client/cache/config";
import { cacheKeyOf, normalizeUrl, routeDataUrl } from "~/client/cache/data-url";
import { LocalCache } from "~/client/cache/local-cache";
import { PurgeLog } from "~/client/cache/purge-log";
import type { StorageLike } from "~/client/cache/storage-like";

/** A Map-backed Storage, optionally with a quota in characters like a browser's. */
class FakeStorage implements StorageLike {
  readonly map = new Map<string, string>();
  constructor(private readonly quotaChars = Number.POSITIVE_INFINITY) {}
  get length() {
    return this.map.size;
  }
  key(index: number) {
    return [...this.map.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    const used = [...this.map].reduce((n, [k, v]) => n + (k === key ? 0 : k.length + v.length), 0);
    if (used + key.length + value.length > this.quotaChars) {
      throw new DOMException("quota", "QuotaExceededError");
    }
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

function setup(options: Partial<{ maxBytes: number; ttlMs: number; version: string; quota: number }> = {}) {
  let now = 1_000;
  const storage = new FakeStorage(options.quota);
  const cache = new LocalCache(storage, {
    version: options.version ?? "b1",
    maxBytes: options.maxBytes ?? 1_000_000,
    ttlMs: options.ttlMs ?? 60_000,
    now: () => now,
  });
  return { storage, cache, tick: (ms: number) => (now += ms) };
}

describe("LocalCache", () => {
  it("keeps data per namespace: one user's entry is never another's", () => {
    const { cache } = setup();
    cache.set("user:1", "k", { mine: true }, ["post:1"]);
    expect(cache.get("user:1", "k")?.data).toEqual({ mine: true });
    expect(cache.get("user:2", "k")).toBeUndefined();
    expect(cache.get("anon", "k")).toBeUndefined();
  });

  it("round-trips Dates (single fetch gives loaders' Dates to the page as Dates)", () => {
    const { cache } = setup();
    const when = new Date("2026-01-02T03:04:05.000Z");
    cache.set("anon", "k", { post: { createdAt: when, n: 1 } }, ["post:1"]);
    const back = cache.get("anon", "k")?.data as { post: { createdAt: Date } };
    expect(back.post.createdAt).toBeInstanceOf(Date);
    expect(back.post.createdAt.getTime()).toBe(when.getTime());
    expect(decodeData(encodeData([when]))).toEqual([when]);
  });

  it("purges exactly the entries that carry a purged tag, in any namespace", () => {
    const { cache } = setup();
    cache.set("user:1", "a", 1, ["post:1", "community:feed"]);
    cache.set("user:2", "b", 2, ["post:1"]);
    cache.set("user:1", "c", 3, ["post:2"]);
    cache.set("user:1", "d", 4, ["user:1:stories"]);
    expect(cache.purge(["post:1"])).toHaveLength(2);
    expect(cache.get("user:1", "a")).toBeUndefined();
    expect(cache.get("user:2", "b")).toBeUndefined();
    expect(cache.get("user:1", "c")?.data).toBe(3);
    expect(cache.get("user:1", "d")?.data).toBe(4);
    cache.purge(["*"]);
    expect(cache.keys()).toEqual([]);
  });

  it("expires entries after the TTL", () => {
    const { cache, tick } = setup({ ttlMs: 1_000 });
    cache.set("anon", "k", 1, ["t"]);
    tick(999);
    expect(cache.get("anon", "k")?.data).toBe(1);
    tick(2);
    expect(cache.get("anon", "k")).toBeUndefined();
    expect(cache.keys()).toEqual([]);
  });

  it("never reads another build's entries, and sweeps them", () => {
    const { storage, cache } = setup({ version: "b1" });
    cache.set("anon", "k", 1, ["t"]);
    const next = new LocalCache(storage, { version: "b2", maxBytes: 1_000_000, ttlMs: 60_000 });
    expect(next.get("anon", "k")).toBeUndefined();
    expect(next.sweep()).toBe(1);
    expect(cache.get("anon", "k")).toBeUndefined();
  });

  it("stays under the size cap by evicting the least recently used entries", () => {
    const { cache, tick } = setup({ maxBytes: 1_600 });
    const body = "x".repeat(200); // ≈ 500 bytes an entry with key and meta
    cache.set("anon", "a", body, ["t"]);
    tick(1);
    cache.set("anon", "b", body, ["t"]);
    tick(1);
    cache.set("anon", "c", body, ["t"]);
    tick(1);
    cache.get("anon", "a"); // a is now more recent than b
    tick(1);
    cache.set("anon", "d", body, ["t"]);
    expect(cache.bytes()).toBeLessThanOrEqual(1_600);
    expect(cache.get("anon", "b")).toBeUndefined();
    expect(cache.get("anon", "a")?.data).toBe(body);
    expect(cache.get("anon", "d")?.data).toBe(body);
  });

  it("refuses an entry bigger than the whole cap without evicting anything", () => {
    const { cache } = setup({ maxBytes: 600 });
    cache.set("anon", "small", 1, ["t"]);
    expect(cache.set("anon", "huge", "x".repeat(1_000), ["t"])).toBe(false);
    expect(cache.get("anon", "small")?.data).toBe(1);
  });

  it("handles quota errors by evicting and retrying, and leaves other keys (drafts) alone", () => {
    const { storage, cache, tick } = setup({ quota: 700 });
    storage.setItem("quill:draft:scene:1", "d".repeat(300));
    cache.set("anon", "a", "x".repeat(150), ["t"]);
    tick(1);
    expect(cache.set("anon", "b", "y".repeat(150), ["t"])).toBe(true);
    expect(cache.get("anon", "a")).toBeUndefined();
    expect(cache.get("anon", "b")?.data).toBe("y".repeat(150));
    // Nothing left to evict: the write is dropped, no exception.
    expect(cache.set("anon", "c", "z".repeat(600), ["t"])).toBe(false);
    expect(storage.getItem("quill:draft:scene:1")).toBe("d".repeat(300));
  });

  it("clears only its own keys", () => {
    const { storage, cache } = setup();
    storage.setItem("quill:draft:scene:1", "keep");
    storage.setItem("other", "keep");
    cache.set("user:1", "a", 1, ["t"]);
    cache.clear();
    expect([...storage.map.keys()].sort()).toEqual(["other", "quill:draft:scene:1"]);
    expect([...storage.map.keys()].some((k) => k.startsWith(ENTRY_PREFIX) || k === LRU_KEY)).toBe(false);
  });

  it("treats a corrupt entry as a miss and removes it", () => {
    const { storage, cache } = setup();
    storage.setItem(`${ENTRY_PREFIX}b1:anon:k`, "not json\n{");
    expect(cache.get("anon", "k")).toBeUndefined();
    expect(storage.length).toBe(0);
  });
});

describe("single-fetch URLs", () => {
  it("names one route's data request as Remix does", () => {
    expect(routeDataUrl("/community/posts/3", "routes/community.posts.$postId")).toBe(
      "/community/posts/3.data?_routes=routes%2Fcommunity.posts.%24postId",
    );
    expect(routeDataUrl("/community?index&page=2", "routes/community._index")).toBe(
      "/community.data?_routes=routes%2Fcommunity._index&page=2",
    );
    expect(routeDataUrl("/", "routes/_index")).toBe("/_root.data?_routes=routes%2F_index");
    expect(normalizeUrl(new URL("http://x/community.data?page=2&_routes=routes%2Fcommunity._index"))).toBe(
      "/community.data?_routes=routes%2Fcommunity._index&page=2",
    );
  });

  it("keys a page by route, path and query", () => {
    expect(cacheKeyOf("/community?page=2&index", "routes/community._index")).toBe(
      "routes/community._index|/community?page=2",
    );
  });
});

describe("PurgeLog", () => {
  it("bypasses caches for a window after a purge", () => {
    let now = 0;
    const log = new PurgeLog(100, () => now);
    expect(log.bypassing()).toBe(false);
    now = 50;
    log.record();
    expect(log.bypassing()).toBe(true);
    now = 149;
    expect(log.bypassing()).toBe(true);
    now = 150;
    expect(log.bypassing()).toBe(false);
  });
});
