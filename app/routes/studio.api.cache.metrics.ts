import { cacheAvailability } from "~/cache/availability.server";
import { outboxBacklog } from "~/cache/outbox.server";
import { json } from "~/http/api-response.server";
import { apiRoute } from "~/http/api-route.server";
import type { SignedIn } from "~/models/actor";
import { ForbiddenError } from "~/models/errors";
import { metricsSnapshot, resetMetrics } from "~/monitoring/cache-metrics.server";
import { resetWarmMetrics, warmMetricsSnapshot } from "~/monitoring/warm-metrics.server";
import { warmQueue } from "~/warming/queue.server";

function requireAdmin(actor: SignedIn) {
  if (actor.role !== "admin") throw new ForbiddenError("Admins only");
}

/** The warming queue's job counts (cluster-wide), or null when its Redis does not answer. */
async function queueCounts() {
  const queue = warmQueue();
  if (!queue) return null;
  const counts = queue.getJobCounts("waiting", "active", "delayed", "completed", "failed");
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000).unref());
  return Promise.race([counts.catch(() => null), timeout]);
}

/**
 * GET /studio/api/cache/metrics: this instance's cache counters (per query and per purge), the
 * breaker state, the purge outbox backlog, and warming (this instance's counters and the queue's
 * job counts). DELETE resets the counters. Admins only.
 */
export const action = apiRoute({
  GET: async ({ actor }) => {
    requireAdmin(actor);
    return json({
      ...metricsSnapshot(),
      availability: cacheAvailability().state(),
      outboxBacklog: await outboxBacklog(),
      warming: { ...warmMetricsSnapshot(), queue: await queueCounts() },
    });
  },
  DELETE: async ({ actor }) => {
    requireAdmin(actor);
    resetMetrics();
    resetWarmMetrics();
    return json({ reset: true });
  },
});
export const loader = action;
