import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineQuery } from "~/cache/define-query.server";
import { invalidate } from "~/cache/invalidate.server";
import { stableKey } from "~/cache/query-cache.server";
import { ReadLog } from "~/cache/read-log";
import { splitEntry } from "~/cache/tagged-store.server";
import { tags } from "~/cache/tags";
import type { SignedIn } from "~/models/actor";
import { ForbiddenError } from "~/models/errors";
import { updateScene } from "~/models/scenes.server";
import { metricsSnapshot } from "~/monitoring/cache-metrics.server";
import { storyReading, studioScene, studioStory } from "~/queries/index.server";
import { type TestApp, testApp } from "../support/test-app";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const raw = new Redis(redisUrl);
let namespace: string;
let alice: SignedIn;
let bob: SignedIn;
let storyId: number;
let sceneId: number;

let app: TestApp;

beforeAll(async () => {
  app = await testApp({ redisUrl, story: { title: "Cached", content: "first" } });
  namespace = app.namespace;
  ({ alice, bob } = app.users);
  ({ storyId, sceneId } = app.story);
});

afterAll(async () => {
  raw.disconnect();
  await app.close();
});

describe("reads through the tagged cache (real Redis, real database)", () => {
  it("misses once, then hits, with the same value", async () => {
    await invalidate([tags.story(storyId)], { reason: "test" });
    const first = await storyReading.read({ storyId });
    const second = await storyReading.read({ storyId });
    expect(first.status).toBe("miss");
    expect(second.status).toBe("hit");
    expect(second.value).toEqual(first.value);
    expect(second.value.story.updatedAt).toBeInstanceOf(Date);
    expect(second.dbMs).toBe(0);
  });

  it("shows every write to the very next read, 200 times in a row", async () => {
    const statuses = new Set<string>();
    for (let i = 0; i < 200; i++) {
      await updateScene(alice, sceneId, { content: `version ${i}` });
      const editor = await studioScene.read({ sceneId }, { userId: alice.id });
      const reading = await storyReading.read({ storyId });
      statuses.add(editor.status).add(reading.status);
      expect(editor.value.scene.content).toBe(`version ${i}`);
      expect(reading.value.chapters[0]?.scenes[0]?.content).toBe(`version ${i}`);
      // And the read after that is served from Redis.
      expect((await storyReading.read({ storyId })).status).toBe("hit");
    }
    expect([...statuses]).toEqual(["miss"]);
    // 600 reads and 200 writes: about 6 s alone, far more on a busy machine. A timeout here would
    // leave the loop running into the next test's counters.
  }, 120_000);

  it("makes one database load for 100 concurrent misses of one key", async () => {
    let loads = 0;
    const counted = defineQuery({
      name: "test.counted",
      args: z.object({ n: z.number() }),
      tags: ({ n }) => [`test:counted:${n}`],
      fresh: "1m",
      stale: "1m",
      scope: "public",
      value: z.number(),
      load: async ({ n }) => {
        loads += 1;
        await new Promise((r) => setTimeout(r, 50));
        return n * 2;
      },
    });
    await invalidate(["test:counted:21"], { reason: "test" });
    const results = await Promise.all(Array.from({ length: 100 }, () => counted.read({ n: 21 })));
    expect(loads).toBe(1);
    expect(results.every((r) => r.value === 42 && r.status === "miss")).toBe(true);
    expect((await counted.read({ n: 21 })).status).toBe("hit");
  });

  it("never serves a user-scoped value to another user", async () => {
    const mine = await studioStory.read({ storyId }, { userId: alice.id });
    expect(mine.value.story.authorId).toBe(alice.id);
    expect((await studioStory.read({ storyId }, { userId: alice.id })).status).toBe("hit");
    // Bob's read has a key of its own: a miss that loads, and the load refuses him.
    await expect(studioStory.read({ storyId }, { userId: bob.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(studioStory.read({ storyId })).rejects.toThrow(/user-scoped/);
  });

  it("treats a cached value of the wrong shape as a miss, not a crash", async () => {
    await storyReading.read({ storyId });
    // The reading view is assembled; its outline is one entry of it.
    const key = `qc:${namespace}:e:story.outline:${stableKey({ storyId })}`;
    const entry = splitEntry((await raw.get(key)) as string);
    const wrong = JSON.stringify({ v: { story: "not a story" }, f: Date.now() + 60_000 });
    await raw.set(key, `${entry?.tokens}\n${wrong}`, "PX", 60_000);
    const before = metricsSnapshot().queries["story.outline"]?.schemaMismatches ?? 0;
    const read = await storyReading.read({ storyId });
    expect(read.status).toBe("miss");
    expect(read.value.story.id).toBe(storyId);
    expect(metricsSnapshot().queries["story.outline"]?.schemaMismatches).toBe(before + 1);
    expect((await storyReading.read({ storyId })).status).toBe("hit");
  });

  it("refuses and counts the fill of a load that a purge overtook", async () => {
    let release: () => void = () => {};
    let version = 1;
    const slow = defineQuery({
      name: "test.slow",
      args: z.object({}),
      tags: () => ["test:slow"],
      fresh: "1m",
      stale: "1m",
      scope: "public",
      value: z.number(),
      load: async () => {
        const seen = version;
        await new Promise<void>((r) => {
          release = r;
        });
        return seen;
      },
    });
    await invalidate(["test:slow"], { reason: "test" });
    const racing = slow.read({});
    await new Promise((r) => setTimeout(r, 30));
    version = 2;
    await invalidate(["test:slow"], { reason: "test" });
    release();
    expect((await racing).value).toBe(1);
    expect(metricsSnapshot().queries["test.slow"]?.rejectedFills).toBe(1);
    const next = slow.read({});
    await new Promise((r) => setTimeout(r, 30));
    release();
    expect(await next).toMatchObject({ status: "miss", value: 2 });
  });

  it("serves an entry past its fresh time as stale, but never one that was purged", async () => {
    let version = 0;
    const quick = defineQuery({
      name: "test.quick",
      args: z.object({}),
      tags: () => ["test:quick"],
      fresh: 1,
      stale: "1m",
      scope: "public",
      value: z.number(),
      load: async () => version,
    });
    await invalidate(["test:quick"], { reason: "test" });
    expect(await quick.read({})).toMatchObject({ status: "miss", value: 0 });
    await new Promise((r) => setTimeout(r, 5));
    version = 1;
    expect(await quick.read({})).toMatchObject({ status: "stale", value: 0 });
    version = 2;
    await invalidate(["test:quick"], { reason: "test" });
    expect(await quick.read({})).toMatchObject({ status: "miss", value: 2 });
  });

  it("sums a request's reads into its headers", async () => {
    const log = new ReadLog();
    await invalidate([tags.scene(sceneId)], { reason: "test" });
    await storyReading.read({ storyId }, { log });
    await studioScene.read({ sceneId }, { userId: alice.id, log });
    const headers = log.headers();
    expect(headers["X-Cache"]).toBe("MISS");
    expect(headers["X-Cache-Tags"]).toBe(`story:${storyId}, scene:${sceneId}`);
    // The assembled reading view: its outline (a hit), its one scene as a batch of one (purged: a miss).
    expect(headers["Server-Timing"]).toMatch(
      /^cache;dur=[\d.]+, db;dur=[\d.]+, q0;desc="story.outline hit";dur=[\d.]+, q1;desc="story.scene x1 miss"/,
    );
  });

  it("purges in O(1) per tag: a purge deletes tokens, not entries", async () => {
    await storyReading.read({ storyId });
    const entries = await raw.keys(`qc:${namespace}:e:story.outline:*`);
    expect(entries.length).toBeGreaterThan(0);
    await invalidate([tags.story(storyId)], { reason: "test" });
    expect(await raw.exists(`qc:${namespace}:t:story:${storyId}`)).toBe(0);
    expect((await storyReading.read({ storyId })).status).toBe("miss");
  });
});
