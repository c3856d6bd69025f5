import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { cacheKeys } from "~/cache/keys";
import { NEW_TOKEN_TTL_MS, newToken, TaggedStore, TOKEN_MARGIN_MS } from "~/cache/tagged-store.server";

/**
 * The generational tag store (docs/decisions/001-generational-tags.md) against the real Redis: its three Lua scripts, the key
 * layout, TTLs and the lock. Each test works in a namespace of its own.
 */
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(redisUrl);
const namespaces: string[] = [];
const connections: Redis[] = [];

/**
 * A namespace and a store of its own, on a connection of its own: the scripts are defined once per
 * connection, so every test defines (and depends on) them, as a fresh process does.
 */
function fresh() {
  const namespace = `store-${randomBytes(6).toString("hex")}`;
  namespaces.push(namespace);
  const connection = new Redis(redisUrl);
  connections.push(connection);
  return { store: new TaggedStore(connection, namespace), keys: cacheKeys(namespace), namespace, connection };
}

afterAll(async () => {
  for (const namespace of namespaces) {
    const keys = await redis.keys(`qc:${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  for (const connection of connections) connection.disconnect();
  redis.disconnect();
});

const TOKEN = /^[A-Za-z0-9_-]{12}$/;

describe("tagged store (real Redis)", () => {
  it("reads an entry as stored, its tokens' line included, for entries that name their own tags", async () => {
    const { store } = fresh();
    expect(await store.rawEntry("r")).toBeNull();
    const { tokens } = await store.lookup("r", ["a", "b"]);
    expect(await store.store("r", ["a", "b"], tokens, "meta\nbody", 60_000)).toBe(true);
    expect((await store.rawEntry("r"))?.toString()).toBe(`${tokens.join(",")}\nmeta\nbody`);
  });

  it("makes random url-safe tokens", () => {
    const tokens = new Set(Array.from({ length: 50 }, () => newToken()));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(TOKEN);
  });

  it("creates the missing tokens on lookup, with a short life, and keeps them after", async () => {
    const { store, keys } = fresh();
    const first = await store.lookup("k", ["a", "b"]);
    expect(first).toEqual({
      payload: null,
      tokens: [expect.stringMatching(TOKEN), expect.stringMatching(TOKEN)],
      purged: false,
    });
    expect(first.tokens[0]).not.toBe(first.tokens[1]);
    expect(await redis.get(keys.token("a"))).toBe(first.tokens[0]);
    expect(await redis.get(keys.token("b"))).toBe(first.tokens[1]);
    const life = await redis.pttl(keys.token("a"));
    expect(life).toBeGreaterThan(NEW_TOKEN_TTL_MS - 5000);
    expect(life).toBeLessThanOrEqual(NEW_TOKEN_TTL_MS);
    const again = await store.lookup("other", ["b", "a"]);
    expect(again.tokens).toEqual([first.tokens[1], first.tokens[0]]);
    expect(await store.lookup("k", [])).toEqual({ payload: null, tokens: [], purged: false });
  });

  it("stores an entry with its tokens and TTL, and finds it while every token is current", async () => {
    const { store, keys } = fresh();
    const { tokens } = await store.lookup("k", ["a", "b"]);
    expect(await store.store("k", ["a", "b"], tokens, "payload-1", 1500.4)).toBe(true);
    // One string: the tokens the load saw, a newline, the payload (no envelope to parse on a hit).
    expect(await redis.get(keys.entry("k"))).toBe(`${tokens.join(",")}\npayload-1`);
    const ttl = await redis.pttl(keys.entry("k"));
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(1500);
    expect(await store.lookup("k", ["a", "b"])).toEqual({ payload: "payload-1", tokens, purged: false });
  });

  it("gives an entry at least a millisecond to live", async () => {
    const { store, keys } = fresh();
    const { tokens } = await store.lookup("k", ["a"]);
    expect(await store.store("k", ["a"], tokens, "p", 0.2)).toBe(true);
    // PX 0 would be refused by Redis; 1 ms is what a TTL rounded down to nothing becomes.
    expect(await redis.pttl(keys.entry("k"))).toBeLessThanOrEqual(1);
  });

  it("refuses a fill whose tokens were purged or evicted since the lookup", async () => {
    const { store, keys } = fresh();
    const seen = await store.lookup("k", ["a", "b"]);
    await store.purge(["b"]);
    expect(await store.store("k", ["a", "b"], seen.tokens, "old", 60_000)).toBe(false);
    expect(await redis.exists(keys.entry("k"))).toBe(0);

    const now = await store.lookup("k", ["a", "b"]);
    expect(now.tokens[0]).toBe(seen.tokens[0]);
    expect(now.tokens[1]).not.toBe(seen.tokens[1]);
    await store.evictToken("a");
    expect(await store.store("k", ["a", "b"], now.tokens, "old", 60_000)).toBe(false);
    // The tokens are only checked, never created, by a store.
    expect(await redis.exists(keys.token("a"))).toBe(0);
  });

  it("treats an entry as purged once any one of its tags was purged", async () => {
    const { store } = fresh();
    const { tokens } = await store.lookup("k", ["a", "b"]);
    await store.store("k", ["a", "b"], tokens, "v", 60_000);
    await store.purge(["b"]);
    const after = await store.lookup("k", ["a", "b"]);
    expect(after.payload).toBeNull();
    expect(after.purged).toBe(true);
    expect(after.tokens[0]).toBe(tokens[0]);
    expect(after.tokens[1]).not.toBe(tokens[1]);
  });

  it("treats an entry as purged when a token was evicted, or when it was stored under other tags", async () => {
    const { store } = fresh();
    const { tokens } = await store.lookup("k", ["a"]);
    await store.store("k", ["a"], tokens, "v", 60_000);
    // Read under two tags, of which the first matches: still not the entry these tags describe.
    expect(await store.lookup("k", ["a", "b"])).toMatchObject({ payload: null, purged: true });
    await store.evictToken("a");
    expect(await store.lookup("k", ["a"])).toMatchObject({ payload: null, purged: true });
  });

  it("makes every token of a stored entry outlive it, and never shortens one", async () => {
    const { store, keys } = fresh();
    const { tokens } = await store.lookup("k", ["a", "b"]);
    await redis.persist(keys.token("b")); // a token from before tokens had a TTL
    expect(await store.store("k", ["a", "b"], tokens, "v", 3 * 60 * 60_000)).toBe(true);
    const entryLife = await redis.pttl(keys.entry("k"));
    expect(await redis.pttl(keys.token("a"))).toBeGreaterThanOrEqual(entryLife + TOKEN_MARGIN_MS - 5000);
    expect(await redis.pttl(keys.token("b"))).toBe(-1);
    // A shorter entry later under the same token leaves its longer life alone.
    const longLife = await redis.pttl(keys.token("a"));
    const again = await store.lookup("k2", ["a"]);
    expect(await store.store("k2", ["a"], again.tokens, "v", 1000)).toBe(true);
    expect(await redis.pttl(keys.token("a"))).toBeGreaterThan(longLife - 5000);
  });

  it("reads the current tokens alone (the L1's check): null where a tag has none, nothing for no tags", async () => {
    const { store } = fresh();
    const { tokens } = await store.lookup("k", ["a", "b"]);
    expect(await store.tokens(["b", "missing", "a"])).toEqual([tokens[1], null, tokens[0]]);
    expect(await store.tokens([])).toEqual([]);
    await store.purge(["a"]);
    expect(await store.tokens(["a", "b"])).toEqual([null, tokens[1]]);
  });

  it("lets the token of a tag nothing was stored under expire: a tag of nothing costs nothing for long", async () => {
    const { store, keys } = fresh();
    await store.lookup("story:999999", ["story:999999"]); // a page of a story that does not exist
    const life = await redis.pttl(keys.token("story:999999"));
    expect(life).toBeGreaterThan(0);
    expect(life).toBeLessThanOrEqual(NEW_TOKEN_TTL_MS);
  });

  it("treats what is not an entry of ours as absent, and other tokens as purged, never as a value", async () => {
    const { store, keys } = fresh();
    await redis.set(keys.entry("garbage"), "not an entry {");
    expect(await store.lookup("garbage", ["a"])).toMatchObject({ payload: null, purged: false });
    await redis.set(keys.entry("number"), "42");
    expect(await store.lookup("number", ["a"])).toMatchObject({ payload: null, purged: false });
    // The JSON envelope of earlier versions: a miss, refilled in today's format.
    const { tokens } = await store.lookup("old", ["a"]);
    await redis.set(keys.entry("old"), JSON.stringify({ k: tokens, p: "v" }));
    expect(await store.lookup("old", ["a"])).toMatchObject({ payload: null, purged: false });
    await redis.set(keys.entry("other-tokens"), "someone-else\nv");
    expect(await store.lookup("other-tokens", ["a"])).toMatchObject({ payload: null, purged: true });
    await redis.set(keys.entry("no-tokens"), "\nv");
    expect(await store.lookup("no-tokens", ["a"])).toMatchObject({ payload: null, purged: true });
  });

  it("reads entry and tokens with one plain MGET when every token exists, and runs the script only to create one", async () => {
    const { store } = fresh();
    await store.lookup("k", ["a", "b"]); // creates both tokens (the script)
    const client = store.redis as unknown as { mget: unknown; taggedLookup: unknown };
    const mget = vi.spyOn(client as { mget: (...args: unknown[]) => unknown }, "mget");
    const script = vi.spyOn(client as { taggedLookup: (...args: unknown[]) => unknown }, "taggedLookup");
    try {
      await store.lookup("k", ["a", "b"]);
      expect([mget.mock.calls.length, script.mock.calls.length]).toEqual([1, 0]);
      await store.lookup("k", ["a", "b", "c"]); // c has no token yet
      expect([mget.mock.calls.length, script.mock.calls.length]).toEqual([2, 1]);
    } finally {
      mget.mockRestore();
      script.mockRestore();
    }
  });

  it("looks up many entries and all their tokens in one MGET, each judged against its own tokens", async () => {
    const { store } = fresh();
    const first = await store.lookupMany([
      { key: "p1", tags: ["post:1"] },
      { key: "p2", tags: ["post:2"] },
      { key: "page", tags: ["feed", "post:1"] },
    ]);
    expect(first.map((l) => l.payload)).toEqual([null, null, null]);
    // A shared tag has one token, the same in every lookup that names it.
    expect(first[2]?.tokens[1]).toBe(first[0]?.tokens[0]);
    expect(await store.store("p1", ["post:1"], first[0]?.tokens ?? [], "one", 60_000)).toBe(true);
    expect(await store.store("p2", ["post:2"], first[1]?.tokens ?? [], "two", 60_000)).toBe(true);

    const mget = vi.spyOn(store.redis as unknown as { mget: (...args: unknown[]) => unknown }, "mget");
    const pipeline = vi.spyOn(store.redis, "pipeline");
    try {
      const again = await store.lookupMany([
        { key: "p1", tags: ["post:1"] },
        { key: "p2", tags: ["post:2"] },
      ]);
      expect(again.map((l) => l.payload)).toEqual(["one", "two"]);
      expect([mget.mock.calls.length, pipeline.mock.calls.length]).toEqual([1, 0]);
      await store.purge(["post:2"]);
      const purged = await store.lookupMany([
        { key: "p1", tags: ["post:1"] },
        { key: "p2", tags: ["post:2"] },
        { key: "p3", tags: ["post:3"] }, // no token yet: created by the script, in one pipeline
      ]);
      expect(purged.map((l) => [l.payload, l.purged])).toEqual([
        ["one", false],
        [null, true],
        [null, false],
      ]);
      expect(purged[1]?.tokens[0]).not.toBe(again[1]?.tokens[0]);
      expect(purged[2]?.tokens[0]).toMatch(TOKEN);
      expect([mget.mock.calls.length, pipeline.mock.calls.length]).toEqual([2, 1]);
      expect(await store.lookupMany([])).toEqual([]);
    } finally {
      mget.mockRestore();
      pipeline.mockRestore();
    }
  });

  it("purges by deleting tokens only, and does nothing for no tags", async () => {
    const { store, keys } = fresh();
    const { tokens } = await store.lookup("k", ["a", "b", "c"]);
    await store.store("k", ["a", "b", "c"], tokens, "v", 60_000);
    await store.purge([]);
    expect((await store.lookup("k", ["a", "b", "c"])).payload).toBe("v");
    await store.purge(["a", "c"]);
    expect(await redis.exists(keys.token("a"), keys.token("b"), keys.token("c"))).toBe(1);
    expect(await redis.exists(keys.entry("k"))).toBe(1);
    expect((await store.lookup("k", ["a", "b", "c"])).purged).toBe(true);
  });

  it("locks a key for one holder at a time, for the TTL given, and unlocks only for that holder", async () => {
    const { store, keys } = fresh();
    const token = await store.tryLock("k", 5000);
    expect(token).toMatch(TOKEN);
    expect(await redis.get(keys.lock("k"))).toBe(token);
    const ttl = await redis.pttl(keys.lock("k"));
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
    expect(await store.tryLock("k", 5000)).toBeNull();
    expect(await store.tryLock("other", 5000)).toMatch(TOKEN);

    await store.unlock("k", "someone-else");
    expect(await redis.get(keys.lock("k"))).toBe(token);
    await store.unlock("k", token as string);
    expect(await redis.exists(keys.lock("k"))).toBe(0);
    expect(await store.tryLock("k", 5000)).toMatch(TOKEN);
  });

  it("lets a lock expire by itself", async () => {
    const { store } = fresh();
    expect(await store.tryLock("k", 30)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 60));
    expect(await store.tryLock("k", 30)).not.toBeNull();
  });

  it("evicts an entry as Redis would", async () => {
    const { store, keys } = fresh();
    const { tokens } = await store.lookup("k", ["a"]);
    await store.store("k", ["a"], tokens, "v", 60_000);
    await store.evictEntry("k");
    expect(await redis.exists(keys.entry("k"))).toBe(0);
    expect(await store.lookup("k", ["a"])).toEqual({ payload: null, tokens, purged: false });
  });

  it("keeps the namespace and connection it was made with", () => {
    const { store, namespace, connection } = fresh();
    expect(store.namespace).toBe(namespace);
    expect(store.redis).toBe(connection);
  });

  it("defines its scripts once per connection, for every store on it", async () => {
    const { store, connection, namespace } = fresh();
    const other = new TaggedStore(connection, `${namespace}-b`);
    for (const s of [store, other]) {
      const { tokens } = await s.lookup("k", ["a"]);
      expect(await s.store("k", ["a"], tokens, "v", 60_000)).toBe(true);
      const lock = await s.tryLock("k", 1000);
      await s.unlock("k", lock as string);
      expect(await s.tryLock("k", 1000)).not.toBeNull();
    }
    namespaces.push(`${namespace}-b`);
  });
});
