// handleSummary for every script: k6's summary data as JSON (plus which engine ran it) to
// SUMMARY_PATH (default reports/load/<script>-summary.json), and a short text on stdout. No remote
// jslib import: the Node runner has no network to fetch one.

interface MetricData {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  root_group: { checks: { name: string; passes: number; fails: number }[] };
  state: { testRunDurationMs: number };
  metrics: Record<string, MetricData>;
  [key: string]: unknown;
}

function format(metric: MetricData, name: string, value: number): string {
  if (name === "count" || name === "passes" || name === "fails") return String(value);
  if (metric.contains === "time") return `${value.toFixed(1)}ms`;
  if (metric.type === "rate" && name === "rate") return `${(value * 100).toFixed(2)}%`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function summaryText(data: SummaryData, script: string, engine: string): string {
  const lines = [`\n${script} — ${engine}, ${(data.state.testRunDurationMs / 1000).toFixed(1)} s`];
  const checks = data.root_group.checks;
  for (const c of checks) lines.push(`  ${c.fails ? "✗" : "✓"} ${c.name}: ${c.passes} passed, ${c.fails} failed`);
  const keys = Object.keys(data.metrics).sort();
  for (const key of keys) {
    const metric = data.metrics[key];
    if (!metric) continue;
    const shown = metric.thresholds || /^(http_reqs|http_req_duration|http_req_failed|iterations|checks)$/.test(key);
    if (!shown) continue;
    const mark = metric.thresholds ? (Object.values(metric.thresholds).every((t) => t.ok) ? "✓" : "✗") : " ";
    const values = Object.entries(metric.values)
      .map(([name, value]) => `${name}=${format(metric, name, value)}`)
      .join(" ");
    lines.push(`${mark} ${key}: ${values}`);
    for (const [source, t] of Object.entries(metric.thresholds ?? {})) {
      if (!t.ok) lines.push(`    threshold crossed: ${source}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function summaryOutputs(data: SummaryData, script: string): Record<string, string> {
  const engine = __ENV.QUILL_LOAD_ENGINE || "k6";
  const target = __ENV.SUMMARY_PATH || `reports/load/${script}-summary.json`;
  return {
    stdout: summaryText(data, script, engine),
    [target]: JSON.stringify({ ...data, engine, script, baseUrl: __ENV.BASE_URL || "" }, null, 2),
  };
}
