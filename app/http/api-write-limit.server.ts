import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { cacheAvailability } from "~/cache/availability.server";
import { cacheRedis } from "~/cache/redis.server";
import { HttpError } from "./api-response.server";

/** Writes one caller may make to the JSON API in a minute, on all instances together. */
export const API_WRITES_PER_MINUTE = 600;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

let limiter: RateLimiterRedis | undefined;
let limiterRedis: unknown;

/**
 * Counts one write against its caller: the signed-in user (however the cookie is spelled or
 * however often they sign in again), or the address when anonymous. Called by `apiRoute` once the
 * route matched and the method is known, so path spellings share one budget. 429 with
 * `Retry-After` beyond it. Fails open: without Redis, writes go through (login has its own,
 * closed limit).
 */
export async function countApiWrite(method: string, caller: { userId: number } | { address: string }): Promise<void> {
  if (SAFE_METHODS.has(method.toUpperCase())) return;
  const redis = cacheRedis();
  if (!redis) return;
  if (!limiter || limiterRedis !== redis) {
    limiterRedis = redis;
    limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: "rl:api-write",
      points: API_WRITES_PER_MINUTE,
      duration: 60,
      rejectIfRedisNotReady: true,
    });
  }
  // The cache namespace keeps two databases sharing a Redis (user 1 of each) apart.
  const namespace = cacheAvailability().currentNamespace() ?? "-";
  const key = "userId" in caller ? `${namespace}:u:${caller.userId}` : `${namespace}:a:${caller.address}`;
  try {
    await limiter.consume(key);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) return;
    const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw new HttpError(429, `Too many writes; try again in ${retryAfter} s`, { "Retry-After": String(retryAfter) });
  }
}
