import { json } from "~/http/api-response.server";
import { apiRoute } from "~/http/api-route.server";
import { invalidationHeaders } from "~/http/cache-headers.server";
import { adminPurge } from "~/monitoring/admin-purge.server";

/**
 * POST /studio/api/cache/purge (`tags`: a list, or space/comma-separated): purges those tags
 * through invalidate() and says so in X-Cache-Invalidate, so this browser drops them too. The
 * debug panel's "purge this page's tags". Admins only.
 */
export const action = apiRoute({
  POST: async ({ actor, body }) => {
    const result = await adminPurge(actor, body);
    return json(result, { headers: invalidationHeaders(result.tags) });
  },
});
export const loader = action;
