import type { LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { getActor } from "~/auth/actor.server";
import { dashboardCsv, dashboardData } from "~/monitoring/dashboard.server";
import { requireAdmin } from "~/monitoring/monitoring.server";

/**
 * The dashboard's current view as a download: `/admin/cache/export/json` (everything the page
 * shows) or `/admin/cache/export/csv` (totals, per query, per instance). Admins only.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  try {
    requireAdmin(actor);
  } catch {
    throw data("Admins only", { status: 403 });
  }
  const format = params.format;
  if (format !== "json" && format !== "csv") throw data("Export as json or csv", { status: 404 });
  const view = await dashboardData();
  const stamp = view.at.replace(/[:.]/g, "-");
  const headers = {
    "Cache-Control": "private, no-store",
    "Content-Disposition": `attachment; filename="quill-cache-${stamp}.${format}"`,
  };
  if (format === "csv") {
    return new Response(dashboardCsv(view.cluster), {
      headers: { ...headers, "Content-Type": "text/csv; charset=utf-8" },
    });
  }
  return new Response(JSON.stringify(view, null, 2), {
    headers: { ...headers, "Content-Type": "application/json; charset=utf-8" },
  });
}
