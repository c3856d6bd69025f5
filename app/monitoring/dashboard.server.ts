import { cacheAvailability } from "~/cache/availability.server";
import { cacheRedis } from "~/cache/redis.server";
import { type ClusterView, clusterViewOrNull } from "./cluster.server";
import { freshnessAudit } from "./freshness-audit.server";
import { monitoringSummary } from "./monitoring.server";

/**
 * What the cache dashboard (`/admin/cache`) and its exports show: the cluster view, the health
 * summary with alerts and thresholds, this instance's freshness audit.
 */
export async function dashboardData() {
  const [cluster, monitoring] = await Promise.all([
    clusterViewOrNull(cacheRedis(), cacheAvailability().currentNamespace()),
    monitoringSummary(),
  ]);
  const audit = freshnessAudit().snapshot();
  return {
    at: new Date().toISOString(),
    cluster,
    monitoring,
    audit: { ...audit, recent: audit.recent.slice(0, 10) },
  };
}
export type DashboardData = Awaited<ReturnType<typeof dashboardData>>;

const CSV_HEADER = [
  "section",
  "name",
  "reads",
  "hit",
  "miss",
  "stale",
  "bypass",
  "hit_rate",
  "p50_ms",
  "p95_ms",
  "p99_ms",
  "errors",
] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The current view as CSV: the cluster total, one row per query, one per instance. */
export function dashboardCsv(cluster: ClusterView | null): string {
  const rows: unknown[][] = [[...CSV_HEADER]];
  if (cluster) {
    const t = cluster.totals;
    rows.push([
      "total",
      "cluster",
      t.reads,
      t.hit,
      t.miss,
      t.stale,
      t.bypass,
      t.hitRate.toFixed(4),
      t.latency.p50Ms,
      t.latency.p95Ms,
      t.latency.p99Ms,
      t.errors,
    ]);
    for (const [name, q] of Object.entries(cluster.queries)) {
      rows.push([
        "query",
        name,
        q.reads,
        q.hit,
        q.miss,
        q.stale,
        q.bypass,
        q.hitRate.toFixed(4),
        q.latency.p50Ms,
        q.latency.p95Ms,
        q.latency.p99Ms,
        q.errors,
      ]);
    }
    for (const i of cluster.instances) {
      rows.push([
        "instance",
        i.instance,
        i.reads,
        "",
        "",
        "",
        "",
        i.hitRate.toFixed(4),
        i.latency.p50Ms,
        i.latency.p95Ms,
        i.latency.p99Ms,
        "",
      ]);
    }
  }
  return `${rows.map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
