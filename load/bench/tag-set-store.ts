import type { Redis } from "ioredis";

/**
 * The baseline `npm run bench:cache` (load/bench/cache.ts) measures the cache core against: a plain
 * tag-set cache, the common design, written as small and as fast as it honestly is.
 *
 * - store: `SET key value PX ttl` and `SADD` of the key to a set per tag, in one MULTI;
 * - hit: one `GET` and one `JSON.parse`;
 * - purge(tag): `SMEMBERS` of the tag's set, then `DEL` of those members and `SREM` of them from the
 *   set (in one MULTI), which removes the set once it is empty. Not a `DEL` of the set: a key added
 *   between the two round trips would lose its index and outlive every later purge, a flaw of its
 *   own that would swamp the race the benchmark is after.
 *
 * Nothing guards a fill, and that is the point of it: a load that read old rows before a purge stores
 * them after it, where they are served until the next purge of a tag or their TTL. The benchmark
 * counts those reads; do not fix the race here.
 */
export class TagSetStore {
  /** `prefix` keeps its keys apart (the benchmark's namespace, removed afterwards). */
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {}

  private entryKey(key: string): string {
    return `${this.prefix}e:${key}`;
  }

  private setKey(tag: string): string {
    return `${this.prefix}s:${tag}`;
  }

  /** The entry's bytes and their parse, or null when there is none. */
  async get(key: string): Promise<{ raw: string; value: unknown } | null> {
    const raw = await this.redis.get(this.entryKey(key));
    return raw === null ? null : { raw, value: JSON.parse(raw) };
  }

  /** Stores `raw` (JSON) for `ttlMs` and adds the key to the set of each of its tags. */
  async store(key: string, tags: readonly string[], raw: string, ttlMs: number): Promise<void> {
    const entry = this.entryKey(key);
    const multi = this.redis.multi().set(entry, raw, "PX", Math.max(1, Math.round(ttlMs)));
    for (const tag of tags) multi.sadd(this.setKey(tag), entry);
    await multi.exec();
  }

  /** Deletes every entry the tag's set names, and takes them out of the set (gone once empty). */
  async purge(tag: string): Promise<void> {
    const set = this.setKey(tag);
    const members = await this.redis.smembers(set);
    if (members.length === 0) return;
    await this.redis
      .multi()
      .del(...members)
      .srem(set, ...members)
      .exec();
  }
}
