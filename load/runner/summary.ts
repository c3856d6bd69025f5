import type { Registry } from "./metrics";

/**
 * k6's end-of-test summary data, the object handleSummary(data) receives:
 * https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/
 * plus `engine` (who ran it), which k6 itself does not write.
 */
export interface SummaryData {
  root_group: {
    name: string;
    path: string;
    id: string;
    groups: unknown[];
    checks: { name: string; path: string; id: string; passes: number; fails: number }[];
  };
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<
    string,
    {
      type: "counter" | "gauge" | "rate" | "trend";
      contains: "default" | "time" | "data";
      values: Record<string, number>;
      thresholds?: Record<string, { ok: boolean }>;
    }
  >;
  engine?: string;
}

export const DEFAULT_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"];

export function buildSummary(
  registry: Registry,
  checks: Map<string, { passes: number; fails: number }>,
  thresholds: Map<string, Map<string, boolean>>,
  durationMs: number,
  trendStats: string[],
): SummaryData {
  const metrics: SummaryData["metrics"] = registry.summaryValues(durationMs, trendStats);
  for (const [key, results] of thresholds) {
    const metric = metrics[key];
    const entry = metric ?? {
      type: registry.typeOf(key),
      contains: "default" as const,
      values: {},
    };
    entry.thresholds = Object.fromEntries([...results].map(([source, ok]) => [source, { ok }]));
    metrics[key] = entry;
  }
  let n = 0;
  return {
    root_group: {
      name: "",
      path: "",
      id: "d41d8cd98f00b204e9800998ecf8427e",
      groups: [],
      checks: [...checks].map(([name, c]) => ({ name, path: `::${name}`, id: String(++n), ...c })),
    },
    options: { summaryTrendStats: trendStats, summaryTimeUnit: "", noColor: false },
    state: {
      isStdOutTTY: Boolean(process.stdout.isTTY),
      isStdErrTTY: Boolean(process.stderr.isTTY),
      testRunDurationMs: durationMs,
    },
    metrics,
  };
}

/** A short text summary (the runner prints it when the script has no handleSummary). */
export function textSummary(data: SummaryData): string {
  const lines: string[] = [];
  for (const check of data.root_group.checks) {
    lines.push(`  ${check.fails === 0 ? "✓" : "✗"} ${check.name}  ${check.passes} passed, ${check.fails} failed`);
  }
  for (const [name, metric] of Object.entries(data.metrics).sort(([a], [b]) => a.localeCompare(b))) {
    const values = Object.entries(metric.values)
      .map(([k, v]) => `${k}=${metric.contains === "time" ? `${v.toFixed(2)}ms` : Number(v.toFixed(4))}`)
      .join(" ");
    const failed = Object.entries(metric.thresholds ?? {}).some(([, t]) => !t.ok);
    lines.push(`  ${metric.thresholds ? (failed ? "✗" : "✓") : " "} ${name}: ${values}`);
  }
  return `${lines.join("\n")}\n`;
}
