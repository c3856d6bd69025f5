import { apiRoute, changed } from "~/lib/api-route.server";
import { idParam } from "~/lib/http.server";
import { updateChapter } from "~/models/chapters.server";

/** PATCH /studio/api/chapters/:id (title, summary, position); the story's author only. */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => changed(await updateChapter(actor, idParam(params.id, "Chapter"), body)),
});
export const loader = action;
