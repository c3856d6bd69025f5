import { Redis } from "ioredis";
import { e2eRedisUrl } from "../../playwright.config";

/** Empties the e2e Redis database so rate-limit counts of earlier runs do not carry over. */
export default async function globalSetup() {
  const redis = new Redis(e2eRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    await redis.flushdb();
  } catch {
    // No Redis: the app runs without one, and so do the tests.
  } finally {
    redis.disconnect();
  }
}
