import { z } from "zod";

/**
 * The shapes of cached values. A value leaves Redis as JSON, so dates are coerced back; a value
 * that no longer matches (a deploy changed the shape) is a miss, not a crash.
 */
const date = z.coerce.date();
const id = z.number().int();

export const storySummary = z.object({
  id,
  title: z.string(),
  summary: z.string(),
  authorName: z.string(),
  updatedAt: date,
});

export const studioStoryRow = z.object({
  id,
  title: z.string(),
  summary: z.string(),
  status: z.enum(["draft", "published"]),
  updatedAt: date,
  chapterCount: z.number(),
});

export const storyRow = z.object({
  id,
  authorId: id,
  title: z.string(),
  summary: z.string(),
  status: z.enum(["draft", "published"]),
  createdAt: date,
  updatedAt: date,
});

export const studioStory = z.object({
  story: storyRow,
  chapters: z.array(
    z.object({
      id,
      position: z.number(),
      title: z.string(),
      summary: z.string(),
      updatedAt: date,
      sceneCount: z.number(),
      wordCount: z.number(),
    }),
  ),
});

export const studioChapter = z.object({
  story: z.object({ id, title: z.string(), status: z.enum(["draft", "published"]) }),
  chapter: z.object({ id, storyId: id, position: z.number(), title: z.string(), summary: z.string(), updatedAt: date }),
  scenes: z.array(z.object({ id, position: z.number(), title: z.string(), wordCount: z.number(), updatedAt: date })),
});

const neighbour = z.object({ id, title: z.string() }).nullable();

export const studioScene = z.object({
  story: z.object({ id, title: z.string() }),
  chapter: z.object({ id, title: z.string() }),
  scene: z.object({
    id,
    chapterId: id,
    position: z.number(),
    title: z.string(),
    content: z.string(),
    wordCount: z.number(),
    updatedAt: date,
  }),
  previous: neighbour,
  next: neighbour,
});

const readingHeader = z.object({
  id,
  title: z.string(),
  summary: z.string(),
  status: z.enum(["draft", "published"]),
  authorId: id,
  authorName: z.string(),
  updatedAt: date,
});

export const readingScene = z.object({ id, title: z.string(), content: z.string(), wordCount: z.number() });

/** The reading view's outline: its scenes by id (each scene is an entry of its own). */
export const storyOutline = z.object({
  story: readingHeader,
  chapters: z.array(z.object({ id, title: z.string(), summary: z.string(), sceneIds: z.array(id) })),
});

export const readingStory = z.object({
  story: readingHeader,
  chapters: z.array(z.object({ id, title: z.string(), summary: z.string(), scenes: z.array(readingScene) })),
});

export const postSummary = z.object({
  id,
  title: z.string(),
  excerpt: z.string(),
  authorName: z.string(),
  createdAt: date,
  likeCount: z.number(),
  replyCount: z.number(),
});

/** Where a page of the feed sits, and its posts' ids (the posts are entries of their own). */
export const feedIds = z.object({
  postIds: z.array(id),
  page: z.number(),
  pageCount: z.number(),
  totalPosts: z.number(),
});

export const feedPage = z.object({
  posts: z.array(postSummary),
  page: z.number(),
  pageCount: z.number(),
  totalPosts: z.number(),
});

export const postDetail = z.object({
  post: z.object({
    id,
    title: z.string(),
    body: z.string(),
    authorId: id,
    authorName: z.string(),
    createdAt: date,
    likeCount: z.number(),
  }),
  replies: z.array(z.object({ id, body: z.string(), authorId: id, authorName: z.string(), createdAt: date })),
});

export const sessionUser = z
  .object({ id, role: z.enum(["author", "admin"]), name: z.string(), email: z.string() })
  .nullable();
