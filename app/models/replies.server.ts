import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { db } from "~/db/connection.server";
import { replies } from "~/db/schema";
import { type Actor, requireSignedIn } from "./actor";
import { ForbiddenError, NotFoundError } from "./errors";
import { assertPostExists } from "./posts.server";
import { requiredTextField, validate } from "./validation";

const NewReply = z.object({ body: requiredTextField("Reply", 5000) });

export async function addReply(actor: Actor, postId: number, input: unknown): Promise<Changed<{ id: number }>> {
  const me = requireSignedIn(actor);
  const values = validate(NewReply, input);
  await assertPostExists(postId);
  return commitChange("reply.add", async (tx) => {
    const [row] = await tx
      .insert(replies)
      .values({ ...values, postId, authorId: me.id })
      .returning({ id: replies.id });
    if (!row) throw new Error("insert returned no row");
    return { value: row, tags: [tags.post(postId)] };
  });
}

/** The reply, or 404; 403 unless `actor` wrote it. */
async function loadOwnReply(actor: Actor, replyId: number) {
  const me = requireSignedIn(actor);
  const [reply] = await db()
    .select({ id: replies.id, postId: replies.postId, authorId: replies.authorId })
    .from(replies)
    .where(eq(replies.id, replyId))
    .limit(1);
  if (!reply) throw new NotFoundError("Reply");
  if (reply.authorId !== me.id) throw new ForbiddenError("Only its author may change or delete a reply");
  return reply;
}

/** Changes one's own reply: its post's page shows it. */
export async function updateReply(actor: Actor, replyId: number, input: unknown) {
  const reply = await loadOwnReply(actor, replyId);
  const values = validate(NewReply, input);
  return commitChange("reply.update", async (tx) => {
    const [row] = await tx
      .update(replies)
      .set({ body: values.body })
      .where(and(eq(replies.id, reply.id), eq(replies.authorId, reply.authorId)))
      .returning({ id: replies.id, postId: replies.postId, body: replies.body });
    if (!row) throw new NotFoundError("Reply");
    return { value: row, tags: [tags.post(reply.postId)] };
  });
}

/** Deletes one's own reply: its post's page, and its summary's reply count. */
export async function deleteReply(
  actor: Actor,
  replyId: number,
): Promise<Changed<{ id: number; postId: number; deleted: true }>> {
  const reply = await loadOwnReply(actor, replyId);
  return commitChange("reply.delete", async (tx) => {
    const [row] = await tx
      .delete(replies)
      .where(and(eq(replies.id, reply.id), eq(replies.authorId, reply.authorId)))
      .returning({ id: replies.id });
    if (!row) throw new NotFoundError("Reply");
    return { value: { id: reply.id, postId: reply.postId, deleted: true as const }, tags: [tags.post(reply.postId)] };
  });
}
