import { remember } from "@epic-web/remember";
import pLimit from "p-limit";
import type { z } from "zod";
import { cacheAvailability } from "~/cache/availability.server";
import { type Query, queryRegistry } from "~/cache/define-query.server";
import type { CacheEvents } from "~/cache/events";
import { firstDifference, valueAt } from "~/cache/freshness.server";
import { config } from "~/config.server";
import { logger } from "~/lib/logger.server";
import { setCounterSources } from "./prometheus.server";

/**
 * The freshness audit (docs/operations.md#the-freshness-audit): a sampled share of cache hits
 * (`CACHE_AUDIT_RATE`) is re-loaded from the database in the background, through the query
 * registry (the query's own `load` and value schema, never the cache), and compared as stable JSON
 * with the value served. A difference that no purge of the query's tags explains is a *stale
 * hit*: a mutation forgot a tag. Queries are found by the name the `served` event carries, so the
 * audit knows none of them.
 *
 * A write that lands after the hit was served is not a stale hit: its purge follows its commit.
 * So a difference counts only when no purge of one of the query's tags was seen from the moment the
 * read started until `graceMs` after the audit's load (purges of this process, and of the others
 * when the cluster publisher relays them through `notePurge`); otherwise it is `inconclusive`.
 * Purges made by other instances are seen in Redis itself: the tags' tokens are read when the hit
 * is sampled and again before a difference is called stale; a token that changed (or vanished)
 * means the tag was purged since, wherever it was, and the difference is `inconclusive` too.
 *
 * Hits of one query (and reader) sampled together, as the pieces of one page are, are re-loaded
 * in one `loadMany` when the query has one: one database round trip for a page, not one a piece.
 */
export interface StaleHit {
  query: string;
  args: unknown;
  userId: number | undefined;
  tags: string[];
  /** Where the first difference is, e.g. `chapters[0].scenes[2].content`; "" for the whole value. */
  path: string;
  served: unknown;
  current: unknown;
  at: string;
}

export interface AuditStats {
  /** Hits chosen by the sampling rate. */
  sampled: number;
  /** Sampled hits re-loaded and compared. */
  audited: number;
  fresh: number;
  stale: number;
  /** Differed, but a purge of the query's tags came after the read began: a write, not a bug. */
  inconclusive: number;
  /** Sampled but not audited: too many audits waiting, or the query is not in this build. */
  dropped: number;
  /** The re-load itself failed (a database error): nothing can be said. */
  errors: number;
  staleByQuery: Record<string, number>;
  /** The latest stale hits, newest first (at most 50). */
  recent: StaleHit[];
}

export interface AuditOptions {
  rate: number;
  random?: () => number;
  /** How long after its load a purge still explains a difference (commit → purge). */
  graceMs?: number;
  concurrency?: number;
  /** Audits waiting beyond this are dropped (counted): the audit never piles up work. */
  maxPending?: number;
  onStale?: (hit: StaleHit) => void;
  /**
   * The current tokens of tags (the cache's Redis, as the engine's lookup reads them), or undefined
   * when they cannot be read: what tells a purge by another instance. Without it, only purges this
   * process saw (or was told of) explain a difference.
   */
  tokens?: (tags: readonly string[]) => Promise<readonly (string | null)[] | undefined>;
  /** At most this many hits of one query in one re-load (`loadMany`). */
  batchSize?: number;
}

interface SampledHit {
  args: unknown;
  userId?: number;
  value: unknown;
  readStartedAt: number;
  tags: string[];
  /** The tags' tokens right after the hit was served (undefined: unknown). */
  tokensAtServe: Promise<readonly (string | null)[] | undefined>;
}

const RECENT = 50;
/** Purge times kept per tag: enough to cover any read in flight plus the grace. */
const PURGE_MEMORY_MS = 60_000;

/** JSON's view of a value, keys sorted: Dates become ISO strings, undefined properties vanish. */
export function stableJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}

export class FreshnessAudit {
  private stats: AuditStats = FreshnessAudit.empty();
  private readonly lastPurge = new Map<string, number>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly pending = new Set<Promise<void>>();
  private readonly random: () => number;
  private readonly graceMs: number;
  private readonly maxPending: number;
  private readonly listeners = new Set<(hit: StaleHit) => void>();
  private readonly tokens: NonNullable<AuditOptions["tokens"]>;
  private readonly batchSize: number;
  /** Hits sampled in this turn of the event loop, by query and reader: re-loaded together. */
  private gathering = new Map<string, { query: Query<z.ZodType, z.ZodType>; hits: SampledHit[] }>();
  private waiting = 0;
  rate: number;

  constructor(options: AuditOptions) {
    this.rate = options.rate;
    this.random = options.random ?? Math.random;
    this.graceMs = options.graceMs ?? 1000;
    this.limit = pLimit(options.concurrency ?? 2);
    this.maxPending = options.maxPending ?? 1000;
    this.tokens = options.tokens ?? (async () => undefined);
    this.batchSize = options.batchSize ?? 100;
    if (options.onStale) this.listeners.add(options.onStale);
  }

  private static empty(): AuditStats {
    return {
      sampled: 0,
      audited: 0,
      fresh: 0,
      stale: 0,
      inconclusive: 0,
      dropped: 0,
      errors: 0,
      staleByQuery: {},
      recent: [],
    };
  }

  /** Subscribes to the engine's `served` (hits to sample) and `purged` (what explains a difference). */
  observe(events: CacheEvents): () => void {
    const offServed = events.on("served", ({ query, status, ms, args, userId, value, batch }) => {
      // The pieces of one page come as a batch: sampled so that a page, not each piece, is audited
      // at the rate (else a page of 100 pieces would cost a load per view at 1 %). Rate 1 (tests)
      // still audits every hit.
      const rate = this.rate < 1 && batch !== undefined && batch > 1 ? this.rate / batch : this.rate;
      if (status !== "hit" || rate <= 0 || this.random() >= rate) return;
      this.sample({ query, args, userId, value, readStartedAt: Date.now() - ms });
    });
    const offPurged = events.on("purged", ({ tags }) => this.notePurge(tags));
    return () => {
      offServed();
      offPurged();
    };
  }

  /** A purge seen here or (through the cluster channel) on another instance. */
  notePurge(tags: readonly string[], at = Date.now()): void {
    for (const tag of tags) this.lastPurge.set(tag, Math.max(at, this.lastPurge.get(tag) ?? 0));
    if (this.lastPurge.size > 10_000) {
      for (const [tag, when] of this.lastPurge) if (when < at - PURGE_MEMORY_MS) this.lastPurge.delete(tag);
    }
  }

  /** Called with each stale hit (the alert evaluator subscribes). */
  onStale(listener: (hit: StaleHit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private sample(hit: { query: string; args: unknown; userId?: number; value: unknown; readStartedAt: number }) {
    this.stats.sampled += 1;
    const query = queryRegistry.get(hit.query);
    if (!query || this.waiting >= this.maxPending) {
      this.stats.dropped += 1;
      return;
    }
    this.waiting += 1;
    const tags = query.spec.tags(hit.args);
    // Read now, right after the hit was served: what a later purge anywhere will have changed.
    const tokensAtServe = this.tokens(tags).catch(() => undefined);
    const group = `${hit.query}\u0000${hit.userId ?? ""}`;
    let gathered = this.gathering.get(group);
    if (!gathered) {
      gathered = { query, hits: [] };
      this.gathering.set(group, gathered);
      // The rest of this batch's pieces are sampled in the same turn: re-load them together.
      if (this.gathering.size === 1) {
        const flushed = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
        this.track(flushed);
      }
    }
    gathered.hits.push({ ...hit, tags, tokensAtServe });
  }

  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Starts the re-loads of what was gathered, in batches of at most `batchSize`. */
  private flush(): void {
    const groups = [...this.gathering.values()];
    this.gathering = new Map();
    for (const { query, hits } of groups) {
      for (let i = 0; i < hits.length; i += this.batchSize) {
        const batch = hits.slice(i, i + this.batchSize);
        this.track(
          this.audit(query, batch).finally(() => {
            this.waiting -= batch.length;
          }),
        );
      }
    }
  }

  /** The database's values for the hits' arguments: one `loadMany` for several, else `load`. */
  private async reload(query: Query<z.ZodType, z.ZodType>, hits: SampledHit[]): Promise<unknown[]> {
    const { spec } = query;
    const context = { userId: hits[0]?.userId };
    const raw =
      hits.length > 1 && spec.loadMany
        ? await spec.loadMany(
            hits.map((hit) => hit.args),
            context,
          )
        : await Promise.all(hits.map((hit) => spec.load(hit.args, context)));
    return raw.map((value) => spec.schema.parse(value));
  }

  /**
   * Re-loads (at most `concurrency` at once), then compares outside that limit: a difference waits
   * out the grace without holding up the next audits' loads.
   */
  private async audit(query: Query<z.ZodType, z.ZodType>, hits: SampledHit[]): Promise<void> {
    let currents: unknown[];
    try {
      currents = await this.limit(() => this.reload(query, hits));
    } catch (error) {
      this.stats.errors += hits.length;
      logger.debug({ err: error, query: query.spec.name }, "freshness audit: re-load failed");
      return;
    }
    const loadedAt = Date.now();
    await Promise.all(hits.map((hit, i) => this.compare(query, hit, currents[i], loadedAt)));
  }

  private async compare(
    query: Query<z.ZodType, z.ZodType>,
    hit: SampledHit,
    current: unknown,
    loadedAt: number,
  ): Promise<void> {
    const { spec } = query;
    this.stats.audited += 1;
    const served = stableJson(hit.value);
    const fresh = stableJson(current);
    const path = firstDifference(served, fresh);
    if (path === null) {
      this.stats.fresh += 1;
      return;
    }
    const { tags } = hit;
    // A write after the read began purges its tags right after its commit: give it the grace.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, loadedAt + this.graceMs - Date.now())));
    if (tags.some((tag) => (this.lastPurge.get(tag) ?? 0) >= hit.readStartedAt)) {
      this.stats.inconclusive += 1;
      return;
    }
    // A purge by another instance: a token differs from the one read when the hit was served.
    const [before, now] = await Promise.all([hit.tokensAtServe, this.tokens(tags).catch(() => undefined)]);
    if (before && now && tags.some((_, i) => now[i] === null || now[i] !== before[i])) {
      this.stats.inconclusive += 1;
      return;
    }
    const stale: StaleHit = {
      query: spec.name,
      args: hit.args,
      userId: hit.userId,
      tags,
      path,
      served: valueAt(served, path),
      current: valueAt(fresh, path),
      at: new Date().toISOString(),
    };
    this.stats.stale += 1;
    this.stats.staleByQuery[spec.name] = (this.stats.staleByQuery[spec.name] ?? 0) + 1;
    this.stats.recent = [stale, ...this.stats.recent].slice(0, RECENT);
    logger.error(
      { staleHit: { query: stale.query, args: stale.args, tags: stale.tags, path: stale.path, userId: stale.userId } },
      `freshness audit: STALE HIT of ${stale.query} (a mutation did not purge one of ${tags.join(", ")})`,
    );
    for (const listener of this.listeners) listener(stale);
  }

  /** Resolves once every audit started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  snapshot(): AuditStats {
    return { ...this.stats, staleByQuery: { ...this.stats.staleByQuery }, recent: [...this.stats.recent] };
  }

  reset(): void {
    this.stats = FreshnessAudit.empty();
  }
}

/** This process's audit, at `CACHE_AUDIT_RATE`; the composition root subscribes it. */
export function freshnessAudit(): FreshnessAudit {
  return remember("monitoring.freshnessAudit", () => {
    const audit = new FreshnessAudit({
      rate: config().auditRate,
      // The tokens in the cache's Redis now (none while it is unusable: then only seen purges count).
      tokens: async (tags) => cacheAvailability().forReads()?.tokens(tags),
    });
    setCounterSources({
      audit: () => {
        const { audited, staleByQuery } = audit.snapshot();
        return { audited, staleHits: Object.entries(staleByQuery) };
      },
    });
    return audit;
  });
}
