import { remember } from "@epic-web/remember";
import type { Redis } from "ioredis";
import { cacheAvailability } from "~/cache/availability.server";
import { cacheKeys } from "~/cache/keys";
import { stableKey } from "~/cache/query-cache.server";

/**
 * What people read, kept so that warming repeats real reads (docs/design.md#warming), not everything:
 * - per tag, the keys read under it in the last RECENT_WINDOW_MS (at most KEYS_PER_TAG, newest
 *   kept): a purge of the tag warms them;
 * - per minute, how often each key was read: the scheduler keeps the hottest ones warm.
 * Reads are counted in memory and written once a second in one pipeline, so a cache hit costs no
 * extra round trip. Both indexes prune themselves (trimmed on every write, and expiring), so
 * nothing grows without end. They are hints: losing some (Redis down, a crash) only costs a miss.
 */

/** A read the worker can repeat: which query, with which arguments, for whom. */
export interface ReadRef {
  query: string;
  args: unknown;
  userId?: number;
}

export const RECENT_WINDOW_MS = 10 * 60_000;
export const KEYS_PER_TAG = 50;
const HOT_MINUTES = 5;
/** Per minute, only the most read keys are kept: the scheduler never wants more than these. */
const HOT_KEYS_KEPT = 1000;
const FLUSH_MS = 1000;
const MAX_PENDING = 5000;
/** Commands per pipeline when writing them (see flush). */
const FLUSH_CHUNK = 500;

export function encodeRead(read: ReadRef): string {
  return stableKey([read.query, read.args, read.userId ?? null]);
}

export function decodeRead(member: string): ReadRef | undefined {
  try {
    const [query, args, userId] = JSON.parse(member) as [unknown, unknown, unknown];
    if (typeof query !== "string") return undefined;
    return { query, args, userId: typeof userId === "number" ? userId : undefined };
  } catch {
    return undefined;
  }
}

export interface TrackingTarget {
  redis: Redis;
  namespace: string;
}

export class RecentReads {
  private pending = new Map<string, { tags: readonly string[]; count: number }>();
  private timer: NodeJS.Timeout | undefined;

  /** `target`: the cache's Redis and namespace, or undefined while Redis is unusable. */
  constructor(private readonly target: () => TrackingTarget | undefined) {}

  note(read: ReadRef, tags: readonly string[]): void {
    const member = encodeRead(read);
    const seen = this.pending.get(member);
    if (seen) seen.count += 1;
    else this.pending.set(member, { tags, count: 1 });
    if (this.pending.size >= MAX_PENDING) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes the reads counted so far. Never throws: these are hints. */
  async flush(now = Date.now()): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const target = this.target();
    if (!target) return;
    const keys = cacheKeys(target.namespace);
    const hot = keys.hot(Math.floor(now / 60_000));
    // Written in pipelines of at most FLUSH_CHUNK commands, one after another: an assembled page
    // notes a read per piece (a story of 100 scenes: 101 keys and tags), and one huge pipeline on
    // the cache's connection would hold up the reads queued behind it past their command timeout.
    let pipeline = target.redis.pipeline();
    const send = async (force = false) => {
      if (pipeline.length === 0 || (!force && pipeline.length < FLUSH_CHUNK)) return;
      const full = pipeline;
      pipeline = target.redis.pipeline();
      await full.exec().catch(() => {});
    };
    const touched = new Set<string>();
    for (const [member, { tags, count }] of batch) {
      pipeline.zincrby(hot, count, member);
      for (const tag of tags) {
        pipeline.zadd(keys.recent(tag), now, member);
        touched.add(tag);
      }
      await send();
    }
    pipeline.zremrangebyrank(hot, 0, -(HOT_KEYS_KEPT + 1));
    pipeline.pexpire(hot, (HOT_MINUTES + 1) * 60_000);
    for (const tag of touched) {
      const recent = keys.recent(tag);
      pipeline.zremrangebyscore(recent, "-inf", now - RECENT_WINDOW_MS);
      pipeline.zremrangebyrank(recent, 0, -(KEYS_PER_TAG + 1));
      pipeline.pexpire(recent, RECENT_WINDOW_MS);
      await send();
    }
    await send(true);
  }

  /** The keys read recently under any of `tags` (each once), at most `limit`. */
  async under(tags: readonly string[], limit: number, now = Date.now()): Promise<ReadRef[]> {
    const target = this.target();
    if (!target || tags.length === 0) return [];
    const keys = cacheKeys(target.namespace);
    const pipeline = target.redis.pipeline();
    for (const tag of tags) {
      pipeline.zrevrangebyscore(keys.recent(tag), "+inf", now - RECENT_WINDOW_MS, "LIMIT", 0, KEYS_PER_TAG);
    }
    const replies = (await pipeline.exec()) ?? [];
    const members = new Set<string>();
    for (const [error, list] of replies) {
      if (error) throw error;
      for (const member of list as string[]) members.add(member);
    }
    return decodeAll([...members].slice(0, limit));
  }

  /** The most read keys of the last few minutes, most read first. */
  async hottest(limit: number, now = Date.now()): Promise<{ read: ReadRef; reads: number }[]> {
    const target = this.target();
    if (!target || limit <= 0) return [];
    const keys = cacheKeys(target.namespace);
    const minute = Math.floor(now / 60_000);
    const pipeline = target.redis.pipeline();
    for (let m = minute - HOT_MINUTES + 1; m <= minute; m++)
      pipeline.zrevrange(keys.hot(m), 0, limit - 1, "WITHSCORES");
    const counts = new Map<string, number>();
    for (const [error, flat] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      const list = flat as string[];
      for (let i = 0; i < list.length; i += 2) {
        const member = list[i] as string;
        counts.set(member, (counts.get(member) ?? 0) + Number(list[i + 1]));
      }
    }
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .flatMap(([member, reads]) => {
        const read = decodeRead(member);
        return read ? [{ read, reads }] : [];
      });
  }
}

/** This process's tracker, writing to the cache's Redis whenever purges could reach it. */
export function recentReads(): RecentReads {
  return remember(
    "warming.recentReads",
    () =>
      new RecentReads(() => {
        const store = cacheAvailability().forPurges();
        return store && { redis: store.redis, namespace: store.namespace };
      }),
  );
}

function decodeAll(members: string[]): ReadRef[] {
  return members.flatMap((member) => {
    const read = decodeRead(member);
    return read ? [read] : [];
  });
}
