/**
 * k6's threshold grammar: `aggregation operator value`, e.g. `p(95)<500`, `rate==0`,
 * `count>=10`, `avg<200`, `med<=100`, `value>0`. A threshold belongs to a metric name that may
 * carry a tag filter: `http_req_duration{page:post}`, `checks{check:status is 200,kind:read}`.
 * https://grafana.com/docs/k6/latest/using-k6/thresholds/
 */
export type Operator = "<" | "<=" | ">" | ">=" | "==" | "===" | "!=";

export interface ThresholdExpression {
  source: string;
  aggregation: string;
  operator: Operator;
  value: number;
}

export interface MetricSelector {
  name: string;
  tags: Record<string, string>;
  /** How k6 names it in the summary: `name{tag:value,…}` as written. */
  key: string;
}

export class ThresholdSyntaxError extends Error {
  override name = "ThresholdSyntaxError";
}

const AGGREGATIONS = /^(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))$/;

export function parseThreshold(source: string): ThresholdExpression {
  const match = /^\s*([a-z]+(?:\(\s*\d+(?:\.\d+)?\s*\))?)\s*(===|==|!=|<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(source);
  if (!match) {
    throw new ThresholdSyntaxError(
      `threshold "${source}": expected "aggregation operator number", e.g. "p(95)<500" or "rate==0"`,
    );
  }
  const aggregation = (match[1] ?? "").replace(/\s+/g, "");
  const agg = AGGREGATIONS.exec(aggregation);
  if (!agg) throw new ThresholdSyntaxError(`threshold "${source}": unknown aggregation "${aggregation}"`);
  const percentile = agg[2];
  if (percentile !== undefined && Number(percentile) > 100) {
    throw new ThresholdSyntaxError(`threshold "${source}": a percentile is at most 100`);
  }
  return { source, aggregation, operator: match[2] as Operator, value: Number(match[3]) };
}

/** `http_req_duration{page:post,kind:read}` → name and tags. */
export function parseMetricSelector(key: string): MetricSelector {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{(.*)\})?$/.exec(key.trim());
  if (!match) throw new ThresholdSyntaxError(`metric "${key}": expected name or name{tag:value,…}`);
  const tags: Record<string, string> = {};
  const inner = match[2];
  if (inner !== undefined) {
    for (const part of inner.split(",")) {
      const colon = part.indexOf(":");
      if (colon <= 0) throw new ThresholdSyntaxError(`metric "${key}": tag filter "${part}" is not tag:value`);
      tags[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
    }
  }
  return { name: match[1] ?? "", tags, key: key.trim() };
}

/** Which aggregations a metric type allows (k6 refuses the others at start). */
export const ALLOWED: Record<string, RegExp> = {
  trend: /^(avg|min|max|med|p\(.+\))$/,
  rate: /^rate$/,
  counter: /^(count|rate)$/,
  gauge: /^(value|min|max)$/,
};

export function compare(actual: number, operator: Operator, expected: number): boolean {
  switch (operator) {
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
    case "==":
    case "===":
      return actual === expected;
    case "!=":
      return actual !== expected;
  }
}

export interface ThresholdConfig {
  threshold: string;
  abortOnFail?: boolean;
  delayAbortEval?: string;
}

/** A metric's thresholds as k6 accepts them: strings, or objects with abortOnFail. */
export function normalizeThresholds(list: unknown): ThresholdConfig[] {
  const items = Array.isArray(list) ? list : [list];
  return items.map((item) => {
    if (typeof item === "string") return { threshold: item };
    if (item && typeof item === "object" && typeof (item as ThresholdConfig).threshold === "string") {
      return item as ThresholdConfig;
    }
    throw new ThresholdSyntaxError(
      `threshold ${JSON.stringify(item)}: expected a string or { threshold, abortOnFail }`,
    );
  });
}
