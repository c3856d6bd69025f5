import type { CacheEvents } from "~/cache/events";
import { warmAfterPurge } from "./queue.server";
import { recentReads } from "./recent-reads.server";

/**
 * Warming as an observer of the engine: readers' lookups feed the recent-read index, and every
 * purge Redis took (a mutation's, or one the outbox relay replayed) queues warming of the keys
 * recently read under its tags, in the background. Returns the unsubscribe function.
 */
export function warmOnCacheEvents(events: CacheEvents): () => void {
  const offRead = events.on("read", ({ query, args, userId, tags }) =>
    recentReads().note({ query, args, userId }, tags),
  );
  const offPurged = events.on("purged", ({ tags, ok }) => {
    if (ok && tags.length > 0) warmAfterPurge(tags);
  });
  return () => {
    offRead();
    offPurged();
  };
}
