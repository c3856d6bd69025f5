import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { cacheRedis } from "~/cache/redis.server";

/**
 * Brute-force protection for /login, counting failed attempts only (so people who type their
 * password right are never slowed down):
 * - per email and client: 5 failures in 15 minutes, then blocked for 15 minutes;
 * - per client: 50 failures in an hour.
 * Backed by Redis so every instance shares the counts. When Redis is down the limits do not switch
 * off (fail closed): each process keeps counting in its own memory until Redis is back.
 */
const limits = {
  emailAndClient: { keyPrefix: "rl:login:email-client", points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  client: { keyPrefix: "rl:login:client", points: 50, duration: 60 * 60, blockDuration: 60 * 60 },
};

type Limiter = RateLimiterRedis | RateLimiterMemory;
let limiters: { emailAndClient: Limiter; client: Limiter } | undefined;

function build(): { emailAndClient: Limiter; client: Limiter } {
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
  return { emailAndClient: make(limits.emailAndClient), client: make(limits.client) };
}

function current() {
  limiters ??= build();
  return limiters;
}

const emailKey = (email: string, client: string) => `${email.trim().toLowerCase()}|${client}`;

/** Seconds to wait before trying again, or 0 when this attempt may go ahead. */
export async function loginRetryAfter(email: string, client: string): Promise<number> {
  const { emailAndClient, client: perClient } = current();
  const [a, b] = await Promise.all([emailAndClient.get(emailKey(email, client)), perClient.get(client)]);
  const blocked = [
    [a, limits.emailAndClient.points],
    [b, limits.client.points],
  ] as const;
  let wait = 0;
  for (const [res, points] of blocked) {
    if (res && res.consumedPoints >= points) wait = Math.max(wait, Math.ceil(res.msBeforeNext / 1000));
  }
  return wait;
}

export async function recordLoginFailure(email: string, client: string): Promise<void> {
  const { emailAndClient, client: perClient } = current();
  await Promise.all(
    [emailAndClient.consume(emailKey(email, client)), perClient.consume(client)].map((p) =>
      p.catch((error: unknown) => {
        if (!(error instanceof RateLimiterRes)) throw error;
      }),
    ),
  );
}

export async function recordLoginSuccess(email: string, client: string): Promise<void> {
  await current()
    .emailAndClient.delete(emailKey(email, client))
    .catch(() => {});
}
