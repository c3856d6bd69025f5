import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { TagStore } from "~/cache/tagged-store.server";
import {
  CI_RUNS,
  engineReader,
  engineWithL1Reader,
  newCoverage,
  noStaleRead,
  type ReaderFactory,
} from "../support/cache-histories";

/**
 * The invariant of docs/decisions/001-generational-tags.md over random histories against a real Redis (see
 * tests/support/cache-histories.ts): no read that starts after a write was acknowledged returns
 * data older than it, on either of two engines, through evictions, restarts and failing calls.
 *
 * The last tests keep the property honest: deliberately broken read paths must be caught within
 * the same budget, in every run. `npm run test:property -- --runs 20000` runs it long.
 */
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

/** Naive read-through: captures the tokens AFTER the load, so a purge in between is missed. */
const capturesTokensAfterLoad: ReaderFactory = (store) => ({
  async readMany(spec, args, options) {
    return Promise.all(args.map((a) => this.read(spec, a, options)));
  },
  async read(spec, args, { userId }) {
    const key = `${spec.name}:${JSON.stringify(args)}:${userId ?? ""}`;
    const tags = spec.tags(args);
    const first = await store.lookup(key, tags).catch(() => null);
    if (first?.payload) return { value: spec.schema.parse(JSON.parse(first.payload)) };
    const value = spec.schema.parse(await spec.load(args, { userId }));
    const after = await store.lookup(key, tags).catch(() => null);
    if (after) await store.store(key, tags, after.tokens, JSON.stringify(value), 60_000).catch(() => false);
    return { value };
  },
});

/** The real engine over a store that serves an entry without comparing its tokens. */
const trustsPurgedEntries: ReaderFactory = (store) => {
  const stored = new Map<string, string>();
  const lenient: TagStore = {
    ...store,
    async lookup(key, tags) {
      const found = await store.lookup(key, tags);
      const old = stored.get(key);
      return found.purged && old !== undefined ? { ...found, payload: old, purged: false } : found;
    },
    async store(key, tags, tokens, payload, ttlMs) {
      const ok = await store.store(key, tags, tokens, payload, ttlMs);
      if (ok) stored.set(key, payload);
      return ok;
    },
  };
  return engineReader(lenient);
};

/**
 * The real engine whose batched lookups (readMany's, the assembled page's only) serve an entry
 * whose tags were purged: single reads stay correct, so only the page reads can catch it.
 */
const batchTrustsPurgedEntries: ReaderFactory = (store) => {
  const stored = new Map<string, string>();
  const lookupMany = store.lookupMany as NonNullable<TagStore["lookupMany"]>;
  return engineReader({
    ...store,
    async lookupMany(items) {
      const found = await lookupMany(items);
      return found.map((lookup, i) => {
        const old = stored.get((items[i] as { key: string }).key);
        return lookup.purged && old !== undefined ? { ...lookup, payload: old, purged: false } : lookup;
      });
    },
    async store(key, tags, tokens, payload, ttlMs) {
      const ok = await store.store(key, tags, tokens, payload, ttlMs);
      if (ok) stored.set(key, payload);
      return ok;
    },
  });
};

/**
 * An L1 that does not really check: its "current tokens" are the ones its own lookups last saw
 * (remembered, never read again), so it serves from memory until the fresh time ends, as an L1
 * without a token check (or with a bus that lost a message) would.
 */
const l1WithoutTokenCheck: ReaderFactory = (store) => {
  const seen = new Map<string, string[]>();
  return engineWithL1Reader({ l1Hits: 0 })({
    ...store,
    async lookup(key, tags) {
      const found = await store.lookup(key, tags);
      seen.set(tags.join("|"), found.tokens);
      return found;
    },
    async tokens(tags) {
      return seen.get(tags.join("|")) ?? (await (store.tokens as NonNullable<TagStore["tokens"]>)(tags));
    },
  });
};

describe("no stale read after an acknowledged write (property, real Redis)", () => {
  it(`holds for the engine's read path over ${CI_RUNS} random histories`, async () => {
    const coverage = newCoverage();
    const outcome = await fc.check(noStaleRead(redis, engineReader, coverage), {
      numRuns: CI_RUNS,
      seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined,
      path: process.env.PROPERTY_PATH,
    });
    if (outcome.failed) {
      throw new Error(
        `${fc.defaultReportMessage(outcome)}\n\nReplay: npm run test:property -- --seed ${outcome.seed} --path ${outcome.counterexamplePath}`,
      );
    }
    // The histories reached every path they are meant to check.
    for (const status of ["hit", "miss", "stale", "bypass"])
      expect(coverage.statuses[status], status).toBeGreaterThan(0);
    expect(coverage.lockRefused).toBeGreaterThan(0);
    expect(coverage.fillsRefused).toBeGreaterThan(0);
    expect(coverage.failures).toBeGreaterThan(0);
    expect(coverage.restarts).toBeGreaterThan(0);
    expect(coverage.pages).toBeGreaterThan(0);
    expect(coverage.dropped, "pages that dropped a deleted entity").toBeGreaterThan(0);
    console.log(`property coverage over ${CI_RUNS} histories: ${JSON.stringify(coverage)}`);
  }, 120_000);

  it(`holds with an in-process L1 in each engine over ${CI_RUNS} random histories`, async () => {
    const coverage = newCoverage();
    const counted = { l1Hits: 0 };
    const outcome = await fc.check(noStaleRead(redis, engineWithL1Reader(counted), coverage), {
      numRuns: CI_RUNS,
      seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined,
      path: process.env.PROPERTY_PATH,
    });
    if (outcome.failed) throw new Error(fc.defaultReportMessage(outcome));
    expect(counted.l1Hits).toBeGreaterThan(0);
    expect(coverage.statuses.hit).toBeGreaterThan(counted.l1Hits / 2);
    console.log(
      `L1 property over ${CI_RUNS} histories: ${counted.l1Hits} L1 hits, ${JSON.stringify(coverage.statuses)}`,
    );
  }, 120_000);

  for (const [what, reader] of [
    ["a read path that captures the tokens after the load", capturesTokensAfterLoad],
    ["an engine whose lookup serves entries without comparing tokens", trustsPurgedEntries],
    ["an L1 that serves without reading the current tokens", l1WithoutTokenCheck],
    ["a batched read (an assembled page's) that serves purged entries", batchTrustsPurgedEntries],
  ] as const) {
    it(`catches ${what} within the same budget`, async () => {
      const outcome = await fc.check(noStaleRead(redis, reader), { numRuns: CI_RUNS, endOnFailure: true });
      expect(outcome.failed).toBe(true);
      expect(String(outcome.errorInstance)).toMatch(/stale read: .* after .* acknowledged/);
    }, 120_000);
  }
});
