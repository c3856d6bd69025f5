/**
 * Cache tag names, shared by the server cache and the browser cache: a tag names a piece of data
 * that a write can change, and every entry that shows that data carries the tag.
 */
export const tags = {
  story: (storyId: number | string) => `story:${storyId}`,
  /** The studio's word counts of a story's chapters: every scene save changes them. */
  storyWordCounts: (storyId: number | string) => `story:${storyId}:words`,
  chapter: (chapterId: number | string) => `chapter:${chapterId}`,
  scene: (sceneId: number | string) => `scene:${sceneId}`,
  userStories: (userId: number | string) => `user:${userId}:stories`,
  user: (userId: number | string) => `user:${userId}`,
  /** A user's signed-in sessions: every session ended (logout, sign out everywhere, a password change). */
  sessions: (userId: number | string) => `user:${userId}:sessions`,
  publishedStories: () => "stories:published",
  post: (postId: number | string) => `post:${postId}`,
  communityFeed: () => "community:feed",
} as const;

export type Tag = string;

/** Splits a header value such as `X-Cache-Invalidate: story:1, scene:3` into tags. */
export function parseTagHeader(value: string | null | undefined): Tag[] {
  if (!value) return [];
  return [
    ...new Set(
      value
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

export function formatTagHeader(list: readonly Tag[]): string {
  return [...new Set(list)].join(", ");
}
