import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "~/config.server";

describe("configuration", () => {
  it("has working defaults for a local run", () => {
    const cfg = parseConfig({});
    expect(cfg).toMatchObject({
      port: 3000,
      redisUrl: "redis://127.0.0.1:6379",
      queueRedisUrl: "redis://127.0.0.1:6379",
      cacheMode: "on",
      seedDemo: true,
      isProduction: false,
    });
    expect(cfg.databaseUrl).toBeUndefined();
    expect(cfg.dataDir).toMatch(/\.data$/);
  });

  it("names the bad variable", () => {
    expect(() => parseConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => parseConfig({ REDIS_URL: "localhost:6379" })).toThrow(/REDIS_URL: must be a redis:\/\//);
    expect(() => parseConfig({ CACHE_MODE: "maybe" })).toThrow(/CACHE_MODE/);
    expect(() => parseConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => parseConfig({ PORT: "0" })).toThrow(ConfigError);
  });

  it("requires a session secret in production, and rotates through a list", () => {
    expect(() => parseConfig({ NODE_ENV: "production" })).toThrow(/SESSION_SECRET: is required/);
    expect(() => parseConfig({ NODE_ENV: "production", SESSION_SECRET: "short" })).toThrow(/at least 16/);
    const cfg = parseConfig({ NODE_ENV: "production", SESSION_SECRET: "new-secret-0123456789, old-secret-0123456789" });
    expect(cfg.sessionSecrets).toEqual(["new-secret-0123456789", "old-secret-0123456789"]);
    expect(cfg.seedDemo).toBe(false);
    expect(parseConfig({ NODE_ENV: "production", SESSION_SECRET: "x".repeat(16), SEED_DEMO: "1" }).seedDemo).toBe(true);
  });

  it("treats empty variables as unset and lets the queue share the cache Redis", () => {
    expect(parseConfig({ PORT: "", DATABASE_URL: "" }).port).toBe(3000);
    expect(parseConfig({ REDIS_URL: "redis://r:1" }).queueRedisUrl).toBe("redis://r:1");
    expect(parseConfig({ REDIS_URL: "redis://r:1", QUEUE_REDIS_URL: "redis://q:2" }).queueRedisUrl).toBe("redis://q:2");
  });
});
