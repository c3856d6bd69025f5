import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { toMs } from "~/lib/duration";
import { LOG_LEVELS } from "~/lib/logger.server";

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'must be a duration such as "500ms", "30s", "5m" or "1h"')
  .transform((value) => toMs(value as `${number}s`));

/**
 * Whom Express believes about the client's address (`X-Forwarded-For`): nobody (the default), the
 * number of proxy hops in front of the app, or the proxies' addresses (IP, CIDR, or Express's
 * `loopback`, `linklocal`, `uniquelocal`). Not `true`: that would let any client pick its address.
 */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  const text = value.trim().toLowerCase();
  if (text === "false" || text === "0") return false;
  if (/^\d+$/.test(text) && Number(text) <= 10) return Number(text);
  const entries = text.split(",").map((entry) => entry.trim());
  const valid = (entry: string) => {
    if (["loopback", "linklocal", "uniquelocal"].includes(entry)) return true;
    const [address = "", prefix, ...rest] = entry.split("/");
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  };
  const bad = entries.filter((entry) => !valid(entry));
  if (bad.length === 0) return entries;
  ctx.addIssue({
    code: "custom",
    message: `must be a hop count (0–10) or proxy addresses (IP, CIDR, loopback, linklocal, uniquelocal), not ${bad.join(", ") || "an empty entry"}`,
  });
  return z.NEVER;
});

/** A size such as "1mb", "512kb" or "1048576" (bytes), in bytes. */
const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'must be a size such as "1mb", "512kb" or a number of bytes')
  .transform((value) => {
    const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(value) as RegExpExecArray;
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? "b").toLowerCase() as "b"];
    return Math.floor(Number(match[1]) * unit);
  })
  .pipe(
    z
      .number()
      .int()
      .min(1024, "must be at least 1kb")
      .max(1024 ** 3, "must be at most 1gb"),
  );

/**
 * The whole runtime configuration, read once from the environment and validated.
 * A bad variable stops start-up with a message that names it.
 */
const Environment = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    DATA_DIR: z.string().min(1).default(".data"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .default("redis://127.0.0.1:6379"),
    QUEUE_REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .optional(),
    SESSION_SECRET: z.string().optional(),
    CACHE_MODE: z.enum(["on", "off"]).default("on"),
    CACHE_L1_MB: z.coerce.number().int().min(0).max(4096).default(64),
    RESPONSE_CACHE: z.enum(["on", "off"]).default("on"),
    LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
    SEED_DEMO: z.enum(["0", "1", "true", "false"]).optional(),
    SEED_SCALE: z.enum(["small", "large"]).default("small"),
    WORKERS: z.enum(["inline", "off"]).default("inline"),
    WARM_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(16),
    WARM_INTERVAL: z.union([z.literal("0").transform(() => 0), duration]).default(60_000),
    WARM_HOT_KEYS: z.coerce.number().int().min(0).max(10_000).default(100),
    WORKER_STOP_TIMEOUT: duration.default(10_000),
    TRUST_PROXY: trustProxy.default(false),
    BODY_LIMIT: byteSize.default(1024 * 1024),
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    CACHE_AUDIT_RATE: z.coerce.number().min(0).max(1).optional(),
    ALERT_WEBHOOK_URL: z
      .string()
      .url()
      .regex(/^https?:\/\//, "must be an http:// or https:// URL")
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && !env.SESSION_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_SECRET"],
        message: "is required when NODE_ENV=production (comma-separated, newest first)",
      });
    }
    for (const secret of splitSecrets(env.SESSION_SECRET)) {
      if (env.NODE_ENV === "production" && secret.length < 16) {
        ctx.addIssue({
          code: "custom",
          path: ["SESSION_SECRET"],
          message: "each secret must be at least 16 characters in production",
        });
      }
    }
  });

function splitSecrets(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export type Config = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig(env: Record<string, string | undefined> = process.env) {
  // Empty strings mean "unset" so `FOO= npm start` behaves like no FOO at all.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = Environment.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "environment"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = result.data;
  const secrets = splitSecrets(e.SESSION_SECRET);
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === "production",
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queueRedisUrl: e.QUEUE_REDIS_URL ?? e.REDIS_URL,
    /** Newest first: the first signs, all of them verify (rotation). */
    sessionSecrets: secrets.length > 0 ? secrets : ["dev-only-secret-not-for-production"],
    cacheMode: e.CACHE_MODE,
    /** Express's `trust proxy`: false, a hop count, or the proxies' addresses. */
    trustProxy: e.TRUST_PROXY,
    /** The most bytes any request body may have (Content-Length or streamed). */
    bodyLimitBytes: e.BODY_LIMIT,
    /** The in-process L1's bound in bytes (0: no L1). */
    cacheL1Bytes: e.CACHE_L1_MB * 1024 * 1024,
    /** Whole anonymous responses kept in Redis (off with the cache itself: CACHE_MODE=off). */
    responseCache: e.RESPONSE_CACHE === "on" && e.CACHE_MODE === "on",
    seedDemo: e.SEED_DEMO === undefined ? e.NODE_ENV !== "production" : e.SEED_DEMO === "1" || e.SEED_DEMO === "true",
    seedScale: e.SEED_SCALE,
    /** `inline`: the web server runs the warming worker and the outbox relay too (the default). */
    workers: e.WORKERS,
    warming: {
      concurrency: e.WARM_CONCURRENCY,
      /** How often the hottest keys are re-warmed; 0 turns the schedule off. */
      intervalMs: e.WARM_INTERVAL,
      hotKeys: e.WARM_HOT_KEYS,
      /** How long a stopping worker waits for its running jobs. */
      stopTimeoutMs: e.WORKER_STOP_TIMEOUT,
    },
    /** Bearer token that lets a non-loopback caller read /metrics. */
    metricsToken: e.METRICS_TOKEN,
    /** `npm run worker`'s /metrics port (0: none). */
    metricsPort: e.METRICS_PORT,
    /** Share of cache hits the freshness audit re-loads: 1 % by default, every hit in tests. */
    auditRate: e.CACHE_AUDIT_RATE ?? (e.NODE_ENV === "test" ? 1 : 0.01),
    /** Receives a JSON POST on each alert change. */
    alertWebhookUrl: e.ALERT_WEBHOOK_URL,
  };
}

/** For entry points: the configuration, or exit 1 with a message naming the bad variable. */
export function parseConfigOrExit(): Config {
  try {
    return parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
