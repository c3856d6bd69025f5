import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { cacheKeys } from "./keys";

/**
 * The generational tag store (docs/decisions/001-generational-tags.md), the mechanism under every cached read.
 *
 * Each tag has a token in Redis, a random value created when first needed. An entry is stored with
 * the tokens its load saw, and is valid only while every one of them is still the current token.
 * Purging a tag deletes its token (O(1) whatever the number of entries under it), so every entry
 * stored under the old token is dead at once, and so is an entry whose token Redis evicted.
 *
 * The race that defeats delete-then-refill caches is a slow load that read old rows before a purge
 * and stores them after it. Here the tokens are captured by `lookup`, in the round trip *before* the
 * load starts: a purge in between deletes them, so `store` (a compare-and-set) refuses the fill, and
 * even a fill that got through could never be read, because `lookup` compares tokens again.
 */

/** What a lookup found: the entry's payload when it is valid, and the tokens to fill with. */
export interface Lookup {
  /** The stored payload, or null when absent or stale by tag (a purge or an eviction). */
  payload: string | null;
  /** The current token of each tag, in the order of the tags given (created when missing). */
  tokens: string[];
  /** An entry existed but one of its tags was purged (or its token evicted) since it was stored. */
  purged: boolean;
}

/**
 * A token is created with a short life, NEW_TOKEN_TTL_MS, and every store extends the tokens of its
 * tags to outlive the entry (its TTL + TOKEN_MARGIN_MS). So the tokens of tags nothing was ever
 * stored under (a page of an id that does not exist) go away by themselves, and a token never dies
 * before an entry under it. A token that expires is a purge: safe, like an eviction.
 */
export const NEW_TOKEN_TTL_MS = 10 * 60_000;
export const TOKEN_MARGIN_MS = 60_000;

// KEYS[1] entry, KEYS[2..n] tag tokens; ARGV[1] new-token TTL ms; ARGV[2..n] new tokens for tags
// that have none. Returns the raw entry (or false) followed by the current token of each tag.
const LOOKUP = `
local out = { redis.call('GET', KEYS[1]) }
for i = 2, #KEYS do
  local token = redis.call('GET', KEYS[i])
  if not token then
    token = ARGV[i]
    redis.call('SET', KEYS[i], token, 'PX', ARGV[1])
  end
  out[i] = token
end
return out`;

// KEYS[1] entry, KEYS[2..n] tag tokens; ARGV[1] entry value, ARGV[2] ttl ms, ARGV[3] the TTL the
// tokens must have at least, ARGV[4..] the tokens captured before the load. Stores only while every
// token is unchanged (1 stored, 0 refused), then makes each token outlive the entry (a token
// without a TTL, from before tokens had one, keeps none).
const STORE = `
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[i + 2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local keep = tonumber(ARGV[3])
for i = 2, #KEYS do
  local left = redis.call('PTTL', KEYS[i])
  if left >= 0 and left < keep then redis.call('PEXPIRE', KEYS[i], keep) end
end
return 1`;

// KEYS[1] lock; ARGV[1] the holder's token. Deletes the lock only if we still hold it.
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * An entry in Redis is one string: the tokens its load saw (comma-separated, in tag order), a
 * newline, then the payload. A hit compares that first line with the current tokens as a string
 * and hands the rest on: no envelope to parse (tokens are base64url: never a comma or a newline).
 */
export function encodeEntry(tokens: readonly string[], payload: string): string;
export function encodeEntry(tokens: readonly string[], payload: string | Buffer): string | Buffer;
export function encodeEntry(tokens: readonly string[], payload: string | Buffer): string | Buffer {
  const line = `${tokens.join(",")}\n`;
  return typeof payload === "string" ? line + payload : Buffer.concat([Buffer.from(line), payload]);
}

/** An entry's first line (its tokens, comma-separated) and payload, or null when it is not one. */
export function splitEntry(raw: string): { tokens: string; payload: string } | null {
  const cut = raw.indexOf("\n");
  return cut < 0 ? null : { tokens: raw.slice(0, cut), payload: raw.slice(cut + 1) };
}

/** An entry as read (or null) against the current tokens of its tags: valid, purged or absent. */
function judge(raw: string | null | undefined, tokens: string[]): Lookup {
  if (raw === null || raw === undefined) return { payload: null, tokens, purged: false };
  const entry = splitEntry(raw);
  if (!entry) return { payload: null, tokens, purged: false }; // not an entry of ours
  const valid = entry.tokens === tokens.join(",");
  return valid ? { payload: entry.payload, tokens, purged: false } : { payload: null, tokens, purged: true };
}

/** The two scripts, defined once per connection (ioredis sends EVALSHA, and the script on NOSCRIPT). */
interface WithScripts {
  taggedLookup(...args: (string | number)[]): Promise<(string | null)[]>;
  taggedStore(...args: (string | number | Buffer)[]): Promise<number>;
  taggedUnlock(...args: (string | number)[]): Promise<number>;
}
const prepared = new WeakMap<Redis, WithScripts>();

function scripts(redis: Redis): WithScripts {
  let client = prepared.get(redis);
  if (!client) {
    redis.defineCommand("taggedLookup", { lua: LOOKUP });
    redis.defineCommand("taggedStore", { lua: STORE });
    redis.defineCommand("taggedUnlock", { lua: UNLOCK });
    client = redis as unknown as WithScripts;
    prepared.set(redis, client);
  }
  return client;
}

export function newToken(): string {
  return randomBytes(9).toString("base64url");
}

/** What the read path needs of a store (a test can put gates in front of each call). */
export interface TagStore {
  lookup(key: string, tags: readonly string[]): Promise<Lookup>;
  /** Many lookups in one round trip (`readMany`); the engine falls back to one lookup each. */
  lookupMany?(items: readonly { key: string; tags: readonly string[] }[]): Promise<Lookup[]>;
  /** The current token of each tag (null where it has none), without the entry: the L1's check. */
  tokens?(tags: readonly string[]): Promise<(string | null)[]>;
  store(
    key: string,
    tags: readonly string[],
    tokens: readonly string[],
    payload: string,
    ttlMs: number,
  ): Promise<boolean>;
  purge(tags: readonly string[]): Promise<void>;
  tryLock(key: string, ttlMs: number): Promise<string | null>;
  unlock(key: string, token: string): Promise<void>;
}

export class TaggedStore implements TagStore {
  private readonly scripts: WithScripts;
  private readonly keys: ReturnType<typeof cacheKeys>;

  /** `namespace` separates databases sharing one Redis (see namespace.server.ts). */
  constructor(
    readonly redis: Redis,
    readonly namespace: string,
  ) {
    this.scripts = scripts(redis);
    this.keys = cacheKeys(namespace);
  }

  /**
   * Entry and tokens in one round trip. The common case is one plain MGET (atomic, like the script:
   * the tokens are those of one instant); only when a tag has no token yet does the script run,
   * creating the missing tokens.
   */
  async lookup(key: string, tags: readonly string[]): Promise<Lookup> {
    const entryKey = this.keys.entry(key);
    const tokenKeys = tags.map(this.keys.token);
    let reply = (await this.redis.mget(entryKey, ...tokenKeys)) as (string | null)[];
    if (reply.some((token, i) => i > 0 && token === null)) {
      reply = await this.scripts.taggedLookup(
        1 + tags.length,
        entryKey,
        ...tokenKeys,
        NEW_TOKEN_TTL_MS,
        ...tags.map(() => newToken()),
      );
    }
    const [raw, ...tokens] = reply as [string | null, ...string[]];
    return judge(raw, tokens);
  }

  /**
   * Many entries and all their tokens in one MGET (the tokens of one instant, shared tags read
   * once). Items with a missing token go through the script, pipelined: one more round trip, only
   * then.
   */
  async lookupMany(items: readonly { key: string; tags: readonly string[] }[]): Promise<Lookup[]> {
    if (items.length === 0) return [];
    const tags = [...new Set(items.flatMap((item) => item.tags))];
    const reply = (await this.redis.mget(
      ...items.map((item) => this.keys.entry(item.key)),
      ...tags.map(this.keys.token),
    )) as (string | null)[];
    const tokenOf = new Map(tags.map((tag, i) => [tag, reply[items.length + i] ?? null]));
    const lookups: (Lookup | undefined)[] = items.map((item, i) => {
      const tokens = item.tags.map((tag) => tokenOf.get(tag) ?? null);
      if (tokens.some((token) => token === null)) return undefined;
      return judge(reply[i] ?? null, tokens as string[]);
    });
    const missing = items.flatMap((item, i) => (lookups[i] === undefined ? [{ item, i }] : []));
    if (missing.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const { item } of missing) {
        (pipeline as unknown as WithScripts).taggedLookup(
          1 + item.tags.length,
          this.keys.entry(item.key),
          ...item.tags.map(this.keys.token),
          NEW_TOKEN_TTL_MS,
          ...item.tags.map(() => newToken()),
        );
      }
      const results = (await pipeline.exec()) ?? [];
      missing.forEach(({ i }, n) => {
        const [error, raw] = results[n] ?? [new Error("no reply from the pipeline"), null];
        if (error) throw error;
        const [entry, ...tokens] = raw as [string | null, ...string[]];
        lookups[i] = judge(entry, tokens);
      });
    }
    return lookups as Lookup[];
  }

  /**
   * An entry's bytes as stored, its first line (tokens) included, not judged: for entries that name
   * their own tags inside their payload (the response cache), whose tokens are read once they are
   * known, and whose payload is bytes to send, not text to parse.
   */
  async rawEntry(key: string): Promise<Buffer | null> {
    return await this.redis.getBuffer(this.keys.entry(key));
  }

  async tokens(tags: readonly string[]): Promise<(string | null)[]> {
    return tags.length === 0 ? [] : await this.redis.mget(...tags.map(this.keys.token));
  }

  /**
   * Stores `payload` for `ttlMs` if none of the tags was purged since `tokens` were captured.
   * Returns false for a refused (stale) fill.
   */
  async store(
    key: string,
    tags: readonly string[],
    tokens: readonly string[],
    payload: string | Buffer,
    ttlMs: number,
  ) {
    const stored = await this.scripts.taggedStore(
      1 + tags.length,
      this.keys.entry(key),
      ...tags.map(this.keys.token),
      encodeEntry(tokens, payload),
      Math.max(1, Math.round(ttlMs)),
      Math.max(1, Math.round(ttlMs)) + TOKEN_MARGIN_MS,
      ...tokens,
    );
    return stored === 1;
  }

  /** Purges tags: every entry stored under their current tokens is dead from now on. */
  async purge(tags: readonly string[]): Promise<void> {
    if (tags.length > 0) await this.redis.del(...tags.map(this.keys.token));
  }

  /**
   * A short lock so that, across instances, one loads a missing key while the others wait for its
   * entry. Returns the holder's token, or null when someone else holds it. It expires by itself.
   */
  async tryLock(key: string, ttlMs: number): Promise<string | null> {
    const token = newToken();
    return (await this.redis.set(this.keys.lock(key), token, "PX", ttlMs, "NX")) === "OK" ? token : null;
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.scripts.taggedUnlock(1, this.keys.lock(key), token);
  }

  /** Removes an entry (for tests that play Redis evicting it). */
  async evictEntry(key: string): Promise<void> {
    await this.redis.del(this.keys.entry(key));
  }

  /** Removes a tag's token as LRU eviction would (for tests). */
  async evictToken(tag: string): Promise<void> {
    await this.redis.del(this.keys.token(tag));
  }
}
