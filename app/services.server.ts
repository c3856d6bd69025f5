import { remember } from "@epic-web/remember";
import { actorOfCookie } from "~/auth/actor.server";
import { cacheAvailability } from "~/cache/availability.server";
import { cacheEvents } from "~/cache/events";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { startOutboxRelay } from "~/cache/outbox-relay.server";
import { cacheRedis, cacheRedisStatus, connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import { config } from "~/config.server";
import { currentDatabase, type DatabaseHandle, openDatabase, setDatabase } from "~/db/connection.server";
import { isEmpty, seedDemo, seedLarge } from "~/db/seed.server";
import { createLoadContext } from "~/http/load-context.server";
import { type RequestHandler, ResponseCache } from "~/http/response-cache.server";
import { logger } from "~/lib/logger.server";
import { withTimeout } from "~/lib/with-timeout";
import { type AlertEvaluator, startAlertEvaluator } from "~/monitoring/alerts.server";
import { observeCache } from "~/monitoring/cache-metrics.server";
import { type ClusterPublisher, startClusterPublisher } from "~/monitoring/cluster.server";
import { freshnessAudit } from "~/monitoring/freshness-audit.server";
import {
  countResponse,
  observeHttpRequest,
  PROMETHEUS_CONTENT_TYPE,
  prometheusText,
} from "~/monitoring/prometheus.server";
import "~/monitoring/warm-metrics.server"; // registers warming's counters for /metrics
import { evictionPolicyProblems } from "~/warming/eviction-policy.server";
import { closeWarmQueue, openWarmQueue, warmQueue, warmQueueHandle, warmQueueStatus } from "~/warming/queue.server";
import { recentReads } from "~/warming/recent-reads.server";
import { scheduleHottest } from "~/warming/schedule.server";
import { warmOnCacheEvents } from "~/warming/subscribe.server";
import { startWarmWorker, stopWarmWorker } from "~/warming/worker.server";

/**
 * The composition root (docs/decisions/009-layers-and-composition-root.md): the one place that
 * wires this process. It opens the database and the Redis connections, subscribes warming,
 * monitoring and the log to the cache engine's events, starts the background workers, and hands
 * the HTTP server (server/index.ts) and `npm run worker` (workers/main.ts) what they use, as
 * `processServices`, through the build's entry.server.tsx.
 */

/**
 * Subscribes the process's observers to the engine's event bus, once per process: warming (the
 * recent-read index, and refills after purges), monitoring (counters, the freshness audit) and the log.
 */
export function observeProcess(): void {
  remember("services.observers", () => {
    const events = cacheEvents();
    observeCache(events);
    freshnessAudit().observe(events);
    warmOnCacheEvents(events);
    events.on("redisFailed", ({ query, operation, error }) =>
      logger.warn({ err: error }, `cache: redis ${operation} for ${query}`),
    );
    events.on("refreshFailed", ({ query, error }) => logger.warn({ err: error }, `cache: refresh of ${query}`));
    return true;
  });
}

/**
 * The process's long-lived resources: the database, the cache's Redis connection and the warming
 * queue's. The HTTP server (and `npm run worker`) starts them before anything else and stops them
 * last. A worker process (`role: "worker"`) never seeds: the web server does.
 */
export async function startServices({ role = "web" }: { role?: "web" | "worker" } = {}): Promise<void> {
  if (currentDatabase()) return;
  observeProcess();
  const cfg = config();
  const handle = await openDatabase(cfg.databaseUrl ? { url: cfg.databaseUrl } : { dataDir: cfg.dataDir });
  setDatabase(handle);
  logger.info({ database: handle.kind, location: handle.location }, "database ready (migrations applied)");
  if (role === "web" && cfg.seedDemo && (await isEmpty(handle.db))) await seed(handle);
  const namespace = await loadCacheNamespace(handle.db);
  cacheAvailability().useNamespace(namespace);
  connectCacheRedis(cfg.redisUrl);
  openWarmQueue(cfg.queueRedisUrl, namespace);
  if (cfg.cacheMode === "on") await cacheAvailability().settle(2000);
  await checkEvictionPolicies(cfg.isProduction);
  // This process's figures, every 5 s, for the cluster view (docs/operations.md#the-cluster-view).
  clusterPublisher = startClusterPublisher({ redis: cacheRedis, namespace, role });
  // Every process may evaluate the alerts; a Redis lock lets one do it at a time.
  alertEvaluator = startAlertEvaluator({ redis: cacheRedis, namespace, webhookUrl: cfg.alertWebhookUrl });
  logger.info({ cacheMode: cfg.cacheMode }, cfg.cacheMode === "on" ? "cache: on" : "cache: OFF (CACHE_MODE=off)");
}

/**
 * Reads both Redis servers' eviction policies (docs/operations.md). A wrong one is a warning in
 * development and refuses to start in production; one that cannot be read is only logged.
 */
async function checkEvictionPolicies(refuse: boolean) {
  const queue = warmQueueHandle()?.connection;
  const deadline = Date.now() + 2000;
  while (queue && queue.status !== "ready" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const { problems, unchecked } = await evictionPolicyProblems({ cache: cacheRedis(), queue });
  if (unchecked.length > 0) logger.info({ unchecked }, "Redis eviction policies: not checked");
  if (problems.length === 0) return;
  if (refuse) throw new Error(`Refusing to start: ${problems.join("; ")}`);
  for (const problem of problems) logger.warn(`Redis eviction policy: ${problem}`);
}

async function seed(handle: DatabaseHandle) {
  const progress = (line: string) => logger.info(line);
  await seedDemo(handle.db, progress);
  if (config().seedScale === "large") await seedLarge(handle.db, progress);
}

let clusterPublisher: ClusterPublisher | undefined;
let alertEvaluator: AlertEvaluator | undefined;

export async function stopServices(): Promise<void> {
  await alertEvaluator?.stop();
  alertEvaluator = undefined;
  await clusterPublisher?.stop();
  clusterPublisher = undefined;
  await recentReads().flush();
  await closeWarmQueue();
  await disconnectCacheRedis();
  const handle = currentDatabase();
  setDatabase(undefined);
  await handle?.close();
}

export interface Readiness {
  ok: boolean;
  database: { ok: boolean; kind?: string; location?: string; latencyMs?: number; error?: string };
  redis: { ok: boolean; state: string; url?: string; latencyMs?: number; error?: string };
  cache: { mode: "on" | "off"; breaker: string; recovering: boolean };
  /** The warming queue's Redis: without it saves still work, and readers miss after a purge. */
  queue: { state: string; url?: string };
}

/** What /readyz reports. Without Redis the app still serves (from the database): ready, degraded. */
export async function readiness(): Promise<Readiness> {
  const database: Readiness["database"] = { ok: false };
  const handle = currentDatabase();
  if (handle) {
    database.kind = handle.kind;
    database.location = handle.location;
    const started = performance.now();
    try {
      await withTimeout(handle.ping(), 2000);
      database.ok = true;
      database.latencyMs = round(performance.now() - started);
    } catch (error) {
      database.error = (error as Error).message;
    }
  } else {
    database.error = "not open";
  }
  const status = cacheRedisStatus();
  const redis: Readiness["redis"] = { ok: false, state: status.state, url: status.url, error: status.error };
  const client = cacheRedis();
  if (client && status.state === "ready") {
    const started = performance.now();
    try {
      await client.ping();
      redis.ok = true;
      redis.latencyMs = round(performance.now() - started);
    } catch (error) {
      redis.error = (error as Error).message;
    }
  }
  const cache = { mode: config().cacheMode, ...cacheAvailability().state() };
  return { ok: database.ok, database, redis, cache, queue: warmQueueStatus() };
}

function round(ms: number) {
  return Math.round(ms * 100) / 100;
}

/** The background work of one process: stops the relay, then the worker within WORKER_STOP_TIMEOUT. */
export interface Workers {
  stop(): Promise<void>;
}

/**
 * The background work of one process (docs/design.md#warming): the warming worker, the warming
 * schedule and the outbox relay. The web server runs them too unless WORKERS=off; `npm run worker`
 * runs them alone. Call after startServices (the database, the cache and the queue are open).
 */
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

/**
 * Remix's handler, keeping the anonymous GETs it renders, and the response cache's `answer` to ask
 * first (docs/caching.md#the-response-cache); Remix's handler alone with RESPONSE_CACHE=off or
 * CACHE_MODE=off. `build`: the one being served (its version keys the responses; its route ids
 * bound the `.data` URLs kept).
 */
export function cacheResponses(
  handler: RequestHandler,
  build: { assets: { version: string }; routes: Record<string, unknown> },
): { handler: RequestHandler; answer?: ResponseCache["answer"] } {
  if (!config().responseCache) return { handler };
  const cache = new ResponseCache({
    store: () => cacheAvailability().forReads(),
    version: build.assets.version,
    routeIds: new Set(Object.keys(build.routes)),
    onOutcome: (outcome, error) => {
      countResponse(outcome);
      if (error) logger.warn({ err: error }, "response cache: redis");
    },
  });
  return { handler: cache.keeping(handler), answer: (request) => cache.answer(request) };
}

/**
 * What the HTTP server and the worker process use, reached through the build
 * (`build.entry.module.services`): server/index.ts and workers/main.ts import only this type.
 */
export const processServices = {
  startServices,
  stopServices,
  startWorkers,
  readiness,
  /** `/metrics`: the process's prom-client registry (cache, warming, HTTP, default metrics). */
  metricsText: prometheusText,
  metricsContentType: PROMETHEUS_CONTENT_TYPE,
  observeHttpRequest,
  createLoadContext,
  cacheResponses,
  actorOfCookie,
  cacheRedis,
  warmQueueHandle,
};
export type ProcessServices = typeof processServices;
