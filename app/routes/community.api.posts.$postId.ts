import { idParam } from "~/http/api-response.server";
import { apiRoute, changed } from "~/http/api-route.server";
import { deletePost, updatePost } from "~/models/posts.server";

/**
 * PATCH /community/api/posts/:postId (`title`, `body`: at least one) and DELETE; the post's author
 * only (403 for anyone else, 404 for an unknown id). Answers the changed post, or `{ id, deleted }`.
 */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => changed(await updatePost(actor, idParam(params.postId, "Post"), body)),
  DELETE: async ({ actor, params }) => changed(await deletePost(actor, idParam(params.postId, "Post"))),
});
export const loader = action;
