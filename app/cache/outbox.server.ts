import { asc, inArray, lte, sql } from "drizzle-orm";
import { db } from "~/db/connection.server";
import { cachePurgeOutbox } from "~/db/schema";
import type { TagStore } from "./tagged-store.server";

/**
 * The purge outbox (docs/decisions/002-purge-outbox.md). A mutation writes its rows and an outbox row naming its tags in
 * one transaction, purges after the commit, and deletes the row once the purge succeeded. A row
 * left behind (Redis down, process killed between commit and purge) is replayed from here: by the
 * relay (workers/outbox-relay.ts) every few seconds, and by an instance coming back from an outage
 * before it reads the cache.
 */

const BATCH = 500;

/**
 * No entry lives longer than this (fresh + stale + jitter, checked by defineQuery): an outbox row
 * older than that has nothing left to purge, so a Redis that never comes back cannot grow it forever.
 */
export const MAX_ENTRY_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Purges the tags of every outbox row created up to `upTo` and deletes them. */
export async function drainOutbox(
  store: TagStore,
  { upTo }: { upTo: Date },
): Promise<{ rows: number; tags: string[] }> {
  let replayed = 0;
  const purged = new Set<string>();
  for (;;) {
    const rows = await db()
      .select({ id: cachePurgeOutbox.id, tags: cachePurgeOutbox.tags })
      .from(cachePurgeOutbox)
      .where(lte(cachePurgeOutbox.createdAt, upTo))
      .orderBy(asc(cachePurgeOutbox.id))
      .limit(BATCH);
    if (rows.length === 0) return { rows: replayed, tags: [...purged] };
    const ids = rows.map((r) => r.id);
    const tags = [...new Set(rows.flatMap((r) => r.tags))];
    try {
      await store.purge(tags);
    } catch (error) {
      await db()
        .update(cachePurgeOutbox)
        .set({ attempts: sql`${cachePurgeOutbox.attempts} + 1` })
        .where(inArray(cachePurgeOutbox.id, ids));
      throw error;
    }
    await db().delete(cachePurgeOutbox).where(inArray(cachePurgeOutbox.id, ids));
    replayed += rows.length;
    for (const tag of tags) purged.add(tag);
  }
}

/** Rows too old to matter (see MAX_ENTRY_LIFETIME_MS). */
export async function dropExpiredOutboxRows(now = Date.now()): Promise<void> {
  await db()
    .delete(cachePurgeOutbox)
    .where(lte(cachePurgeOutbox.createdAt, new Date(now - MAX_ENTRY_LIFETIME_MS)));
}

export async function outboxBacklog(): Promise<number> {
  const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(cachePurgeOutbox);
  return row?.n ?? 0;
}
