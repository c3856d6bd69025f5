import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheAvailability } from "~/cache/availability.server";
import { invalidate } from "~/cache/invalidate.server";
import { outboxBacklog } from "~/cache/outbox.server";
import { disconnectCacheRedis } from "~/cache/redis.server";
import { tags } from "~/cache/tags";
import { type DatabaseHandle, openDatabase, setDatabase } from "~/db/connection.server";
import { seedDemo } from "~/db/seed.server";
import type { SignedIn } from "~/models/actor";
import { addChapter } from "~/models/chapters.server";
import { addScene, updateScene } from "~/models/scenes.server";
import { createStory, updateStory } from "~/models/stories.server";
import { authenticate } from "~/models/users.server";
import { storyReading } from "~/queries/index.server";
import { enableCache, waitFor } from "../support/cache";
import { freePort } from "../support/server-process";

/**
 * Redis dies (SIGKILL) or freezes (SIGSTOP) while reads run: every read still answers, within the
 * command timeout plus database time, and a write made during the outage is never followed by a
 * stale read once Redis is back — even though Redis comes back with its old entries (AOF on).
 */
const hasRedisServer = (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** A request must answer within the command timeout (250 ms) plus database time; we allow 1 s. */
const ANSWER_WITHIN_MS = 1000;

describe.runIf(hasRedisServer)("cache faults (a Redis of the test's own)", () => {
  let port: number;
  let dir: string;
  let redis: ChildProcess | undefined;
  let handle: DatabaseHandle;
  let alice: SignedIn;
  let storyId: number;
  let sceneId: number;

  async function startRedis() {
    redis = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
      ],
      { stdio: "ignore" },
    );
    const probe = new Redis({
      port,
      host: "127.0.0.1",
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    probe.on("error", () => {});
    await waitFor(async () => (await probe.ping().catch(() => "")) === "PONG", 10_000, "redis-server to start");
    probe.disconnect();
  }

  /** Reads the story as fast as it can for `ms`, in `parallel` loops; returns every read's duration. */
  async function readFor(ms: number, parallel = 8) {
    const durations: number[] = [];
    const statuses = new Set<string>();
    const until = Date.now() + ms;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (Date.now() < until) {
          const started = performance.now();
          const read = await storyReading.read({ storyId });
          durations.push(performance.now() - started);
          statuses.add(read.status);
        }
      }),
    );
    return { durations, statuses, max: Math.max(...durations) };
  }

  const content = async () => (await storyReading.read({ storyId })).value.chapters[0]?.scenes[0]?.content;

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(path.join(os.tmpdir(), "redis-fault-"));
    await startRedis();
    handle = await openDatabase({ memory: true });
    setDatabase(handle);
    await seedDemo(handle.db);
    await enableCache(handle, `redis://127.0.0.1:${port}`);
    alice = (await authenticate({ email: "alice@example.com", password: "password" })) as SignedIn;
    storyId = (await createStory(alice, { title: "Faults" })).value.id;
    await updateStory(alice, storyId, { status: "published" });
    const chapterId = (await addChapter(alice, storyId, { title: "One" })).value.id;
    sceneId = (await addScene(alice, chapterId, { title: "S", content: "before" })).value.id;
  });

  afterAll(async () => {
    redis?.kill("SIGCONT");
    redis?.kill("SIGKILL");
    await disconnectCacheRedis();
    setDatabase(undefined);
    await handle?.close();
  });

  it("answers every read while Redis is killed, and shows the outage's writes once it is back", async () => {
    await invalidate([tags.story(storyId)], { reason: "test" });
    await storyReading.read({ storyId });
    expect((await storyReading.read({ storyId })).status).toBe("hit");

    const reading = readFor(1500);
    await new Promise((r) => setTimeout(r, 300));
    redis?.kill("SIGKILL");
    const result = await reading;
    expect(result.max).toBeLessThan(ANSWER_WITHIN_MS);
    expect(result.statuses).toContain("bypass");

    // A write during the outage: the save succeeds at once; its purge waits in the outbox.
    const started = performance.now();
    await updateScene(alice, sceneId, { content: "written while Redis was dead" });
    expect(performance.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await outboxBacklog()).toBeGreaterThan(0);
    expect(await content()).toBe("written while Redis was dead");

    // Redis comes back with its old entry and old tokens (AOF): the stale entry must never show.
    await startRedis();
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      expect(await content()).toBe("written while Redis was dead");
      if (cacheAvailability().forReads()) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(cacheAvailability().forReads()).toBeDefined();
    expect(await outboxBacklog()).toBe(0);
    expect(await content()).toBe("written while Redis was dead");
    expect((await storyReading.read({ storyId })).status).toBe("hit");
  }, 30_000);

  it("answers every read while Redis is frozen, and shows the freeze's writes once it thaws", async () => {
    await updateScene(alice, sceneId, { content: "before the freeze" });
    await storyReading.read({ storyId });
    expect((await storyReading.read({ storyId })).status).toBe("hit");

    const reading = readFor(2000);
    await new Promise((r) => setTimeout(r, 300));
    redis?.kill("SIGSTOP");
    const result = await reading;
    expect(result.max).toBeLessThan(ANSWER_WITHIN_MS);
    expect(result.statuses).toContain("bypass");

    const started = performance.now();
    await updateScene(alice, sceneId, { content: "written while Redis was frozen" });
    expect(performance.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await content()).toBe("written while Redis was frozen");

    redis?.kill("SIGCONT");
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      expect(await content()).toBe("written while Redis was frozen");
      if (cacheAvailability().forReads()) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(cacheAvailability().forReads()).toBeDefined();
    for (let i = 0; i < 20; i++) expect(await content()).toBe("written while Redis was frozen");
  }, 30_000);
});
