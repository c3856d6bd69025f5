import { eq } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cacheKeys } from "~/cache/keys";
import { drainOutbox, dropExpiredOutboxRows, MAX_ENTRY_LIFETIME_MS, outboxBacklog } from "~/cache/outbox.server";
import { startOutboxRelay } from "~/cache/outbox-relay.server";
import { TaggedStore } from "~/cache/tagged-store.server";
import { db } from "~/db/connection.server";
import { cachePurgeOutbox, scenes } from "~/db/schema";
import type { SignedIn } from "~/models/actor";
import { updateScene } from "~/models/scenes.server";
import { storyReading } from "~/queries/index.server";
import { waitFor } from "../support/cache";
import { freePort } from "../support/server-process";
import { type TestApp, testApp } from "../support/test-app";

/**
 * The purge outbox's replay (docs/decisions/002-purge-outbox.md): a process that dies between its commit and its purge
 * leaves the rows and the outbox row committed and Redis untouched; the relay purges those tags,
 * and only rows past their grace; rows older than any entry are dropped.
 */
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
let alice: SignedIn;
let storyId: number;
let sceneId: number;

const content = async () => (await storyReading.read({ storyId })).value.chapters[0]?.scenes[0]?.content;
const addRow = (tags: string[], createdAt = new Date()) =>
  db().insert(cachePurgeOutbox).values({ tags, createdAt }).returning({ id: cachePurgeOutbox.id });

let app: TestApp;
beforeAll(async () => {
  app = await testApp({ redisUrl, story: { title: "Relayed", content: "first" } });
  alice = app.users.alice;
  ({ storyId, sceneId } = app.story);
});

beforeEach(async () => {
  await db().delete(cachePurgeOutbox);
});

afterAll(() => app.close());

describe("the outbox relay", () => {
  it("replays a purge that a process died before sending: the cached page shows the write", async () => {
    const saved = await updateScene(alice, sceneId, { content: "saved normally" });
    expect(await outboxBacklog()).toBe(0);
    await storyReading.read({ storyId });
    expect((await storyReading.read({ storyId })).status).toBe("hit");

    // What that process left behind: its write and its outbox row, committed; no purge sent.
    await db().transaction(async (tx) => {
      await tx.update(scenes).set({ content: "committed, never purged" }).where(eq(scenes.id, sceneId));
      await tx.insert(cachePurgeOutbox).values({ tags: saved.tags });
    });
    // Until the relay runs, every instance serves the old page: the danger the relay exists for.
    expect(await content()).toBe("saved normally");

    const stop = startOutboxRelay({ everyMs: 50, graceMs: 0 });
    try {
      await waitFor(async () => (await outboxBacklog()) === 0, 5000, "the relay to replay the row");
    } finally {
      stop();
    }
    const read = await storyReading.read({ storyId });
    expect(read.status).toBe("miss");
    expect(read.value.chapters[0]?.scenes[0]?.content).toBe("committed, never purged");
  });

  it("leaves rows younger than its grace to the mutation still purging them", async () => {
    await addRow(["test:grace"]);
    const stop = startOutboxRelay({ everyMs: 50, graceMs: 800 });
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect(await outboxBacklog()).toBe(1);
      await waitFor(async () => (await outboxBacklog()) === 0, 3000, "the row past its grace");
    } finally {
      stop();
    }
  });

  it("drops rows older than any entry can live, and only those", async () => {
    const now = Date.now();
    await addRow(["test:expired"], new Date(now - MAX_ENTRY_LIFETIME_MS - 60_000));
    const [kept] = await addRow(["test:recent"], new Date(now - MAX_ENTRY_LIFETIME_MS + 60_000));
    await dropExpiredOutboxRows(now);
    const left = await db().select({ id: cachePurgeOutbox.id }).from(cachePurgeOutbox);
    expect(left).toEqual([{ id: kept?.id }]);
  });
});

describe("draining the outbox", () => {
  it("purges every row up to the given time, in batches, and deletes them", async () => {
    const raw = new Redis(redisUrl);
    const namespace = `drain${process.pid}`;
    const store = new TaggedStore(raw, namespace);
    const token = (tag: string) => raw.exists(cacheKeys(namespace).token(tag));
    try {
      const tags = Array.from({ length: 1200 }, (_, i) => `test:drain:${i % 700}`);
      await db()
        .insert(cachePurgeOutbox)
        .values(tags.map((tag) => ({ tags: [tag] })));
      const later = await addRow(["test:later"], new Date(Date.now() + 60_000));
      // Tokens that the purge must delete, and one it must not.
      await store.lookup("k", ["test:drain:0", "test:drain:699", "test:later"]);
      const drained = await drainOutbox(store, { upTo: new Date() });
      expect(drained.rows).toBe(1200);
      expect(new Set(drained.tags).size).toBe(700);
      expect(drained.tags).not.toContain("test:later");
      const left = await db().select({ id: cachePurgeOutbox.id }).from(cachePurgeOutbox);
      expect(left).toEqual([{ id: later[0]?.id }]);
      expect([await token("test:drain:0"), await token("test:drain:699"), await token("test:later")]).toEqual([
        0, 0, 1,
      ]);
    } finally {
      await raw.del(cacheKeys(namespace).token("test:later"));
      raw.disconnect();
    }
  });

  it("keeps the rows and counts an attempt when Redis refuses the purge", async () => {
    const dead = new Redis({
      port: await freePort(),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on("error", () => {});
    const [row] = await addRow(["test:refused"]);
    await expect(drainOutbox(new TaggedStore(dead, "dead"), { upTo: new Date() })).rejects.toThrow();
    const [left] = await db()
      .select({ id: cachePurgeOutbox.id, attempts: cachePurgeOutbox.attempts })
      .from(cachePurgeOutbox)
      .where(eq(cachePurgeOutbox.id, row?.id as number));
    expect(left).toEqual({ id: row?.id, attempts: 1 });
    expect(await outboxBacklog()).toBe(1);
    dead.disconnect();
  });
});
