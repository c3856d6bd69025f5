import { z } from "zod";
import { defineComposite } from "~/cache/define-composite.server";
import { defineQuery } from "~/cache/define-query.server";
import type { ReadOptions } from "~/cache/query-cache.server";
import { tags } from "~/cache/tags";
import { getChapterForEditing } from "~/models/chapters.server";
import {
  assembleFeedPage,
  getPost,
  isLikedBy,
  likedAmong,
  listFeedPage,
  listPostSummaries,
} from "~/models/posts.server";
import { getSceneForEditing } from "~/models/scenes.server";
import { findSession } from "~/models/sessions.server";
import {
  assembleStoryReading,
  getStoryForEditing,
  listPublishedStories,
  listScenesForReading,
  listStoriesByAuthor,
  loadStoryOutline,
} from "~/models/stories.server";
import { findUserById } from "~/models/users.server";
import * as value from "./schemas";

/**
 * Every cached read of the app (docs/design.md#declared-queries). Loaders read through these, the warming worker
 * re-runs them by name, and the tags say which writes make them stale.
 *
 * Studio queries are user-scoped (only the author may see them: the load checks it, and the key
 * carries the user id, so a value can never reach another user). Public queries hold nothing
 * personal; where a page shows something of the viewer's (a like), it is a query of its own.
 */
const storyId = z.object({ storyId: z.number().int().positive() });
const chapterId = z.object({ chapterId: z.number().int().positive() });
const sceneId = z.object({ sceneId: z.number().int().positive() });
const postId = z.object({ postId: z.number().int().positive() });
const signedIn = (userId: number | undefined) => ({ id: userId ?? 0 });

export const sessionUser = defineQuery({
  name: "session.user",
  args: z.object({ userId: z.number().int().positive() }),
  tags: ({ userId }) => [tags.user(userId)],
  fresh: "5m",
  stale: "1h",
  scope: "user",
  value: value.sessionUser,
  load: ({ userId }) => findUserById(userId),
});

/**
 * Whether a session's row stands (its expiry, or null): read on every signed-in request. Every
 * write that ends sessions purges the user's `sessions` tag before it answers, so an ended session
 * is never read as live, on any instance (docs/decisions/015-sessions-through-the-cache.md). The
 * expiry is compared at each read, not cached as a verdict.
 */
export const sessionLive = defineQuery({
  name: "session.live",
  args: z.object({ sid: z.string().min(1).max(64), userId: z.number().int().positive() }),
  tags: ({ userId }) => [tags.sessions(userId)],
  fresh: "10m",
  stale: "1h",
  scope: "user",
  value: z.object({ expiresAt: z.number() }).nullable(),
  load: ({ sid, userId }) => findSession(sid, userId),
});

export const publishedStories = defineQuery({
  name: "stories.published",
  args: z.object({}),
  tags: () => [tags.publishedStories()],
  fresh: "1m",
  stale: "1h",
  scope: "public",
  value: z.array(value.storySummary),
  load: () => listPublishedStories(20),
});

/** The reading view's outline: the story, its chapters and their scene ids (docs/caching.md#assembled-pages). */
export const storyOutline = defineQuery({
  name: "story.outline",
  args: storyId,
  tags: ({ storyId }) => [tags.story(storyId)],
  fresh: "5m",
  stale: "1h",
  scope: "public",
  value: value.storyOutline,
  load: ({ storyId }) => loadStoryOutline(storyId),
});

/** One scene of the reading view; null once it is gone. Only read through `storyReading`. */
export const sceneReading = defineQuery({
  name: "story.scene",
  args: sceneId,
  tags: ({ sceneId }) => [tags.scene(sceneId)],
  fresh: "5m",
  stale: "1h",
  scope: "public",
  value: value.readingScene.nullable(),
  load: async ({ sceneId }) => (await listScenesForReading([sceneId]))[0] ?? null,
  loadMany: (args) => listScenesForReading(args.map((a) => a.sceneId)),
});

/**
 * The reading view, assembled: the outline, then its scenes in one batch. Saving a scene purges
 * that scene's entry; the outline and every other scene stay hits. It holds drafts too: the route
 * shows a draft to its author only.
 */
export const storyReading = defineComposite({
  name: "story.reading",
  args: storyId,
  list: storyOutline,
  listArgs: (args) => args,
  item: sceneReading,
  refs: (outline) => outline.chapters.flatMap((chapter) => chapter.sceneIds.map((sceneId) => ({ sceneId }))),
  assemble: (outline, scenes) => assembleStoryReading(outline, scenes),
  value: value.readingStory,
});

export const studioStories = defineQuery({
  name: "studio.stories",
  args: z.object({ authorId: z.number().int().positive() }),
  tags: ({ authorId }) => [tags.userStories(authorId)],
  fresh: "5m",
  stale: "1h",
  scope: "user",
  value: z.array(value.studioStoryRow),
  load: ({ authorId }, { userId }) => {
    if (authorId !== userId) throw new Error("studio.stories is the reader's own list");
    return listStoriesByAuthor(authorId);
  },
});

export const studioStory = defineQuery({
  name: "studio.story",
  args: storyId,
  // Its chapters' word counts change with every scene save, which does not touch the story.
  tags: ({ storyId }) => [tags.story(storyId), tags.storyWordCounts(storyId)],
  fresh: "5m",
  stale: "1h",
  scope: "user",
  value: value.studioStory,
  load: ({ storyId }, { userId }) => getStoryForEditing(signedIn(userId), storyId),
});

export const studioChapter = defineQuery({
  name: "studio.chapter",
  args: chapterId,
  tags: ({ chapterId }) => [tags.chapter(chapterId)],
  fresh: "5m",
  stale: "1h",
  scope: "user",
  value: value.studioChapter,
  load: ({ chapterId }, { userId }) => getChapterForEditing(signedIn(userId), chapterId),
});

export const studioScene = defineQuery({
  name: "studio.scene",
  args: sceneId,
  tags: ({ sceneId }) => [tags.scene(sceneId)],
  fresh: "5m",
  stale: "1h",
  scope: "user",
  value: value.studioScene,
  load: ({ sceneId }, { userId }) => getSceneForEditing(signedIn(userId), sceneId),
});

/** Where a page of the feed sits and the ids of its posts (purged only when a post is created). */
export const communityFeedPage = defineQuery({
  name: "community.feed.page",
  args: z.object({ page: z.number().int().positive() }),
  tags: () => [tags.communityFeed()],
  fresh: "5m",
  stale: "1h",
  scope: "public",
  value: value.feedIds,
  load: ({ page }) => listFeedPage(page),
});

/** One post as the feed shows it, with its counts; null once it is gone. Purged by its likes and replies. */
export const postSummary = defineQuery({
  name: "community.post.summary",
  args: postId,
  tags: ({ postId }) => [tags.post(postId)],
  fresh: "5m",
  stale: "1h",
  scope: "public",
  value: value.postSummary.nullable(),
  load: async ({ postId }) => (await listPostSummaries([postId]))[0] ?? null,
  loadMany: (args) => listPostSummaries(args.map((a) => a.postId)),
});

/** A page of the feed, assembled: its ids, then their summaries in one batch. A like purges one summary. */
export const communityFeed = defineComposite({
  name: "community.feed",
  args: z.object({ page: z.number().int().positive() }),
  list: communityFeedPage,
  listArgs: (args) => args,
  item: postSummary,
  refs: (page) => page.postIds.map((postId) => ({ postId })),
  assemble: (page, summaries) => assembleFeedPage(page, summaries),
  value: value.feedPage,
});

/**
 * The page to read for `?page=N`: N, or the last page when N is past it, so that only pages that
 * exist become cache keys (page 1's entry, always hot, says how many there are).
 */
export async function feedPageNumber(requested: number, options?: ReadOptions): Promise<number> {
  if (requested <= 1) return 1;
  const first = await communityFeedPage.read({ page: 1 }, options);
  return Math.min(requested, first.value.pageCount);
}

export const communityPost = defineQuery({
  name: "community.post",
  args: postId,
  tags: ({ postId }) => [tags.post(postId)],
  fresh: "1m",
  stale: "10m",
  scope: "public",
  value: value.postDetail,
  load: ({ postId }) => getPost(postId),
});

export const postLikedByMe = defineQuery({
  name: "community.post.liked",
  args: postId,
  tags: ({ postId }) => [tags.post(postId)],
  fresh: "5m",
  stale: "1h",
  scope: "user",
  value: z.boolean(),
  load: ({ postId }, { userId }) => isLikedBy(postId, userId ?? 0),
  // The feed's like buttons read a page's worth at once (issue 14).
  loadMany: (args, { userId }) =>
    likedAmong(
      args.map((a) => a.postId),
      userId ?? 0,
    ),
});
