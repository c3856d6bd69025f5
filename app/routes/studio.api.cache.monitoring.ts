import { json } from "~/http/api-response.server";
import { apiRoute } from "~/http/api-route.server";
import { monitoringPost, monitoringSummary, requireAdmin } from "~/monitoring/monitoring.server";

/**
 * GET /studio/api/cache/monitoring: health summary (worst active level, the window's figures and
 * each rule's value), active alerts, thresholds, history. POST acknowledges an alert
 * (`intent=acknowledge`, `alertId`, `note`) or changes thresholds (`intent=thresholds`,
 * `windowMinutes`, `minReads`, `<rule>.<level>`); 400 with field errors. Admins only (docs/api.md).
 */
export const action = apiRoute({
  GET: async ({ actor }) => {
    requireAdmin(actor);
    return json(await monitoringSummary());
  },
  POST: async ({ actor, body }) => {
    requireAdmin(actor);
    return json(await monitoringPost(body, actor));
  },
});
export const loader = action;
