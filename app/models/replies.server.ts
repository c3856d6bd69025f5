import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { replies } from "~/db/schema";
import { type Actor, requireSignedIn } from "./actor";
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
