import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { db } from "~/db/connection.server";
import { postLikes, posts, replies, users } from "~/db/schema";
import { type Actor, requireSignedIn } from "./actor";
import { ForbiddenError, NotFoundError } from "./errors";
import { nonEmptyPatch, requiredTextField, validate } from "./validation";

export const FEED_PAGE_SIZE = 20;

const NewPost = z.object({
  title: requiredTextField("Title", 200),
  body: requiredTextField("Body", 10_000),
});

const PostPatch = nonEmptyPatch({
  title: requiredTextField("Title", 200).optional(),
  body: requiredTextField("Body", 10_000).optional(),
});

// Correlated counts. The outer post id is qualified by hand: drizzle leaves column names
// unqualified in single-table selects, and a bare "id" would bind to the subquery's own table.
const outerPostId = sql`${posts}.${sql.identifier(posts.id.name)}`;
const likeCount = sql<number>`(select count(*)::int from ${postLikes} where ${postLikes.postId} = ${outerPostId})`;
const replyCount = sql<number>`(select count(*)::int from ${replies} where ${replies.postId} = ${outerPostId})`;

/**
 * Where page `page` of the community feed sits (clamped to the pages there are) and the ids of its
 * posts, newest first. The posts themselves are read apart (listPostSummaries): a like changes one
 * post's counts, not the page.
 */
export async function listFeedPage(page: number) {
  const [total] = await db().select({ n: count() }).from(posts);
  const totalPosts = total?.n ?? 0;
  const pageCount = Math.max(1, Math.ceil(totalPosts / FEED_PAGE_SIZE));
  const current = Math.min(Math.max(1, page), pageCount);
  const rows = await db()
    .select({ id: posts.id })
    .from(posts)
    .orderBy(desc(posts.createdAt), desc(posts.id))
    .limit(FEED_PAGE_SIZE)
    .offset((current - 1) * FEED_PAGE_SIZE);
  return { postIds: rows.map((row) => row.id), page: current, pageCount, totalPosts };
}

/** Posts as the feed shows them, with like and reply counts, in the order of `postIds`; null for one that is gone. */
export async function listPostSummaries(postIds: readonly number[]) {
  if (postIds.length === 0) return [];
  const rows = await db()
    .select({
      id: posts.id,
      title: posts.title,
      excerpt: sql<string>`left(${posts.body}, 280)`,
      authorName: users.name,
      createdAt: posts.createdAt,
      likeCount,
      replyCount,
    })
    .from(posts)
    .innerJoin(users, eq(users.id, posts.authorId))
    .where(inArray(posts.id, [...postIds]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return postIds.map((id) => byId.get(id) ?? null);
}

/** A page of the feed from where it sits and its posts' summaries (a post that is gone is left out). */
export function assembleFeedPage<Where extends { postIds: number[] }, Summary>(
  { postIds: _ids, ...where }: Where,
  summaries: readonly (Summary | null)[],
) {
  return { ...where, posts: summaries.flatMap((summary) => (summary ? [summary] : [])) };
}

/** One page of the feed, straight from the database: the page's ids with their summaries. */
export async function listFeed(page: number) {
  const where = await listFeedPage(page);
  return assembleFeedPage(where, await listPostSummaries(where.postIds));
}

/** A post with its counts and replies, oldest reply first. */
export async function getPost(postId: number) {
  const [post] = await db()
    .select({
      id: posts.id,
      title: posts.title,
      body: posts.body,
      authorId: posts.authorId,
      authorName: users.name,
      createdAt: posts.createdAt,
      likeCount,
    })
    .from(posts)
    .innerJoin(users, eq(users.id, posts.authorId))
    .where(eq(posts.id, postId))
    .limit(1);
  if (!post) throw new NotFoundError("Post");
  const replyRows = await db()
    .select({
      id: replies.id,
      body: replies.body,
      authorId: replies.authorId,
      authorName: users.name,
      createdAt: replies.createdAt,
    })
    .from(replies)
    .innerJoin(users, eq(users.id, replies.authorId))
    .where(eq(replies.postId, postId))
    .orderBy(asc(replies.createdAt), asc(replies.id));
  return { post, replies: replyRows };
}

/** Whether `userId` likes the post: personal, so kept apart from the shared post data. */
export async function isLikedBy(postId: number, userId: number): Promise<boolean> {
  const [row] = await db()
    .select({ postId: postLikes.postId })
    .from(postLikes)
    .where(and(eq(postLikes.postId, postId), eq(postLikes.userId, userId)))
    .limit(1);
  return row !== undefined;
}

/** Which of `postIds` `userId` likes (the feed's like buttons; personal, never shared). */
export async function likedAmong(postIds: readonly number[], userId: number): Promise<boolean[]> {
  if (postIds.length === 0) return [];
  const rows = await db()
    .select({ postId: postLikes.postId })
    .from(postLikes)
    .where(and(inArray(postLikes.postId, [...postIds]), eq(postLikes.userId, userId)));
  const liked = new Set(rows.map((row) => row.postId));
  return postIds.map((id) => liked.has(id));
}

/** The post, or 404; 403 unless `actor` wrote it (only authors change or delete their posts). */
async function loadOwnPost(actor: Actor, postId: number) {
  const me = requireSignedIn(actor);
  const [post] = await db()
    .select({ id: posts.id, authorId: posts.authorId })
    .from(posts)
    .where(eq(posts.id, postId))
    .limit(1);
  if (!post) throw new NotFoundError("Post");
  if (post.authorId !== me.id) throw new ForbiddenError("Only its author may change or delete a post");
  return post;
}

export async function assertPostExists(postId: number): Promise<void> {
  const [row] = await db().select({ id: posts.id }).from(posts).where(eq(posts.id, postId)).limit(1);
  if (!row) throw new NotFoundError("Post");
}

export async function createPost(actor: Actor, input: unknown): Promise<Changed<{ id: number }>> {
  const me = requireSignedIn(actor);
  const values = validate(NewPost, input);
  return commitChange("post.create", async (tx) => {
    const [row] = await tx
      .insert(posts)
      .values({ ...values, authorId: me.id })
      .returning({ id: posts.id });
    if (!row) throw new Error("insert returned no row");
    return { value: row, tags: [tags.communityFeed(), tags.post(row.id)] };
  });
}

/** Changes the title or body of one's own post: its page and its summary on the feed show it. */
export async function updatePost(actor: Actor, postId: number, input: unknown) {
  const post = await loadOwnPost(actor, postId);
  const patch = validate(PostPatch, input);
  return commitChange("post.update", async (tx) => {
    const [row] = await tx
      .update(posts)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(posts.id, post.id), eq(posts.authorId, post.authorId)))
      .returning({ id: posts.id, title: posts.title, body: posts.body, updatedAt: posts.updatedAt });
    if (!row) throw new NotFoundError("Post");
    return { value: row, tags: [tags.post(post.id)] };
  });
}

/**
 * Deletes one's own post with its likes and replies (ON DELETE CASCADE): its page, and every feed
 * page (the posts after it move up a place).
 */
export async function deletePost(actor: Actor, postId: number): Promise<Changed<{ id: number; deleted: true }>> {
  const post = await loadOwnPost(actor, postId);
  return commitChange("post.delete", async (tx) => {
    const [row] = await tx
      .delete(posts)
      .where(and(eq(posts.id, post.id), eq(posts.authorId, post.authorId)))
      .returning({ id: posts.id });
    if (!row) throw new NotFoundError("Post");
    return { value: { id: post.id, deleted: true as const }, tags: [tags.communityFeed(), tags.post(post.id)] };
  });
}
