import { createHash } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** The JSON API's paths: their routes answer 405, then 401, then 413 themselves (docs/api.md). */
const API_PATH = /^\/(studio|community)\/api\//i;

/**
 * Refuses cross-site non-GET requests (403): a browser says where a request comes from in
 * `Sec-Fetch-Site`, older ones in `Origin`. Requests with neither (curl, k6, server-to-server)
 * are not from a browser page, so they cannot ride a user's cookie and pass.
 */
export function crossSiteGuard(req: Request, res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method)) return next();
  const site = req.get("Sec-Fetch-Site");
  if (site === "cross-site") return refuse(res, "Cross-site requests may not change anything");
  const origin = req.get("Origin");
  if (origin !== undefined && site !== "same-origin" && site !== "none") {
    let host: string | undefined;
    try {
      host = origin === "null" ? undefined : new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.get("Host")) return refuse(res, "Cross-origin requests may not change anything");
  }
  next();
}

/**
 * Refuses a page request whose body says it is larger than `maxBytes` (413) before anything reads
 * it, and closes the connection rather than read the rest. A body without a length (chunked) is
 * bounded where it is read: `readForm` stops at the same limit. The JSON API keeps its documented
 * order (405, then 401 before any body is read, then 413, all from `apiRoute`), bounded the same way.
 */
export function bodyLimit(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.get("Content-Length") ?? 0);
    if (!(declared > maxBytes) || API_PATH.test(req.path)) return next();
    res
      .status(413)
      .set("Connection", "close")
      .type("application/json")
      .send(JSON.stringify({ error: `The body is larger than ${maxBytes} bytes` }));
  };
}

function refuse(res: Response, message: string) {
  res
    .status(403)
    .type("application/json")
    .send(JSON.stringify({ error: message }));
}

/**
 * A per-client budget of writes to the JSON API (429 beyond it), shared by every instance through
 * Redis. It fails open: with Redis down, writes go through (login keeps its own, closed limit).
 * A client is its session cookie when it has one, else its address.
 */
export function apiWriteLimit(getRedis: () => Redis | undefined, pointsPerMinute: number) {
  let limiter: RateLimiterRedis | undefined;
  return async (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || !API_PATH.test(req.path)) return next();
    const redis = getRedis();
    if (!redis) return next();
    limiter ??= new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: "rl:api-write",
      points: pointsPerMinute,
      duration: 60,
      rejectIfRedisNotReady: true,
    });
    const session = /(?:^|;\s*)__session=([^;]+)/.exec(req.get("Cookie") ?? "")?.[1];
    const key = session ? `s:${createHash("sha256").update(session).digest("base64url").slice(0, 22)}` : `a:${req.ip}`;
    try {
      await limiter.consume(key);
      next();
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) return next();
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      res
        .status(429)
        .set("Retry-After", String(retryAfter))
        .type("application/json")
        .send(JSON.stringify({ error: `Too many writes; try again in ${retryAfter} s` }));
    }
  };
}
