import { eq } from "drizzle-orm";
import { db, type Transaction } from "~/db/connection.server";
import { cachePurgeOutbox } from "~/db/schema";
import { logger } from "~/lib/logger.server";
import type { Changed } from "~/models/actor";
import { warmAfterPurge } from "~/warming/queue.server";
import { invalidationHeaders } from "../http/cache-headers.server";
import { recordPurge } from "../monitoring/cache-metrics.server";
import { cacheAvailability } from "./availability.server";

/**
 * The one way to purge (DESIGN §5.5): deletes the tags' tokens, records the purge, queues warming
 * of the keys recently read under those tags (in the background: the caller never waits on the
 * queue), and returns the response headers that tell the browser what changed. When Redis cannot
 * be reached the purge stays in the outbox (if the caller wrote one) and the relay replays it.
 */
export async function invalidate(
  tags: readonly string[],
  { reason, outboxId }: { reason: string; outboxId?: number },
): Promise<Record<string, string>> {
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
  recordPurge(unique.length, performance.now() - started, purged);
  if (purged) warmAfterPurge(unique);
  if (purged && outboxId !== undefined) {
    // Done: the row may go. Should this delete fail, the relay purges again (harmless).
    await db()
      .delete(cachePurgeOutbox)
      .where(eq(cachePurgeOutbox.id, outboxId))
      .catch(() => {});
  }
  logger.debug({ reason, tags: unique, purged }, "invalidate");
  return invalidationHeaders(unique);
}

/**
 * Runs a mutation's writes in one transaction together with an outbox row naming the tags they
 * touch, then purges those tags after the commit (DESIGN §5.4): the purge can fail or the process
 * die, but the record of what to purge is never lost. Every model mutation goes through here.
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
