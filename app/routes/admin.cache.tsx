import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useMemo } from "react";
import uplotStyles from "uplot/dist/uPlot.min.css?url";
import { getActor } from "~/auth/actor.server";
import { CacheCharts, type ChartSpec } from "~/components/CacheCharts";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { handleForm, readForm } from "~/http/forms.server";
import { LEVELS } from "~/monitoring/alert-rules";
import { dashboardData } from "~/monitoring/dashboard.server";
import { monitoringPost, requireAdmin } from "~/monitoring/monitoring.server";
import { warmQueue } from "~/warming/queue.server";

export const meta: MetaFunction = () => [{ title: "Cache dashboard — Quill" }];
export const links = () => [{ rel: "stylesheet", href: uplotStyles }];
export const headers: HeadersFunction = () => PRIVATE_NO_STORE;

const REFRESH_MS = 5_000;

async function queueCounts() {
  const queue = warmQueue();
  if (!queue) return null;
  const counts = queue.getJobCounts("waiting", "active", "delayed", "failed");
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000).unref());
  return Promise.race([counts.catch(() => null), timeout]);
}

async function requireAdminPage(request: Request, context?: LoaderFunctionArgs["context"]) {
  const actor = await getActor(request, context);
  try {
    requireAdmin(actor);
  } catch {
    throw data("Admins only", { status: 403 });
  }
  return actor;
}

/** The cache dashboard (docs/operations.md#the-dashboard): admins only, 403 for everyone else. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdminPage(request, context);
  return { ...(await dashboardData()), queue: await queueCounts() };
}

/** Plain forms (work without JavaScript): acknowledge an alert, change thresholds. */
export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireAdminPage(request, context);
  const values = await readForm(request);
  const intent = values.intent ?? "";
  return handleForm(request, { intent, values }, async () => {
    await monitoringPost(values, actor);
    return redirect(`/admin/cache?done=${encodeURIComponent(intent)}`);
  });
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)} %`);
const ms = (v: number | undefined) => (v === undefined ? "—" : `${v.toFixed(2)} ms`);

function useRefreshWhileVisible() {
  const { revalidate, state } = useRevalidator();
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && state === "idle") revalidate();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [revalidate, state]);
}

export default function CacheDashboard() {
  const { cluster, monitoring, audit, queue, at } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : undefined;
  useRefreshWhileVisible();

  const charts = useMemo<ChartSpec[]>(() => {
    const series = cluster?.series ?? [];
    const x = series.map((p) => p.t / 1000);
    const color = ["#2563eb", "#dc2626", "#d97706", "#6b7280"];
    return [
      {
        id: "hit-rate",
        title: "Hit rate",
        unit: "%",
        x,
        series: [
          {
            label: "hit rate",
            color: color[0] as string,
            values: series.map((p) =>
              p.reads.hit + p.reads.miss + p.reads.stale + p.reads.bypass === 0 ? null : p.hitRate * 100,
            ),
          },
        ],
      },
      {
        id: "reads",
        title: "Reads/s by status",
        unit: "reads/s",
        x,
        series: (["hit", "miss", "stale", "bypass"] as const).map((status, i) => ({
          label: status,
          color: color[i] as string,
          values: series.map((p) => p.reads[status] / 10),
        })),
      },
      {
        id: "latency",
        title: "Read latency",
        unit: "ms",
        x,
        series: (["p50Ms", "p95Ms", "p99Ms"] as const).map((q, i) => ({
          label: q.replace("Ms", ""),
          color: color[i] as string,
          values: series.map((p) => (p.latency.count === 0 ? null : p.latency[q])),
        })),
      },
      {
        id: "purges",
        title: "Purges/s",
        unit: "purges/s",
        x,
        series: [{ label: "purges", color: color[1] as string, values: series.map((p) => p.purgesPerSec) }],
      },
      {
        id: "warm-delay",
        title: "Purge → warmed (p95)",
        unit: "ms",
        x,
        series: [
          {
            label: "p95",
            color: color[2] as string,
            values: series.map((p) => (p.warmDelay.count === 0 ? null : p.warmDelay.p95Ms)),
          },
        ],
      },
      {
        id: "queue-depth",
        title: "Warming queue depth",
        unit: "jobs",
        x,
        series: [
          { label: "jobs waiting or running", color: color[3] as string, values: series.map((p) => p.queueDepth) },
        ],
      },
    ];
  }, [cluster]);

  const status = monitoring.health.status;
  return (
    <>
      <h1>Cache dashboard</h1>
      <p className="muted">
        As of <time dateTime={at}>{at}</time>; refreshes every 5 s while this tab is visible. Export:{" "}
        <a href="/admin/cache/export/json" download>
          JSON
        </a>{" "}
        ·{" "}
        <a href="/admin/cache/export/csv" download>
          CSV
        </a>
      </p>

      <section aria-labelledby="health">
        <h2 id="health">
          Health:{" "}
          <span data-testid="health-status" className={`level level-${status}`}>
            {status}
          </span>
        </h2>
        {cluster ? (
          <table>
            <caption>Cluster ({cluster.instances.length} instances), since each instance started</caption>
            <tbody>
              <tr>
                <th scope="row">Reads</th>
                <td data-testid="total-reads">{cluster.totals.reads}</td>
              </tr>
              <tr>
                <th scope="row">Hit rate</th>
                <td>{pct(cluster.totals.hitRate)}</td>
              </tr>
              <tr>
                <th scope="row">p50 / p95 / p99</th>
                <td>
                  {ms(cluster.totals.latency.p50Ms)} / {ms(cluster.totals.latency.p95Ms)} /{" "}
                  {ms(cluster.totals.latency.p99Ms)}
                </td>
              </tr>
              <tr>
                <th scope="row">Purges</th>
                <td>{cluster.totals.purges}</td>
              </tr>
              <tr>
                <th scope="row">Purge → warmed p95</th>
                <td>{ms(cluster.totals.warmDelay.p95Ms)}</td>
              </tr>
              <tr>
                <th scope="row">Audited hits / stale hits</th>
                <td>
                  {cluster.totals.audited} / {cluster.totals.staleHits}
                </td>
              </tr>
              <tr>
                <th scope="row">Queue (waiting / active / delayed / failed)</th>
                <td>
                  {queue
                    ? `${queue.waiting ?? 0} / ${queue.active ?? 0} / ${queue.delayed ?? 0} / ${queue.failed ?? 0}`
                    : "unavailable"}
                </td>
              </tr>
            </tbody>
          </table>
        ) : (
          <p role="status">The cluster view is unavailable (the cache's Redis does not answer).</p>
        )}
      </section>

      <CacheCharts charts={charts} />

      <section aria-labelledby="alerts">
        <h2 id="alerts">Active alerts</h2>
        {monitoring.active.length === 0 ? (
          <p data-testid="no-alerts">No active alert.</p>
        ) : (
          <table data-testid="active-alerts">
            <thead>
              <tr>
                <th>Level</th>
                <th>Rule</th>
                <th>Message</th>
                <th>Since</th>
                <th>State</th>
                <th>Acknowledge</th>
              </tr>
            </thead>
            <tbody>
              {monitoring.active.map((alert) => (
                <tr key={alert.id} data-rule={alert.rule}>
                  <td className={`level level-${alert.level}`}>{alert.level}</td>
                  <td>{alert.rule}</td>
                  <td>{alert.message}</td>
                  <td>{String(alert.firedAt)}</td>
                  <td>
                    {alert.state === "acknowledged"
                      ? `acknowledged by ${alert.acknowledgedBy}${alert.note ? `: ${alert.note}` : ""}`
                      : alert.state}
                  </td>
                  <td>
                    {alert.state === "firing" ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="acknowledge" />
                        <input type="hidden" name="alertId" value={alert.id} />
                        <label>
                          Note <input name="note" maxLength={500} />
                        </label>{" "}
                        <button type="submit">Acknowledge</button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {cluster ? (
        <section aria-labelledby="queries">
          <h2 id="queries">Per query</h2>
          <table data-testid="per-query">
            <thead>
              <tr>
                <th>Query</th>
                <th>Reads</th>
                <th>Hit rate</th>
                <th>Miss</th>
                <th>Stale</th>
                <th>Bypass</th>
                <th>p50</th>
                <th>p95</th>
                <th>p99</th>
                <th>Errors</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(cluster.queries).map(([name, q]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{q.reads}</td>
                  <td>{pct(q.hitRate)}</td>
                  <td>{q.miss}</td>
                  <td>{q.stale}</td>
                  <td>{q.bypass}</td>
                  <td>{ms(q.latency.p50Ms)}</td>
                  <td>{ms(q.latency.p95Ms)}</td>
                  <td>{ms(q.latency.p99Ms)}</td>
                  <td>{q.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2 id="instances">Per instance</h2>
          <table data-testid="per-instance">
            <thead>
              <tr>
                <th>Instance</th>
                <th>Role</th>
                <th>Seen</th>
                <th>Reads</th>
                <th>Hit rate</th>
                <th>p95</th>
                <th>Purges</th>
                <th>Warmed</th>
                <th>Stale hits</th>
              </tr>
            </thead>
            <tbody>
              {cluster.instances.map((i) => (
                <tr key={i.instance}>
                  <th scope="row">{i.instance}</th>
                  <td>{i.role}</td>
                  <td>{i.seenAt}</td>
                  <td>{i.reads}</td>
                  <td>{pct(i.hitRate)}</td>
                  <td>{ms(i.latency.p95Ms)}</td>
                  <td>{i.purges}</td>
                  <td>{i.warmDone}</td>
                  <td>{i.staleHits}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <section aria-labelledby="thresholds">
        <h2 id="thresholds">Thresholds</h2>
        <Form method="post" data-testid="thresholds-form">
          <input type="hidden" name="intent" value="thresholds" />
          <p>
            <label>
              Window (minutes){" "}
              <input name="windowMinutes" defaultValue={monitoring.thresholds.windowMinutes} inputMode="numeric" />
            </label>{" "}
            <label>
              Minimum reads <input name="minReads" defaultValue={monitoring.thresholds.minReads} inputMode="numeric" />
            </label>
          </p>
          {errors ? (
            <ul className="field-errors" role="alert">
              {Object.entries(errors).map(([field, messages]) => (
                <li key={field}>
                  {field}: {messages.join("; ")}
                </li>
              ))}
            </ul>
          ) : null}
          <table>
            <thead>
              <tr>
                <th>Rule</th>
                {LEVELS.map((level) => (
                  <th key={level}>{level}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(monitoring.thresholds.rules).map(([name, rule]) => (
                <tr key={name}>
                  <th scope="row">
                    {rule.label} ({rule.direction === "above" ? ">" : "<"} {rule.unit})
                  </th>
                  {LEVELS.map((level) => (
                    <td key={level}>
                      <input
                        name={`${name}.${level}`}
                        aria-label={`${rule.label} ${level}`}
                        defaultValue={(rule.levels as Record<string, number | undefined>)[level] ?? ""}
                        size={6}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <button type="submit">Save thresholds</button>
        </Form>
      </section>

      <section aria-labelledby="history">
        <h2 id="history">History</h2>
        <table>
          <thead>
            <tr>
              <th>Level</th>
              <th>Rule</th>
              <th>Message</th>
              <th>Fired</th>
              <th>Acknowledged</th>
              <th>Resolved</th>
            </tr>
          </thead>
          <tbody>
            {monitoring.history.map((alert) => (
              <tr key={alert.id}>
                <td>{alert.level}</td>
                <td>{alert.rule}</td>
                <td>{alert.message}</td>
                <td>{String(alert.firedAt)}</td>
                <td>{alert.acknowledgedBy ? `${alert.acknowledgedBy}${alert.note ? `: ${alert.note}` : ""}` : ""}</td>
                <td>{alert.resolvedAt ? String(alert.resolvedAt) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">
          Freshness audit on this instance: {audit.audited} hits audited, {audit.stale} stale, {audit.inconclusive}{" "}
          inconclusive.
        </p>
      </section>
    </>
  );
}
