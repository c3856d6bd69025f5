import { idParam } from "~/http/api-response.server";
import { apiRoute, changed } from "~/http/api-route.server";
import { updateStory } from "~/models/stories.server";

/** PATCH /studio/api/stories/:id/write (title, summary, status); the author only. */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => changed(await updateStory(actor, idParam(params.id, "Story"), body)),
});
export const loader = action;
