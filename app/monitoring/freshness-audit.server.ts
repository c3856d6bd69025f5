import { remember } from "@epic-web/remember";
import pLimit from "p-limit";
import type { z } from "zod";
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
  rate: number;

  constructor(options: AuditOptions) {
    this.rate = options.rate;
    this.random = options.random ?? Math.random;
    this.graceMs = options.graceMs ?? 1000;
    this.limit = pLimit(options.concurrency ?? 2);
    this.maxPending = options.maxPending ?? 1000;
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
    if (!query || this.pending.size >= this.maxPending) {
      this.stats.dropped += 1;
      return;
    }
    const work: Promise<void> = this.limit(() => this.audit(query, hit)).finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  private async audit(
    query: Query<z.ZodType, z.ZodType>,
    hit: { args: unknown; userId?: number; value: unknown; readStartedAt: number },
  ): Promise<void> {
    const { spec } = query;
    let current: unknown;
    try {
      current = spec.schema.parse(await spec.load(hit.args, { userId: hit.userId }));
    } catch (error) {
      this.stats.errors += 1;
      logger.debug({ err: error, query: spec.name }, "freshness audit: re-load failed");
      return;
    }
    const loadedAt = Date.now();
    this.stats.audited += 1;
    const served = stableJson(hit.value);
    const fresh = stableJson(current);
    const path = firstDifference(served, fresh);
    if (path === null) {
      this.stats.fresh += 1;
      return;
    }
    const tags = spec.tags(hit.args);
    // A write after the read began purges its tags right after its commit: give it the grace.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, loadedAt + this.graceMs - Date.now())));
    if (tags.some((tag) => (this.lastPurge.get(tag) ?? 0) >= hit.readStartedAt)) {
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
    const audit = new FreshnessAudit({ rate: config().auditRate });
    setCounterSources({
      audit: () => {
        const { audited, staleByQuery } = audit.snapshot();
        return { audited, staleHits: Object.entries(staleByQuery) };
      },
    });
    return audit;
  });
}
