import { remember } from "@epic-web/remember";
import { Redis, type RedisOptions } from "ioredis";
import { logger } from "~/lib/logger.server";

/**
 * The cache's Redis connection, fail-fast by construction (docs/decisions/003-fail-open.md): ioredis's defaults queue
 * and retry commands for 10–70 s while Redis is down and wait forever when it is frozen. Here a
 * command either answers within `commandTimeout` or fails at once, and callers treat a failure as
 * "no cache" — never as an error of the request.
 */
export const failFastOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 250,
  connectTimeout: 1000,
  enableAutoPipelining: true,
  // Keep trying in the background, at most every 2 s, so the app notices when Redis comes back.
  retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
};

export type RedisState = "ready" | "connecting" | "down";

interface RedisHandle {
  client: Redis;
  url: string;
  state: RedisState;
  lastError?: string;
  /** We are closing it: its "close" is no outage. */
  closing?: boolean;
}

// One per process, across dev-server reloads of this module.
const store = remember("cache.redis", (): { __cacheRedis?: RedisHandle } => ({}));

/** Opens the cache connection (once per process). Start-up never waits for Redis. */
export function connectCacheRedis(url: string): Redis {
  if (store.__cacheRedis) return store.__cacheRedis.client;
  const client = new Redis(url, { ...failFastOptions, connectionName: "cache" });
  const handle: RedisHandle = { client, url, state: "connecting" };
  store.__cacheRedis = handle;
  let warned = false;
  client.on("ready", () => {
    if (handle.state !== "ready" && warned)
      logger.info({ redis: redactUrl(url) }, "Redis is back: caching is on again");
    handle.state = "ready";
    warned = false;
  });
  client.on("error", (error: Error) => {
    handle.lastError = error.message;
  });
  client.on("close", () => {
    handle.state = "down";
    if (!warned && !handle.closing) {
      warned = true;
      logger.warn(
        { redis: redactUrl(url), error: handle.lastError },
        "Redis is unavailable: caching and warming are OFF, every read goes to the database; " +
          "login rate limits fall back to this process's memory. Retrying in the background.",
      );
    }
  });
  return client;
}

/** The cache connection, or undefined when none was opened (tests, scripts). */
export function cacheRedis(): Redis | undefined {
  return store.__cacheRedis?.client;
}

export function cacheRedisStatus(): { state: RedisState | "off"; url?: string; error?: string } {
  const handle = store.__cacheRedis;
  if (!handle) return { state: "off" };
  return {
    state: handle.state,
    url: redactUrl(handle.url),
    error: handle.state === "ready" ? undefined : handle.lastError,
  };
}

export async function disconnectCacheRedis(): Promise<void> {
  const handle = store.__cacheRedis;
  store.__cacheRedis = undefined;
  if (!handle) return;
  handle.closing = true;
  try {
    await handle.client.quit();
  } catch {
    handle.client.disconnect();
  }
}

/** A Redis URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid url)";
  }
}
