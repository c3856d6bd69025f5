import { cacheAvailability } from "~/cache/availability.server";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { startOutboxRelay } from "~/cache/outbox.server";
import { cacheRedis, cacheRedisStatus, connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import { config } from "~/config.server";
import { currentDatabase, type DatabaseHandle, openDatabase, setDatabase } from "~/db/connection.server";
import { isEmpty, seedDemo, seedLarge } from "~/db/seed.server";
import { logger } from "~/lib/logger.server";

/**
 * The process's long-lived resources: the database and the cache's Redis connection.
 * The HTTP server starts them before it listens and stops them after the last request.
 * Exported through entry.server.tsx, so the server and the routes share one instance.
 */
export async function startServices(): Promise<void> {
  if (currentDatabase()) return;
  const cfg = config();
  const handle = await openDatabase(cfg.databaseUrl ? { url: cfg.databaseUrl } : { dataDir: cfg.dataDir });
  setDatabase(handle);
  logger.info({ database: handle.kind, location: handle.location }, "database ready (migrations applied)");
  if (cfg.seedDemo && (await isEmpty(handle.db))) await seed(handle);
  cacheAvailability().useNamespace(await loadCacheNamespace(handle.db));
  connectCacheRedis(cfg.redisUrl);
  if (cfg.cacheMode === "on") await cacheAvailability().settle(2000);
  // Until the warming worker exists, this process replays purges that did not go through.
  stopRelay = startOutboxRelay(() => cacheAvailability().forPurges(), {
    onError: (error) => logger.warn({ err: error }, "outbox relay: will retry"),
  });
  logger.info({ cacheMode: cfg.cacheMode }, cfg.cacheMode === "on" ? "cache: on" : "cache: OFF (CACHE_MODE=off)");
}

let stopRelay: (() => void) | undefined;

async function seed(handle: DatabaseHandle) {
  const progress = (line: string) => logger.info(line);
  await seedDemo(handle.db, progress);
  if (config().seedScale === "large") await seedLarge(handle.db, progress);
}

export async function stopServices(): Promise<void> {
  stopRelay?.();
  stopRelay = undefined;
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
  return { ok: database.ok, database, redis, cache };
}

function round(ms: number) {
  return Math.round(ms * 100) / 100;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);
}
