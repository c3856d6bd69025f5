import { eq } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheEvents } from "~/cache/events";
import { invalidate } from "~/cache/invalidate.server";
import type { CacheStatus } from "~/cache/read-log";
import { tags } from "~/cache/tags";
import { db } from "~/db/connection.server";
import { posts } from "~/db/schema";
import type { SignedIn } from "~/models/actor";
import { addChapter } from "~/models/chapters.server";
import { setLike } from "~/models/likes.server";
import { createPost, FEED_PAGE_SIZE } from "~/models/posts.server";
import { addReply } from "~/models/replies.server";
import { addScene, updateScene } from "~/models/scenes.server";
import { communityFeed, feedPageNumber, storyReading } from "~/queries/index.server";
import { type TestApp, testApp } from "../support/test-app";

/**
 * Pages assembled from pieces (docs/caching.md#assembled-pages), against the real Redis and
 * database: a write reloads the one piece it changed and every other piece stays a hit, and a
 * piece that vanished is dropped from a cached list.
 */

let app: TestApp;
let alice: SignedIn;
let bob: SignedIn;

/** What the engine did while `work` ran: each piece's outcome, and the rows each query loaded. */
async function observe(work: () => Promise<unknown>) {
  const served: { query: string; status: CacheStatus; args: unknown }[] = [];
  const loads: Record<string, number> = {};
  const events = cacheEvents();
  const stop = [
    events.on("served", ({ query, status, args }) => served.push({ query, status, args })),
    events.on("loaded", ({ query }) => {
      loads[query] = (loads[query] ?? 0) + 1;
    }),
  ];
  try {
    await work();
  } finally {
    for (const off of stop) off();
  }
  const count = (query: string, status: CacheStatus) =>
    served.filter((s) => s.query === query && s.status === status).length;
  return { served, loads, count };
}

beforeAll(async () => {
  app = await testApp({ story: { title: "Granular", content: "scene one" } });
  ({ alice, bob } = app.users);
  // Enough posts for a full first page of the feed.
  for (let i = 0; i < FEED_PAGE_SIZE + 2; i++) await createPost(alice, { title: `Post ${i}`, body: `Body ${i}` });
}, 120_000);

afterAll(() => app.close());

describe("a page of the feed, assembled from a list entry and one entry per post", () => {
  it("a like reloads the liked post's summary only: the list and the other 19 stay hits", async () => {
    await communityFeed.read({ page: 1 });
    const warm = await observe(() => communityFeed.read({ page: 1 }));
    expect(warm.count("community.feed.page", "hit")).toBe(1);
    expect(warm.count("community.post.summary", "hit")).toBe(FEED_PAGE_SIZE);

    const first = await communityFeed.read({ page: 1 });
    const liked = first.value.posts[3];
    if (!liked) throw new Error("no fourth post on page 1");
    const change = await setLike(bob, liked.id, { liked: true });
    expect(change.tags).toEqual([tags.post(liked.id)]);

    const after = await observe(() => communityFeed.read({ page: 1 }));
    expect(after.count("community.feed.page", "hit")).toBe(1);
    expect(after.count("community.post.summary", "hit")).toBe(FEED_PAGE_SIZE - 1);
    expect(after.served.filter((s) => s.status === "miss")).toEqual([
      { query: "community.post.summary", status: "miss", args: { postId: liked.id } },
    ]);
    expect(after.loads).toEqual({ "community.post.summary": 1 });
    const page = (await communityFeed.read({ page: 1 })).value;
    expect(page.posts[3]).toMatchObject({ id: liked.id, likeCount: liked.likeCount + 1 });
  });

  it("a reply shows in the post's count at once, and leaves the list entry alone", async () => {
    const { value } = await communityFeed.read({ page: 1 });
    const target = value.posts[0];
    if (!target) throw new Error("empty feed");
    await addReply(alice, target.id, { body: "a reply" });
    const after = await observe(() => communityFeed.read({ page: 1 }));
    expect(after.count("community.feed.page", "hit")).toBe(1);
    const page = (await communityFeed.read({ page: 1 })).value;
    expect(page.posts[0]).toMatchObject({ id: target.id, replyCount: target.replyCount + 1 });
  });

  it("a new post is on the first page at once (it purges the list)", async () => {
    const { value: created } = await createPost(bob, { title: "Brand new", body: "hello" });
    const read = await communityFeed.read({ page: 1 });
    expect(read.value.posts[0]).toMatchObject({ id: created.id, title: "Brand new" });
    expect(read.value.posts).toHaveLength(FEED_PAGE_SIZE);
  });

  it("drops a post that vanished although the cached list still names it", async () => {
    await communityFeed.read({ page: 1 });
    const before = await communityFeed.read({ page: 1 });
    const gone = before.value.posts[5];
    if (!gone) throw new Error("no sixth post");
    // Deleted behind the list's back: only the post's own tag is purged, not the feed's.
    await db().delete(posts).where(eq(posts.id, gone.id));
    await invalidate([tags.post(gone.id)], { reason: "test: a post deleted" });
    const after = await communityFeed.read({ page: 1 });
    expect(after.status).toBe("miss"); // the vanished post's entry loaded (as null)
    expect(after.value.posts.map((p) => p.id)).not.toContain(gone.id);
    expect(after.value.posts).toHaveLength(FEED_PAGE_SIZE - 1);
    // The list entry was a hit throughout: the page holds one post fewer until a create purges it.
    const again = await observe(() => communityFeed.read({ page: 1 }));
    expect(again.count("community.feed.page", "hit")).toBe(1);
    expect(again.count("community.post.summary", "hit")).toBe(FEED_PAGE_SIZE);
  });

  it("clamps a page number past the last page before it becomes a key", async () => {
    const last = (await communityFeed.read({ page: 1 })).value.pageCount;
    expect(await feedPageNumber(999_999)).toBe(last);
    expect(await feedPageNumber(0)).toBe(1);
    const keys = new Redis(app.redisUrl);
    try {
      expect(await keys.keys(`qc:${app.namespace}*:e:community.feed.page:*999999*`)).toEqual([]);
    } finally {
      keys.disconnect();
    }
  });

  it("carries the union of its pieces' tags, so the browser cache purges the page by any of them", async () => {
    const read = await communityFeed.read({ page: 1 });
    expect(read.tags).toContain(tags.communityFeed());
    for (const post of read.value.posts) expect(read.tags).toContain(tags.post(post.id));
  });
});

describe("the reading view, assembled from an outline and one entry per scene", () => {
  let storyId: number;
  let sceneIds: number[];

  beforeAll(async () => {
    storyId = app.story.storyId;
    const { value: chapter } = await addChapter(alice, storyId, { title: "Many scenes" });
    sceneIds = [];
    for (let i = 0; i < 30; i++) {
      sceneIds.push((await addScene(alice, chapter.id, { title: `S${i}`, content: `words ${i}` })).value.id);
    }
  }, 120_000);

  it("a scene autosave reloads that one scene, not the story", async () => {
    await storyReading.read({ storyId });
    const saved = sceneIds[17] as number;
    const change = await updateScene(alice, saved, { content: "saved again just now" });
    expect(change.tags).not.toContain(tags.story(storyId));

    const after = await observe(() => storyReading.read({ storyId }));
    expect(after.count("story.outline", "hit")).toBe(1);
    expect(after.served.filter((s) => s.status === "miss")).toEqual([
      { query: "story.scene", status: "miss", args: { sceneId: saved } },
    ]);
    expect(after.count("story.scene", "hit")).toBe(sceneIds.length); // 30 others + the first chapter's one
    expect(after.loads).toEqual({ "story.scene": 1 });
    const reading = (await storyReading.read({ storyId })).value;
    const scene = reading.chapters[1]?.scenes[17];
    expect(scene).toMatchObject({ id: saved, content: "saved again just now", wordCount: 4 });
  });

  it("a new scene purges the outline, and the page shows it in place", async () => {
    await storyReading.read({ storyId });
    const chapterId = (await storyReading.read({ storyId })).value.chapters[1]?.id as number;
    const { value: added } = await addScene(alice, chapterId, { title: "Last", content: "the end" });
    const after = await observe(() => storyReading.read({ storyId }));
    expect(after.count("story.outline", "miss")).toBe(1);
    expect(after.loads["story.scene"]).toBe(1); // only the new scene: the others' entries are hits
    const reading = (await storyReading.read({ storyId })).value;
    expect(reading.chapters[1]?.scenes.at(-1)).toMatchObject({ id: added.id, title: "Last", content: "the end" });
  });

  it("is what a load straight from the database gives", async () => {
    const cached = await storyReading.read({ storyId });
    const fresh = await storyReading.spec.load({ storyId }, {});
    expect(cached.value).toEqual(fresh);
  });
});
