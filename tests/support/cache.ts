import { cacheAvailability } from "~/cache/availability.server";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { connectCacheRedis } from "~/cache/redis.server";
import type { DatabaseHandle } from "~/db/connection.server";
import { observeProcess } from "~/services.server";

/**
 * Turns the process's cache on against `redisUrl` for `handle`'s database, as startServices does
 * (warming, monitoring and the log observing the engine), and waits until reads use Redis (after
 * the start-up outbox drain).
 */
export async function enableCache(handle: DatabaseHandle, redisUrl: string): Promise<void> {
  observeProcess();
  cacheAvailability().useNamespace(await loadCacheNamespace(handle.db));
  connectCacheRedis(redisUrl);
  await waitFor(() => cacheAvailability().forReads() !== undefined, 10_000, "the cache to come up");
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
