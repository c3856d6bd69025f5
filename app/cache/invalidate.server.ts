import { eq } from "drizzle-orm";
import { db, type Transaction } from "~/db/connection.server";
import { cachePurgeOutbox } from "~/db/schema";
import { logger } from "~/lib/logger.server";
import { cacheAvailability } from "./availability.server";
import { cacheEvents } from "./events";

/** The result of every mutation: its value and the cache tags the write touched. */
export interface Changed<T> {
  value: T;
  tags: string[];
}

/**
 * The one way to purge (docs/design.md#invalidation): deletes the tags' tokens and tells the
 * process's event bus (`purged`), on which warming queues the keys recently read under those tags
 * and monitoring counts the purge, neither awaited. When Redis cannot be reached the purge stays
 * in the outbox (if the caller wrote one) and the relay replays it. Resolves to whether Redis
 * took the purge; never throws for Redis.
 */
export async function invalidate(
  tags: readonly string[],
  { reason, outboxId }: { reason: string; outboxId?: number },
): Promise<boolean> {
  const unique = [...new Set(tags)];
  const started = performance.now();
  const availability = cacheAvailability();
  const store = availability.forPurges();
  let purged = false;
  if (store && unique.length > 0) {
    try {
      await store.purge(unique);
      purged = true;
      availability.report(true);
    } catch (error) {
      availability.report(false);
      logger.warn({ err: error, tags: unique, reason }, "purge failed; the outbox keeps it for the relay");
    }
  }
  cacheEvents().emit("purged", { tags: unique, ms: performance.now() - started, ok: purged, by: "mutation", reason });
  if (purged && outboxId !== undefined) {
    // Done: the row may go. Should this delete fail, the relay purges again (harmless).
    await db()
      .delete(cachePurgeOutbox)
      .where(eq(cachePurgeOutbox.id, outboxId))
      .catch(() => {});
  }
  logger.debug({ reason, tags: unique, purged }, "invalidate");
  return purged;
}

/**
 * Runs a mutation's writes in one transaction together with an outbox row naming the tags they
 * touch, then purges those tags after the commit (docs/decisions/002-purge-outbox.md): the purge
 * can fail or the process die, but the record of what to purge is never lost. Every model
 * mutation goes through here; the HTTP layer turns the returned tags into response headers.
 */
export async function commitChange<T>(
  reason: string,
  work: (tx: Transaction) => Promise<Changed<T>>,
): Promise<Changed<T>> {
  const { change, outboxId } = await db().transaction(async (tx) => {
    const change = await work(tx);
    const [row] = await tx
      .insert(cachePurgeOutbox)
      .values({ tags: [...new Set(change.tags)] })
      .returning({ id: cachePurgeOutbox.id });
    return { change, outboxId: row?.id };
  });
  await invalidate(change.tags, { reason, outboxId });
  return change;
}
