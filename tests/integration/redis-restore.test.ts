import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheAvailability } from "~/cache/availability.server";
import { outboxBacklog } from "~/cache/outbox.server";
import { appMeta } from "~/db/schema";
import type { SignedIn } from "~/models/actor";
import { updateScene } from "~/models/scenes.server";
import { storyReading } from "~/queries/index.server";
import { waitFor } from "../support/cache";
import { freePort, redisServerAvailable } from "../support/server-process";
import { type TestApp, testApp } from "../support/test-app";

/**
 * Issue 11, item 2 (docs/decisions/010-redis-restarts-rotate-the-cache.md): a Redis restarted from
 * a snapshot taken before a write comes back with the tokens that write's purge deleted. Without a
 * check its old entry is a HIT again; with it, the new run_id moves keys to a new generation
 * before any read uses that Redis. A real redis-server on a spare port, its own dir, SAVE, kill -9,
 * restart from the same dir.
 */
describe.runIf(redisServerAvailable)("a Redis restored from a snapshot", () => {
  let port: number;
  let dir: string;
  let redis: ChildProcess | undefined;
  let app: TestApp | undefined;
  let alice: SignedIn;
  let storyId: number;
  let sceneId: number;

  async function startRedis() {
    redis = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
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

  async function stopRedis() {
    const child = redis;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  const read = async () => {
    const result = await storyReading.read({ storyId });
    return { status: result.status, content: result.value.chapters[0]?.scenes[0]?.content };
  };

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(path.join(os.tmpdir(), "redis-restore-"));
    await startRedis();
    app = await testApp({ redisUrl: `redis://127.0.0.1:${port}`, story: { title: "Restored", content: "before" } });
    alice = app.users.alice;
    ({ storyId, sceneId } = app.story);
  });

  afterAll(async () => {
    await stopRedis();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("SAVE, read HIT, write, kill, restart from the same dir: 0 stale reads", async () => {
    await read();
    expect(await read()).toEqual({ status: "hit", content: "before" });
    const raw = new Redis({ port, host: "127.0.0.1" });
    expect(await raw.save()).toBe("OK");
    raw.disconnect();

    // The write's purge reaches Redis and its outbox row is gone: nothing is left to replay.
    await updateScene(alice, sceneId, { content: "after" });
    expect(await outboxBacklog()).toBe(0);
    await read();
    expect(await read()).toEqual({ status: "hit", content: "after" });

    // Redis dies and comes back from the snapshot: the "before" entry and its tokens are back.
    await stopRedis();
    await startRedis();
    const snapshot = new Redis({ port, host: "127.0.0.1" });
    expect(await snapshot.dbsize()).toBeGreaterThan(0);
    snapshot.disconnect();

    const seen: { status: string; content?: string }[] = [];
    const until = Date.now() + 10_000;
    while (Date.now() < until && !cacheAvailability().forReads()) {
      seen.push(await read());
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(cacheAvailability().forReads(), "the cache uses Redis again").toBeDefined();
    for (let i = 0; i < 50; i++) seen.push(await read());
    const stale = seen.filter((r) => r.content !== "after");
    console.log(
      `restore: ${seen.length} reads after the restart (${seen.filter((r) => r.status === "hit").length} hits), ${stale.length} stale`,
    );
    expect(stale).toEqual([]);
    // The cache works in the new generation: the reads after the first are hits.
    expect(seen.at(-1)).toEqual({ status: "hit", content: "after" });
    expect(cacheAvailability().currentGeneration()).not.toBeNull();
    expect(cacheAvailability().currentGeneration()).not.toBe("");
  }, 60_000);

  it("every instance of the database lands on one generation per Redis run_id", async () => {
    const { cacheGenerationFor } = await import("~/cache/namespace.server");
    const db = app?.handle.db;
    if (!db) throw new Error("no app");
    const before = await cacheGenerationFor(db, "run-a");
    // Many instances meeting the same new run_id at once: one change, one answer.
    const answers = await Promise.all(Array.from({ length: 8 }, () => cacheGenerationFor(db, "run-b")));
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).not.toBe(before);
    expect(await cacheGenerationFor(db, "run-b")).toBe(answers[0]);
    const rows = await db.select().from(appMeta);
    expect(rows.find((r) => r.key === "cache_redis_run_id")?.value).toBe("run-b");
  });
});
