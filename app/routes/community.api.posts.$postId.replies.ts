import { idParam } from "~/http/api-response.server";
import { apiRoute, changed } from "~/http/api-route.server";
import { addReply } from "~/models/replies.server";

/** POST /community/api/posts/:postId/replies (body): 201 and the new reply's id. */
export const action = apiRoute({
  POST: async ({ actor, params, body }) => {
    const postId = idParam(params.postId, "Post");
    const result = await addReply(actor, postId, body);
    return changed({ ...result, value: { ...result.value, postId } }, { status: 201 });
  },
});
export const loader = action;
