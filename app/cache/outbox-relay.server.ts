import { cacheAvailability } from "./availability.server";
import { cacheEvents } from "./events";
import { drainOutbox, dropExpiredOutboxRows } from "./outbox.server";

/**
 * The outbox relay (docs/decisions/002-purge-outbox.md): every few seconds, replays outbox rows a mutation did not clear
 * itself (its purge failed, or its process died after the commit), and tells the event bus what
 * it purged (warming refills those keys).
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
      const started = performance.now();
      const replayed = await drainOutbox(store, { upTo: new Date(Date.now() - graceMs) });
      if (replayed.tags.length > 0) {
        const ms = performance.now() - started;
        cacheEvents().emit("purged", { tags: replayed.tags, ms, ok: true, by: "relay", reason: "outbox relay" });
      }
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
