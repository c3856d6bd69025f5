import { idParam, json } from "~/http/api-response.server";
import { apiRoute, changed } from "~/http/api-route.server";
import { ConflictError } from "~/models/errors";
import { deleteScene, updateScene } from "~/models/scenes.server";

/**
 * PATCH /studio/api/scenes/:id (title, content, position; optional updatedAt: the version the
 * change is based on) and DELETE; the author only. A PATCH based on an old version is a 409 with
 * the current scene, so the editor can say so instead of overwriting another tab's save.
 */
export const action = apiRoute({
  PATCH: async ({ actor, params, body }) => {
    try {
      return changed(await updateScene(actor, idParam(params.id, "Scene"), body));
    } catch (error) {
      if (error instanceof ConflictError) return json({ error: error.message, scene: error.current }, { status: 409 });
      throw error;
    }
  },
  DELETE: async ({ actor, params }) => {
    const id = idParam(params.id, "Scene");
    const result = await deleteScene(actor, id);
    return changed({ ...result, value: { id, deleted: true, ...result.value } });
  },
});
export const loader = action;
