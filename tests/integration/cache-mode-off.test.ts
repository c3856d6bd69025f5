import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { cacheAvailability } from "~/cache/availability.server";
import { defineQuery } from "~/cache/define-query.server";
import { invalidate } from "~/cache/invalidate.server";
import { cacheKeys } from "~/cache/keys";
import { cacheRedis, connectCacheRedis, disconnectCacheRedis } from "~/cache/redis.server";
import { type DatabaseHandle, setDatabase } from "~/db/connection.server";
import { openSnapshotPglite } from "../support/pglite-snapshot";

/**
 * CACHE_MODE=off (README, Configuration): every read goes straight to the database, with Redis up
 * and the outbox drained, while purges still reach Redis. The configuration is read once per
 * process, so this file sets it before anything is imported, and puts it back when done.
 */
const previous = vi.hoisted(() => {
  const before = process.env.CACHE_MODE;
  process.env.CACHE_MODE = "off";
  return before;
});

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const raw = new Redis(redisUrl);
const namespace = `off-${randomBytes(6).toString("hex")}`;
let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await openSnapshotPglite();
  setDatabase(handle);
});

afterAll(async () => {
  await disconnectCacheRedis();
  const keys = await raw.keys(`qc:${namespace}:*`);
  if (keys.length > 0) await raw.del(...keys);
  raw.disconnect();
  setDatabase(undefined);
  await handle.close();
  if (previous === undefined) delete process.env.CACHE_MODE;
  else process.env.CACHE_MODE = previous;
});

describe("CACHE_MODE=off", () => {
  it("reads from the database with Redis up, and still purges", async () => {
    const availability = cacheAvailability();
    availability.useNamespace(namespace);
    connectCacheRedis(redisUrl);
    const deadline = Date.now() + 5000;
    while (cacheRedis()?.status !== "ready" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await availability.settle(800)).toBe(false);
    expect(availability.forReads()).toBeUndefined();

    let loads = 0;
    const query = defineQuery({
      name: `test.off.${namespace}`,
      args: z.object({}),
      tags: () => ["off:1"],
      fresh: "1m",
      stale: "1m",
      scope: "public",
      value: z.number(),
      load: async () => ++loads,
    });
    expect(await query.read({})).toMatchObject({ status: "bypass", value: 1 });
    expect(await query.read({})).toMatchObject({ status: "bypass", value: 2 });

    const token = cacheKeys(namespace).token("off:1");
    await raw.set(token, "t");
    await invalidate(["off:1"], { reason: "test" });
    expect(await raw.exists(token)).toBe(0);
  });
});
