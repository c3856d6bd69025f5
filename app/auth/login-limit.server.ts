import { createHash } from "node:crypto";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { cacheAvailability } from "~/cache/availability.server";
import { cacheRedis } from "~/cache/redis.server";

/**
 * Brute-force protection for /login. Every attempt takes a point *before* the password is checked
 * (one atomic INCR in Redis, so parallel attempts cannot all slip through between a check and a
 * count) and gets it back when the password was right, so people who type it right are never
 * slowed down:
 * - per account and address: 5 attempts in 15 minutes, then blocked 15 minutes — a flood of wrong
 *   passwords for an email from one address blocks that pair only, never the owner elsewhere;
 * - per address: 50 attempts in an hour (one address trying many accounts).
 * Backed by Redis so every instance shares the counts. When Redis is down the limits do not switch
 * off (fail closed): each process keeps counting in its own memory until Redis is back.
 * The address is the client's as Express sees it (`TRUST_PROXY` decides whom to believe).
 */
const limits = {
  accountAndAddress: { keyPrefix: "rl:login:account-address", points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  address: { keyPrefix: "rl:login:address", points: 50, duration: 60 * 60, blockDuration: 60 * 60 },
};

type Limiter = RateLimiterRedis | RateLimiterMemory;
type Limiters = Record<keyof typeof limits, Limiter>;
let limiters: Limiters | undefined;

function build(): Limiters {
  const redis = cacheRedis();
  const make = (options: (typeof limits)[keyof typeof limits]): Limiter => {
    const memory = new RateLimiterMemory(options);
    if (!redis) return memory;
    return new RateLimiterRedis({
      ...options,
      storeClient: redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  };
  return { accountAndAddress: make(limits.accountAndAddress), address: make(limits.address) };
}

// Hashed: the email is whatever the form sent (up to the body limit), a key stays small.
const hashed = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 32);

export type LoginAttempt =
  /** Go ahead and check the password; `succeeded()` gives the points back. */
  | { allowed: true; succeeded(): Promise<void>; notChecked(): Promise<void> }
  /** Refused before any check: seconds to wait. */
  | { allowed: false; retryAfter: number };

/** Takes one point from each limit for this attempt; refused when any is used up. */
export async function beginLoginAttempt(email: string, address: string): Promise<LoginAttempt> {
  limiters ??= build();
  const current = limiters;
  // The cache namespace keeps two databases sharing a Redis apart (their alice is not one account).
  const namespace = cacheAvailability().currentNamespace() ?? "-";
  const keys: [Limiter, string][] = [
    [current.accountAndAddress, hashed(`${namespace}|${email.trim().toLowerCase()}|${address}`)],
    [current.address, hashed(`${namespace}|${address}`)],
  ];
  const results = await Promise.allSettled(keys.map(([limiter, key]) => limiter.consume(key)));
  const refund = () => Promise.all(keys.map(([limiter, key]) => limiter.reward(key, 1).catch(() => {}))).then(() => {});
  let retryAfter = 0;
  for (const result of results) {
    if (result.status === "fulfilled") continue;
    if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
    retryAfter = Math.max(retryAfter, Math.ceil(result.reason.msBeforeNext / 1000), 1);
  }
  if (retryAfter > 0) return { allowed: false, retryAfter };
  return { allowed: true, succeeded: refund, notChecked: refund };
}
