import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, setDatabase } from "~/db/connection.server";
import { seedDemo } from "~/db/seed.server";
import type { SignedIn } from "~/models/actor";
import { addChapter, deleteChapter, getChapterForEditing, updateChapter } from "~/models/chapters.server";
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from "~/models/errors";
import { setLike } from "~/models/likes.server";
import { createPost, FEED_PAGE_SIZE, getPost, isLikedBy, listFeed } from "~/models/posts.server";
import { addReply } from "~/models/replies.server";
import { addScene, deleteScene, getSceneForEditing, updateScene } from "~/models/scenes.server";
import {
  createStory,
  getStoryForEditing,
  getStoryForReading,
  listPublishedStories,
  listStoriesByAuthor,
  updateStory,
} from "~/models/stories.server";
import { authenticate } from "~/models/users.server";
import { testDatabases } from "../support/databases";

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe.each(testDatabases)("models on $name", (target) => {
  let handle: DatabaseHandle;
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    handle = await target.open();
    setDatabase(handle);
    await seedDemo(handle.db);
    const a = await authenticate({ email: "alice@example.com", password: "password" });
    const b = await authenticate({ email: "BOB@example.com ", password: "password" });
    if (!a || !b) throw new Error("demo accounts missing");
    alice = a;
    bob = b;
  });

  afterAll(async () => {
    setDatabase(undefined);
    await handle?.close();
  });

  describe("sign-in", () => {
    it("accepts the right password only", async () => {
      expect(alice.email).toBe("alice@example.com");
      expect(alice.role).toBe("author");
      expect(await authenticate({ email: "alice@example.com", password: "wrong" })).toBeNull();
      expect(await authenticate({ email: "nobody@example.com", password: "password" })).toBeNull();
    });

    it("names the bad field", async () => {
      const error = await failure(authenticate({ email: "not-an-email", password: "" }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fieldErrors).sort()).toEqual(["email", "password"]);
    });
  });

  describe("stories", () => {
    it("creates, lists and edits a story, returning the tags it touched", async () => {
      const created = await createStory(alice, { title: "  A new story  ", summary: "s" });
      expect(created.tags).toEqual([`user:${alice.id}:stories`, `story:${created.value.id}`]);
      const list = await listStoriesByAuthor(alice.id);
      expect(list[0]).toMatchObject({ id: created.value.id, title: "A new story", status: "draft", chapterCount: 0 });

      const updated = await updateStory(alice, created.value.id, { status: "published", title: "Renamed" });
      expect(updated.value).toMatchObject({ title: "Renamed", status: "published", summary: "s" });
      expect(updated.tags).toContain(`story:${created.value.id}`);
      expect((await listPublishedStories()).map((s) => s.id)).toContain(created.value.id);
    });

    it("refuses bad input, strangers, anonymous visitors and unknown ids", async () => {
      const { value } = await createStory(alice, { title: "Mine" });
      const empty = await failure(updateStory(alice, value.id, {}));
      expect(empty).toBeInstanceOf(ValidationError);
      const bad = await failure(updateStory(alice, value.id, { status: "archived", title: 5 }));
      expect(Object.keys((bad as ValidationError).fieldErrors).sort()).toEqual(["status", "title"]);
      expect(await failure(createStory(alice, { title: "   " }))).toBeInstanceOf(ValidationError);
      expect(await failure(updateStory(bob, value.id, { title: "Mine now" }))).toBeInstanceOf(ForbiddenError);
      expect(await failure(updateStory(null, value.id, { title: "x" }))).toBeInstanceOf(UnauthorizedError);
      expect(await failure(updateStory(alice, 999_999, { title: "x" }))).toBeInstanceOf(NotFoundError);
      expect(await failure(getStoryForEditing(bob, value.id))).toBeInstanceOf(ForbiddenError);
      const after = await getStoryForEditing(alice, value.id);
      expect(after.story.title).toBe("Mine");
    });

    it("shows drafts to their author only", async () => {
      const { value } = await createStory(alice, { title: "Secret draft" });
      expect((await getStoryForReading(alice, value.id)).story.status).toBe("draft");
      expect(await failure(getStoryForReading(bob, value.id))).toBeInstanceOf(NotFoundError);
      expect(await failure(getStoryForReading(null, value.id))).toBeInstanceOf(NotFoundError);
    });
  });

  describe("chapters and scenes", () => {
    it("keeps positions 1..n through adds, moves and deletes", async () => {
      const { value: story } = await createStory(alice, { title: "Ordered" });
      const ids: number[] = [];
      for (const title of ["One", "Two", "Three"]) ids.push((await addChapter(alice, story.id, { title })).value.id);
      const order = async () => (await getStoryForEditing(alice, story.id)).chapters.map((c) => [c.title, c.position]);
      expect(await order()).toEqual([
        ["One", 1],
        ["Two", 2],
        ["Three", 3],
      ]);

      await updateChapter(alice, ids[2] as number, { position: 1 });
      expect(await order()).toEqual([
        ["Three", 1],
        ["One", 2],
        ["Two", 3],
      ]);
      await updateChapter(alice, ids[2] as number, { position: "99", title: "Last" });
      expect(await order()).toEqual([
        ["One", 1],
        ["Two", 2],
        ["Last", 3],
      ]);

      const removed = await deleteChapter(alice, ids[0] as number);
      expect(removed.tags).toContain(`chapter:${ids[0]}`);
      expect(await order()).toEqual([
        ["Two", 1],
        ["Last", 2],
      ]);
      expect(await failure(updateChapter(alice, ids[1] as number, { position: true }))).toBeInstanceOf(ValidationError);
      expect(await failure(updateChapter(bob, ids[1] as number, { title: "x" }))).toBeInstanceOf(ForbiddenError);
    });

    it("adds a scene to a chapter deleted at the same moment as a 404, never a foreign-key error", async () => {
      const { value: story } = await createStory(alice, { title: "Racing", summary: "" });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        const { value: chapter } = await addChapter(alice, story.id, { title: `Doomed ${i}` });
        // The delete starts 0–4 ms after the add, so that it lands at every point of it.
        const remove = async () => {
          await new Promise((resolve) => setTimeout(resolve, i % 5));
          return deleteChapter(alice, chapter.id);
        };
        const [added] = await Promise.allSettled([
          addScene(alice, chapter.id, { title: "Late", content: "too late" }),
          remove(),
        ]);
        outcomes.push(added.status === "fulfilled" ? "added" : (added.reason as Error).name);
      }
      // On Postgres the old code (the check outside the transaction) gave a foreign-key error in 4 of these 20.
      expect(
        outcomes.filter((o) => o !== "added" && o !== "NotFoundError"),
        outcomes.join(", "),
      ).toEqual([]);
    });

    it("edits scenes, counts words, and links neighbours", async () => {
      const { value: story } = await createStory(alice, { title: "Scenes", summary: "" });
      await updateStory(alice, story.id, { status: "published" });
      const { value: chapter } = await addChapter(alice, story.id, { title: "Only" });
      const first = (await addScene(alice, chapter.id, { title: "A" })).value.id;
      const second = (await addScene(alice, chapter.id, { title: "B", content: "two words" })).value.id;

      const saved = await updateScene(alice, first, { content: "  one two   three\nfour " });
      expect(saved.value.wordCount).toBe(4);
      // An autosave leaves the reading outline (story:ID) alone: only the scene and the word counts.
      expect(saved.tags).toEqual([`scene:${first}`, `chapter:${chapter.id}`, `story:${story.id}:words`]);

      const editing = await getSceneForEditing(alice, first);
      expect(editing.previous).toBeNull();
      expect(editing.next?.id).toBe(second);

      await updateScene(alice, second, { position: 1 });
      expect((await getChapterForEditing(alice, chapter.id)).scenes.map((s) => s.id)).toEqual([second, first]);

      const reading = await getStoryForReading(null, story.id);
      expect(reading.chapters[0]?.scenes.map((s) => s.title)).toEqual(["B", "A"]);

      expect(await failure(updateScene(bob, first, { title: "x" }))).toBeInstanceOf(ForbiddenError);
      expect(await failure(updateScene(alice, first, { content: 42 }))).toBeInstanceOf(ValidationError);
      await deleteScene(alice, second);
      expect((await getChapterForEditing(alice, chapter.id)).scenes.map((s) => [s.id, s.position])).toEqual([
        [first, 1],
      ]);
      expect(await failure(getSceneForEditing(alice, second))).toBeInstanceOf(NotFoundError);
    });

    it("refuses a scene save based on an old version, even when two race", async () => {
      const { value: story } = await createStory(alice, { title: "Two tabs", summary: "" });
      const { value: chapter } = await addChapter(alice, story.id, { title: "Only" });
      const sceneId = (await addScene(alice, chapter.id, { title: "A" })).value.id;
      const start = (await updateScene(alice, sceneId, { content: "start" })).value.updatedAt.toISOString();

      // Two editors that loaded the same version save at once: one wins, the other is told.
      const results = await Promise.allSettled([
        updateScene(alice, sceneId, { content: "tab one", updatedAt: start }),
        updateScene(alice, sceneId, { content: "tab two", updatedAt: start }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const conflict = (lost[0] as PromiseRejectedResult).reason as ConflictError<{ content: string }>;
      expect(conflict).toBeInstanceOf(ConflictError);
      expect(conflict.status).toBe(409);
      const stored = (await getSceneForEditing(alice, sceneId)).scene.content;
      expect(conflict.current.content).toBe(stored);
      expect(["tab one", "tab two"]).toContain(stored);

      // Without updatedAt the last write wins, as before.
      await updateScene(alice, sceneId, { content: "blind" });
      expect((await getSceneForEditing(alice, sceneId)).scene.content).toBe("blind");
    });
  });

  describe("community", () => {
    it("lists the feed newest first with counts, and clamps the page", async () => {
      const { value } = await createPost(bob, { title: "Fresh", body: "Newest post" });
      const feed = await listFeed(1);
      expect(feed.posts[0]).toMatchObject({ id: value.id, title: "Fresh", likeCount: 0, replyCount: 0 });
      expect(feed.posts.length).toBeLessThanOrEqual(FEED_PAGE_SIZE);
      expect((await listFeed(999)).page).toBe(feed.pageCount);
      expect((await listFeed(-3)).page).toBe(1);
    });

    it("sets likes idempotently, toggles without a wanted state", async () => {
      const { value: post } = await createPost(bob, { title: "Like me", body: "please" });
      expect((await setLike(alice, post.id, { liked: true })).value).toEqual({ liked: true, likeCount: 1 });
      expect((await setLike(alice, post.id, { liked: "true" })).value).toEqual({ liked: true, likeCount: 1 });
      expect((await setLike(bob, post.id, {})).value).toEqual({ liked: true, likeCount: 2 });
      expect((await setLike(bob, post.id, {})).value).toEqual({ liked: false, likeCount: 1 });
      expect(await isLikedBy(post.id, alice.id)).toBe(true);
      expect((await setLike(alice, post.id, { liked: false })).value).toEqual({ liked: false, likeCount: 0 });
      expect(await failure(setLike(alice, post.id, { liked: "maybe" }))).toBeInstanceOf(ValidationError);
      expect(await failure(setLike(null, post.id, { liked: true }))).toBeInstanceOf(UnauthorizedError);
      expect(await failure(setLike(alice, 999_999, { liked: true }))).toBeInstanceOf(NotFoundError);
    });

    it("adds replies in order and counts them in the feed", async () => {
      const { value: post } = await createPost(alice, { title: "Talk", body: "to me" });
      await addReply(bob, post.id, { body: "first" });
      const second = await addReply(alice, post.id, { body: "second" });
      // The feed's list entry holds ids only: a reply changes the post's entry, not the feed's.
      expect(second.tags).toEqual([`post:${post.id}`]);
      const { replies } = await getPost(post.id);
      expect(replies.map((r) => r.body)).toEqual(["first", "second"]);
      expect((await listFeed(1)).posts.find((p) => p.id === post.id)?.replyCount).toBe(2);
      expect(await failure(addReply(bob, post.id, { body: "" }))).toBeInstanceOf(ValidationError);
      expect(await failure(createPost(bob, { title: "", body: "x" }))).toBeInstanceOf(ValidationError);
    });
  });
});
