import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { postLikes } from "~/db/schema";
import { type Actor, requireSignedIn } from "./actor";
import { assertPostExists } from "./posts.server";
import { booleanField, validate } from "./validation";

const LikeInput = z.object({ liked: booleanField.optional() });

/**
 * Sets whether `actor` likes the post. With `liked` the call states the wanted state, so retries
 * and races are harmless; without it, it toggles.
 */
export async function setLike(
  actor: Actor,
  postId: number,
  input: unknown,
): Promise<Changed<{ liked: boolean; likeCount: number }>> {
  const me = requireSignedIn(actor);
  const { liked: wanted } = validate(LikeInput, input);
  await assertPostExists(postId);
  return commitChange(wanted === undefined ? "like.toggle" : "like.set", async (tx) => {
    const mine = and(eq(postLikes.postId, postId), eq(postLikes.userId, me.id));
    const liked = wanted ?? (await tx.select().from(postLikes).where(mine).limit(1)).length === 0;
    if (liked) await tx.insert(postLikes).values({ postId, userId: me.id }).onConflictDoNothing();
    else await tx.delete(postLikes).where(mine);
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(postLikes)
      .where(eq(postLikes.postId, postId));
    return { value: { liked, likeCount: row?.n ?? 0 }, tags: [tags.post(postId)] };
  });
}
