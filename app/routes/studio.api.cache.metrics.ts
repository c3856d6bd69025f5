import { cacheAvailability } from "~/cache/availability.server";
import { metricsSnapshot, resetMetrics } from "~/cache/metrics.server";
import { outboxBacklog } from "~/cache/outbox.server";
import { apiRoute } from "~/lib/api-route.server";
import { json } from "~/lib/http.server";
import type { SignedIn } from "~/models/actor";
import { ForbiddenError } from "~/models/errors";

function requireAdmin(actor: SignedIn) {
  if (actor.role !== "admin") throw new ForbiddenError("Admins only");
}

/**
 * GET /studio/api/cache/metrics: this instance's cache counters (per query and per purge), the
 * breaker state and the purge outbox backlog. DELETE resets the counters. Admins only.
 */
export const action = apiRoute({
  GET: async ({ actor }) => {
    requireAdmin(actor);
    return json({
      ...metricsSnapshot(),
      availability: cacheAvailability().state(),
      outboxBacklog: await outboxBacklog(),
    });
  },
  DELETE: async ({ actor }) => {
    requireAdmin(actor);
    resetMetrics();
    return json({ reset: true });
  },
});
export const loader = action;
