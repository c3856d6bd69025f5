import { z } from "zod";
import { defineQuery } from "~/cache/define-query.server";
import { tags } from "~/cache/tags";
import { getChapterForEditing } from "~/models/chapters.server";
import { getPost, isLikedBy, listFeed } from "~/models/posts.server";
import { getSceneForEditing } from "~/models/scenes.server";
import {
  getStoryForEditing,
  listPublishedStories,
  listStoriesByAuthor,
  loadStoryForReading,
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

export const storyReading = defineQuery({
  name: "story.reading",
  args: storyId,
  tags: ({ storyId }) => [tags.story(storyId)],
  fresh: "5m",
  stale: "1h",
  scope: "public",
  value: value.readingStory,
  load: ({ storyId }) => loadStoryForReading(storyId),
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
  tags: ({ storyId }) => [tags.story(storyId)],
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

export const communityFeed = defineQuery({
  name: "community.feed",
  args: z.object({ page: z.number().int().positive() }),
  tags: () => [tags.communityFeed()],
  fresh: "30s",
  stale: "10m",
  scope: "public",
  value: value.feedPage,
  load: ({ page }) => listFeed(page),
});

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
});
