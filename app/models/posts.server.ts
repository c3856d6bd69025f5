import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { db } from "~/db/connection.server";
import { postLikes, posts, replies, users } from "~/db/schema";
import { type Actor, requireSignedIn } from "./actor";
import { NotFoundError } from "./errors";
import { requiredTextField, validate } from "./validation";

export const FEED_PAGE_SIZE = 20;

const NewPost = z.object({
  title: requiredTextField("Title", 200),
  body: requiredTextField("Body", 10_000),
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
