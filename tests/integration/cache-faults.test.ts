import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheAvailability } from "~/cache/availability.server";
import { invalidate } from "~/cache/invalidate.server";
import { outboxBacklog } from "~/cache/outbox.server";
import { tags } from "~/cache/tags";
import type { SignedIn } from "~/models/actor";
import { updateScene } from "~/models/scenes.server";
import { storyReading } from "~/queries/index.server";
import { waitFor } from "../support/cache";
import { freePort, redisServerAvailable } from "../support/server-process";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { type TestApp, testApp } from "../support/test-app";

/**
 * Redis dies (SIGKILL), freezes (SIGSTOP) or is cut off with its packets lost (a proxy that
 * swallows them) while reads run: every read still answers, within the command timeout plus
 * database time; while the breaker is open not one command leaves the process; and a write made
 * during the outage is never followed by a stale read once Redis is back — even though Redis comes
 * back with its old entries (AOF on) or never saw the purge at all.
 */

/** A request must answer within the command timeout (250 ms) plus database time; we allow 1 s. */
const ANSWER_WITHIN_MS = 1000;

describe.runIf(redisServerAvailable)("cache faults (a Redis of the test's own, behind a proxy)", () => {
  let port: number;
  let proxy: TcpProxy;
  let dir: string;
  let redis: ChildProcess | undefined;
  let app: TestApp | undefined;
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
    proxy = await startTcpProxy(port);
    app = await testApp({ redisUrl: `redis://127.0.0.1:${proxy.port}`, story: { title: "Faults", content: "before" } });
    alice = app.users.alice;
    ({ storyId, sceneId } = app.story);
  });

  afterAll(async () => {
    redis?.kill("SIGCONT");
    redis?.kill("SIGKILL");
    await app?.close();
    await proxy?.close();
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
  /** Reads until this instance uses Redis again; every read on the way must show `expected`. */
  async function readUntilBack(expected: string) {
    const until = Date.now() + 5000;
    while (Date.now() < until && !cacheAvailability().forReads()) {
      expect(await content()).toBe(expected);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(cacheAvailability().forReads()).toBeDefined();
  }

  it("opens the breaker when Redis stops answering; while open, reads send Redis nothing", async () => {
    await readUntilBack((await content()) as string);
    await storyReading.read({ storyId });
    expect((await storyReading.read({ storyId })).status).toBe("hit");

    proxy.mode = "blackhole";
    const cutAt = performance.now();
    // Each read waits out the command timeout until the third failure opens the breaker.
    let reads = 0;
    while (cacheAvailability().state().breaker !== "open" && reads < 10) {
      expect((await storyReading.read({ storyId })).status).toBe("bypass");
      reads += 1;
    }
    expect(cacheAvailability().state().breaker).toBe("open");
    const openedAt = performance.now();
    expect(openedAt - cutAt).toBeLessThan(ANSWER_WITHIN_MS * 1.5);

    // Open for 1 s: reads in the next 600 ms go straight to the database, sending Redis nothing.
    proxy.sentBytes = 0;
    let open = 0;
    while (performance.now() - openedAt < 600) {
      const started = performance.now();
      const read = await storyReading.read({ storyId });
      expect(read.status).toBe("bypass");
      expect(performance.now() - started).toBeLessThan(200);
      open += 1;
    }
    expect(open).toBeGreaterThan(5);
    expect(proxy.sentBytes).toBe(0);

    // After its open time one probe goes through (and fails): the breaker opens again.
    await new Promise((r) => setTimeout(r, 1100 - (performance.now() - openedAt)));
    await storyReading.read({ storyId });
    await new Promise((r) => setTimeout(r, 400));
    expect(proxy.sentBytes).toBeGreaterThan(0);
    expect(cacheAvailability().state().breaker).toBe("open");

    proxy.mode = "pass";
    proxy.dropConnections();
    await waitFor(() => cacheAvailability().state().recovering, 2000, "the instance to see the drop");
    await readUntilBack((await content()) as string);
  }, 30_000);

  it("keeps a purge lost with the socket in the outbox, and replays it before any cached read", async () => {
    await updateScene(alice, sceneId, { content: "before the partition" });
    await readUntilBack("before the partition");
    await storyReading.read({ storyId });
    expect((await storyReading.read({ storyId })).status).toBe("hit");

    // The partition swallows the purge: Redis keeps the old entry under tokens that still match.
    proxy.mode = "blackhole";
    const started = performance.now();
    await updateScene(alice, sceneId, { content: "written during the partition" });
    expect(performance.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await outboxBacklog()).toBeGreaterThan(0);
    expect(await content()).toBe("written during the partition");

    // The connection drops and comes back: the outbox is replayed before any read uses Redis.
    proxy.mode = "pass";
    proxy.dropConnections();
    await waitFor(() => cacheAvailability().state().recovering, 2000, "the instance to see the drop");
    await readUntilBack("written during the partition");
    expect(await outboxBacklog()).toBe(0);
    for (let i = 0; i < 5; i++) expect(await content()).toBe("written during the partition");
    expect((await storyReading.read({ storyId })).status).toBe("hit");
  }, 30_000);
});
