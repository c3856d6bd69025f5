import { idParam } from "~/http/api-response.server";
import { apiRoute, changed } from "~/http/api-route.server";
import { setLike } from "~/models/likes.server";

/** POST /community/api/posts/:postId/like: `liked=true|false` sets the state, without it toggles. */
export const action = apiRoute({
  POST: async ({ actor, params, body }) => changed(await setLike(actor, idParam(params.postId, "Post"), body)),
});
export const loader = action;
