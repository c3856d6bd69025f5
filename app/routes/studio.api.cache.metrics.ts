import { cacheAvailability } from "~/cache/availability.server";
import { outboxBacklog } from "~/cache/outbox.server";
import { cacheRedis } from "~/cache/redis.server";
import { json } from "~/http/api-response.server";
import { apiRoute } from "~/http/api-route.server";
import type { SignedIn } from "~/models/actor";
import { ForbiddenError } from "~/models/errors";
import { metricsSnapshot, resetMetrics } from "~/monitoring/cache-metrics.server";
import { clusterViewOrNull } from "~/monitoring/cluster.server";
import { freshnessAudit } from "~/monitoring/freshness-audit.server";
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
 * breaker state, the purge outbox backlog, warming (this instance's counters and the queue's job
 * counts), the freshness audit, and `cluster`: every live instance's figures merged (totals, per
 * query, per instance, the last hour's 10 s series; null when Redis does not answer). DELETE resets
 * this instance's counters (the cluster view follows at its next publish). Admins only.
 */
export const action = apiRoute({
  GET: async ({ actor }) => {
    requireAdmin(actor);
    return json({
      ...metricsSnapshot(),
      availability: cacheAvailability().state(),
      outboxBacklog: await outboxBacklog(),
      warming: { ...warmMetricsSnapshot(), queue: await queueCounts() },
      audit: freshnessAudit().snapshot(),
      cluster: await clusterViewOrNull(cacheRedis(), cacheAvailability().currentNamespace()),
    });
  },
  DELETE: async ({ actor }) => {
    requireAdmin(actor);
    resetMetrics();
    resetWarmMetrics();
    freshnessAudit().reset();
    return json({ reset: true });
  },
});
export const loader = action;
