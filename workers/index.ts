import { cacheAvailability } from "~/cache/availability.server";
import { config } from "~/config.server";
import { logger } from "~/lib/logger.server";
import { warmQueue, warmQueueHandle } from "~/warming/queue.server";
import { startOutboxRelay } from "../app/cache/outbox-relay.server";
import { scheduleHottest } from "../app/warming/schedule.server";
import { startWarmWorker, stopWarmWorker } from "../app/warming/worker.server";

/**
 * The background work of one process (DESIGN §6): the warming worker, the warming schedule and
 * the outbox relay. The web server runs them too unless WORKERS=off; `npm run worker` runs them
 * alone. Call after startServices (the database, the cache and the queue are open).
 */
export interface Workers {
  /** Stops the relay, then the worker within WORKER_STOP_TIMEOUT. */
  stop(): Promise<void>;
}

export function startWorkers(): Workers {
  const cfg = config();
  const namespace = cacheAvailability().currentNamespace();
  if (!namespace) throw new Error("startWorkers: call startServices first");
  const worker = startWarmWorker({ url: cfg.queueRedisUrl, namespace, concurrency: cfg.warming.concurrency });

  // The schedule is written once the queue's Redis answers (at start, or when it comes back).
  let scheduled = false;
  const schedule = () => {
    const queue = warmQueue();
    if (scheduled || !queue) return;
    scheduled = true;
    scheduleHottest(queue, cfg.warming).catch((error: unknown) => {
      scheduled = false;
      logger.warn({ err: error }, "warming schedule not written yet; will retry");
    });
  };
  const producer = warmQueueHandle()?.connection;
  producer?.on("ready", schedule);
  schedule();

  const stopRelay = startOutboxRelay({
    onError: (error) => logger.warn({ err: error }, "outbox relay: will retry"),
  });
  logger.info(
    { concurrency: cfg.warming.concurrency, intervalMs: cfg.warming.intervalMs, hotKeys: cfg.warming.hotKeys },
    "warming worker and outbox relay running",
  );
  return {
    async stop() {
      stopRelay();
      producer?.off("ready", schedule);
      const outcome = await stopWarmWorker(worker, cfg.warming.stopTimeoutMs);
      logger.info({ outcome }, "warming worker stopped");
    },
  };
}
