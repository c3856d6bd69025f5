import { loadCacheNamespace } from "~/cache/namespace.server";
import { disconnectCacheRedis } from "~/cache/redis.server";
import { type DatabaseHandle, setDatabase } from "~/db/connection.server";
import { seedDemo } from "~/db/seed.server";
import type { SignedIn } from "~/models/actor";
import { addChapter } from "~/models/chapters.server";
import { addScene } from "~/models/scenes.server";
import { createStory, updateStory } from "~/models/stories.server";
import { authenticate } from "~/models/users.server";
import { closeWarmQueue, openWarmQueue, warmQueue } from "~/warming/queue.server";
import { enableCache, waitFor } from "./cache";
import { openSnapshotPglite } from "./pglite-snapshot";

/**
 * One integration-test app, wired as the composition root wires a process: a database (an
 * in-memory PGlite, migrated from a snapshot, unless `database` opens another), the demo seed, the cache on the test Redis
 * with warming and monitoring observing it, optionally the warming queue and a published story.
 *
 *   let app: TestApp;
 *   beforeAll(async () => { app = await testApp({ story: { title: "Cached" } }); });
 *   afterAll(() => app.close());
 */
export interface TestAppOptions {
  database?: () => Promise<DatabaseHandle>;
  /** The demo seed (alice, bob and admin, password "password"); on unless false. */
  seed?: boolean;
  /** The cache's Redis URL; REDIS_URL (or the local Redis) unless given. */
  redisUrl?: string;
  /** Open the warming queue (on the same Redis) too. */
  queue?: boolean;
  /** A published story of alice's with one chapter holding one scene. */
  story?: { title: string; content?: string };
}

export interface TestApp {
  handle: DatabaseHandle;
  namespace: string;
  redisUrl: string;
  /** The demo users, signed in (only with the seed). */
  users: { alice: SignedIn; bob: SignedIn; admin: SignedIn };
  story: { storyId: number; chapterId: number; sceneId: number };
  /** Closes what this opened (queue, cache connection, database), in that order. */
  close(): Promise<void>;
}

export async function testApp({
  // In memory, from the migrated snapshot (pglite-snapshot.ts): no initdb for each file.
  database = () => openSnapshotPglite(),
  seed = true,
  redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  queue = false,
  story,
}: TestAppOptions = {}): Promise<TestApp> {
  const handle = await database();
  setDatabase(handle);
  if (seed) await seedDemo(handle.db);
  await enableCache(handle, redisUrl);
  const namespace = await loadCacheNamespace(handle.db);
  if (queue) {
    openWarmQueue(redisUrl, namespace);
    await waitFor(() => warmQueue() !== undefined, 5000, "the queue connection");
  }
  const users = seed ? await demoUsers() : undefined;
  const written = story && users ? await publishedStory(users.alice, story) : undefined;
  return {
    handle,
    namespace,
    redisUrl,
    get users() {
      if (!users) throw new Error("testApp: the demo users need the seed");
      return users;
    },
    get story() {
      if (!written) throw new Error("testApp: no story was asked for (the `story` option)");
      return written;
    },
    async close() {
      if (queue) {
        await warmQueue()
          ?.obliterate({ force: true })
          .catch(() => {});
        await closeWarmQueue();
      }
      await disconnectCacheRedis();
      setDatabase(undefined);
      await handle.close();
    },
  };
}

async function demoUsers(): Promise<TestApp["users"]> {
  const signIn = async (email: string) => {
    const user = await authenticate({ email, password: "password" });
    if (!user) throw new Error(`the seed has no ${email}`);
    return user;
  };
  return {
    alice: await signIn("alice@example.com"),
    bob: await signIn("bob@example.com"),
    admin: await signIn("admin@example.com"),
  };
}

async function publishedStory(author: SignedIn, { title, content = "first" }: { title: string; content?: string }) {
  const storyId = (await createStory(author, { title })).value.id;
  await updateStory(author, storyId, { status: "published" });
  const chapterId = (await addChapter(author, storyId, { title: "One" })).value.id;
  const sceneId = (await addScene(author, chapterId, { title: "S", content })).value.id;
  return { storyId, chapterId, sceneId };
}
