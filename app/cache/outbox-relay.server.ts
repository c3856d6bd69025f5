import { cacheAvailability } from "~/cache/availability.server";
import { drainOutbox, dropExpiredOutboxRows } from "~/cache/outbox.server";
import { warmAfterPurge } from "~/warming/queue.server";

/**
 * The outbox relay (DESIGN §5.4): every few seconds, replays outbox rows a mutation did not clear
 * itself (its purge failed, or its process died after the commit), then warms what they purged.
 * Rows younger than `graceMs` belong to mutations still purging; replaying them too would only
 * purge twice, so the grace is about cost, not safety.
 */
export function startOutboxRelay({
  everyMs = 5000,
  graceMs = 2000,
  onError = (_error: unknown) => {},
} = {}): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await dropExpiredOutboxRows();
      const store = cacheAvailability().forPurges();
      if (!store) return;
      const replayed = await drainOutbox(store, { upTo: new Date(Date.now() - graceMs) });
      if (replayed.tags.length > 0) warmAfterPurge(replayed.tags);
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
