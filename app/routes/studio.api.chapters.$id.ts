import { idParam } from "~/http/api-response.server";
import { apiRoute, changed } from "~/http/api-route.server";
import { updateChapter } from "~/models/chapters.server";

/** PATCH /studio/api/chapters/:id (title, summary, position); the story's author only. */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => changed(await updateChapter(actor, idParam(params.id, "Chapter"), body)),
});
export const loader = action;
