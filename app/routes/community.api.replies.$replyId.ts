import { idParam } from "~/http/api-response.server";
import { apiRoute, changed } from "~/http/api-route.server";
import { deleteReply, updateReply } from "~/models/replies.server";

/**
 * PATCH /community/api/replies/:replyId (`body`) and DELETE; the reply's author only (403 for
 * anyone else, 404 for an unknown id). Answers the changed reply, or `{ id, postId, deleted }`.
 */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => changed(await updateReply(actor, idParam(params.replyId, "Reply"), body)),
  DELETE: async ({ actor, params }) => changed(await deleteReply(actor, idParam(params.replyId, "Reply"))),
});
export const loader = action;
