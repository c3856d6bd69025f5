import { apiRoute, changed } from "~/lib/api-route.server";
import { idParam } from "~/lib/http.server";
import { deleteScene, updateScene } from "~/models/scenes.server";

/** PATCH /studio/api/scenes/:id (title, content, position) and DELETE; the author only. */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => changed(await updateScene(actor, idParam(params.id, "Scene"), body)),
  DELETE: async ({ actor, params }) => {
    const id = idParam(params.id, "Scene");
    const result = await deleteScene(actor, id);
    return changed({ ...result, value: { id, deleted: true, ...result.value } });
  },
});
export const loader = action;
