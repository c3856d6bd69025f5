import { apiRoute, changed } from "~/lib/api-route.server";
import { idParam } from "~/lib/http.server";
import { updateStory } from "~/models/stories.server";

/** PATCH /studio/api/stories/:id/write (title, summary, status); the author only. */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => changed(await updateStory(actor, idParam(params.id, "Story"), body)),
});
export const loader = action;
