import { cacheAvailability } from "~/cache/availability.server";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { cacheRedis, cacheRedisStatus, connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import { config } from "~/config.server";
import { currentDatabase, type DatabaseHandle, openDatabase, setDatabase } from "~/db/connection.server";
import { logger } from "~/lib/logger.server";
import { withTimeout } from "~/lib/with-timeout";
import { isEmpty, seedDemo, seedLarge } from "~/models/seed.server";
import { evictionPolicyProblems } from "~/warming/eviction-policy.server";
import { closeWarmQueue, openWarmQueue, warmQueueHandle, warmQueueStatus } from "~/warming/queue.server";
import { recentReads } from "~/warming/recent-reads.server";

/**
 * The process's long-lived resources: the database, the cache's Redis connection and the warming
 * queue's. The HTTP server (and `npm run worker`) starts them before anything else and stops them
 * last. Exported through entry.server.tsx, so the server and the routes share one instance.
 * A worker process (`role: "worker"`) never seeds: the web server does.
 */
export async function startServices({ role = "web" }: { role?: "web" | "worker" } = {}): Promise<void> {
  if (currentDatabase()) return;
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
  logger.info({ cacheMode: cfg.cacheMode }, cfg.cacheMode === "on" ? "cache: on" : "cache: OFF (CACHE_MODE=off)");
}

/**
 * Reads both Redis servers' eviction policies (DESIGN §6). A wrong one is a warning in
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

export async function stopServices(): Promise<void> {
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
