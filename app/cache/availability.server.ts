import { remember } from "@epic-web/remember";
import type { Redis } from "ioredis";
import { config } from "~/config.server";
import { db } from "~/db/connection.server";
import { logger } from "~/lib/logger.server";
import { CircuitBreaker } from "./circuit-breaker";
import { cacheGenerationFor, namespaceInGeneration } from "./namespace.server";
import { drainOutbox } from "./outbox.server";
import { cacheRedis } from "./redis.server";
import { TaggedStore } from "./tagged-store.server";

/**
 * Decides, per call, whether the cache may use Redis (docs/decisions/003-fail-open.md, 002-purge-outbox.md):
 * - no Redis connection, or not ready: bypass;
 * - the circuit breaker is open (Redis failing or frozen): bypass, without waiting on timeouts;
 * - coming back from an outage (or just started): bypass until the purge outbox holds nothing
 *   older than the recovery, so writes made during the outage are purged before any cached read;
 *   and until this Redis's `run_id` is checked: a Redis that restarted (from a snapshot, say) may
 *   hold tokens that purges had deleted, so a new run_id moves every key to a new generation
 *   (namespace.server.ts, docs/decisions/010-redis-restarts-rotate-the-cache.md).
 */
class CacheAvailability {
  readonly breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });
  private recoveringSince: Date | undefined = new Date();
  private recovery: Promise<void> | undefined;
  private watched = new WeakSet<Redis>();
  private stores = new WeakMap<Redis, TaggedStore>();
  private namespace: string | undefined;
  /** The generation of the Redis whose run_id was checked last (undefined: not checked yet). */
  private generation: { runId: string; generation: string } | undefined;

  /** The database's cache namespace (read at start-up); without one the cache stays off. */
  useNamespace(namespace: string) {
    this.namespace = namespace;
    this.generation = undefined;
    this.stores = new WeakMap();
  }

  /** The database's namespace (queues and limits are named by it; keys add the generation). */
  currentNamespace(): string | undefined {
    return this.namespace;
  }

  private storeOf(redis: Redis, namespace: string): TaggedStore {
    const prefix = namespaceInGeneration(namespace, this.generation?.generation ?? "");
    let store = this.stores.get(redis);
    if (!store || store.namespace !== prefix) {
      store = new TaggedStore(redis, prefix);
      this.stores.set(redis, store);
    }
    return store;
  }

  /**
   * Reads the Redis's run_id; a new one (a restart, a failover) gets its generation from the
   * database before any read uses this Redis. Answers whether the generation changed.
   */
  private async checkRunId(redis: Redis): Promise<boolean> {
    const runId = /^run_id:(\w+)/m.exec(await redis.info("server"))?.[1];
    if (!runId) throw new Error("INFO server has no run_id");
    if (this.generation?.runId === runId) return false;
    const before = this.generation?.generation;
    const generation = await cacheGenerationFor(db(), runId);
    this.generation = { runId, generation };
    return before !== undefined && before !== generation;
  }

  private watch(redis: Redis) {
    if (this.watched.has(redis)) return;
    this.watched.add(redis);
    redis.on("close", () => this.outage({ trip: true }));
  }

  /** Reads stop using Redis until a recovery; a lost connection also opens the breaker. */
  private outage({ trip }: { trip: boolean }) {
    if (trip && this.breaker.state === "closed") this.breaker.trip();
    this.recoveringSince ??= new Date();
  }

  /** The store for a cached read, or undefined to read from the database. */
  forReads(): TaggedStore | undefined {
    if (config().cacheMode === "off" || !this.namespace) return undefined;
    const redis = this.connected();
    if (!redis) return undefined;
    if (this.recoveringSince || this.breaker.state !== "closed") {
      void this.recover(redis, this.namespace);
      return undefined;
    }
    return this.storeOf(redis, this.namespace);
  }

  /**
   * The store for a purge: any time Redis answers (a purge during recovery is what we want). Once
   * a recovery found a new run_id, purges go to the new generation (the old one is never read).
   */
  forPurges(): TaggedStore | undefined {
    const redis = this.connected();
    if (!redis || !this.namespace || (this.breaker.state === "open" && !this.breaker.allow())) return undefined;
    return this.storeOf(redis, this.namespace);
  }

  report(ok: boolean) {
    if (ok) {
      if (this.breaker.state !== "closed") this.breaker.success();
      return;
    }
    const wasClosed = this.breaker.state === "closed";
    this.breaker.failure();
    if (wasClosed && this.breaker.state === "open") this.outage({ trip: false });
  }

  private connected(): Redis | undefined {
    const redis = cacheRedis();
    if (!redis) return undefined;
    this.watch(redis);
    if (redis.status !== "ready") {
      this.outage({ trip: false });
      return undefined;
    }
    return redis;
  }

  /** Replays the outbox up to the outage's start, then lets reads use the cache again. */
  private recover(redis: Redis, namespace: string): Promise<void> {
    if (this.recovery) return this.recovery;
    if (this.breaker.state !== "closed" && !this.breaker.allow()) return Promise.resolve();
    const outage = this.recoveringSince;
    this.recovery = (async () => {
      try {
        // The probe: an empty outbox would not touch Redis, and a frozen Redis must not pass.
        await redis.ping();
        // A restarted Redis may have come back with tokens purges had deleted: a new generation.
        if (await this.checkRunId(redis)) {
          logger.warn(
            { generation: this.generation },
            "cache: Redis restarted or failed over; keys move to a new generation",
          );
        }
        // Everything written up to now, during the outage included, is purged before any read.
        const { rows: replayed } = await drainOutbox(this.storeOf(redis, namespace), { upTo: new Date() });
        this.breaker.success();
        if (this.recoveringSince === outage) this.recoveringSince = undefined;
        logger.info({ replayed }, "cache: purge outbox is clear, reads use Redis again");
      } catch (error) {
        this.breaker.failure();
        logger.debug({ err: error }, "cache: recovery failed, still bypassing");
      } finally {
        this.recovery = undefined;
      }
    })();
    return this.recovery;
  }

  /**
   * Waits (at most `timeoutMs`) until reads may use Redis: connected, and the start-up drain of the
   * outbox done. Start-up calls this so the first requests do not all bypass; without Redis it
   * just returns after the timeout.
   */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.forReads()) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  /** For /readyz and metrics. */
  state() {
    return { breaker: this.breaker.state, recovering: this.recoveringSince !== undefined };
  }

  /** The key generation in use ("" before any Redis change), or null before the first run_id check. */
  currentGeneration(): string | null {
    return this.generation?.generation ?? null;
  }
}

export function cacheAvailability(): CacheAvailability {
  return remember("cache.availability", () => new CacheAvailability());
}
