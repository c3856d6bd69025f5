import { apiRoute, changed } from "~/lib/api-route.server";
import { idParam } from "~/lib/http.server";
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
