import { type MetricSelector, parseMetricSelector } from "./thresholds";

/** k6's four metric types and what their values contain. */
export type MetricType = "counter" | "gauge" | "rate" | "trend";
export type Contains = "default" | "time" | "data";
export type Tags = Record<string, string>;

export interface Sample {
  metric: string;
  value: number;
  tags: Tags;
  time: number;
}

class Sink {
  values: number[] = [];
  sum = 0;
  count = 0;
  nonZero = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  last = 0;
  constructor(readonly type: MetricType) {}
  add(value: number) {
    if (this.type === "trend") this.values.push(value);
    this.sum += value;
    this.count += 1;
    if (value !== 0) this.nonZero += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.last = value;
  }
}

/** The p-th percentile (0–100) of sorted values, interpolated between ranks as k6 does. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  if (sorted.length === 1) return sorted[0] ?? 0;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const a = sorted[lower] ?? 0;
  const b = sorted[upper] ?? 0;
  return a + (b - a) * (rank - lower);
}

export interface MetricDefinition {
  name: string;
  type: MetricType;
  contains: Contains;
}

/** One value of an aggregation (`p(95)`, `rate`, `count`, …) of a sink; k6's names. */
function aggregate(sink: Sink, type: MetricType, aggregation: string, durationMs: number, sorted?: number[]): number {
  const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(aggregation);
  if (p) return percentile(sorted ?? [], Number(p[1]));
  switch (aggregation) {
    case "avg":
      return sink.count ? sink.sum / sink.count : 0;
    case "min":
      return sink.count ? sink.min : 0;
    case "max":
      return sink.count ? sink.max : 0;
    case "med":
      return percentile(sorted ?? [], 50);
    case "count":
      return type === "trend" ? sink.count : sink.sum;
    case "rate":
      if (type === "rate") return sink.count ? sink.nonZero / sink.count : 0;
      return durationMs > 0 ? sink.sum / (durationMs / 1000) : 0;
    case "value":
      return sink.last;
    default:
      throw new Error(`aggregation "${aggregation}" is not one k6 has`);
  }
}

/**
 * Every metric of a run (k6's built-in ones and the script's Trend/Rate/Counter/Gauge) and the
 * sub-metrics that thresholds name with a tag filter, aggregated the way k6's summary shows them.
 */
export class Registry {
  readonly definitions = new Map<string, MetricDefinition>();
  private readonly sinks = new Map<string, Sink>();
  private readonly submetrics = new Map<string, { selector: MetricSelector; sink: Sink }[]>();
  private readonly listeners: ((sample: Sample) => void)[] = [];

  define(name: string, type: MetricType, contains: Contains = "default"): MetricDefinition {
    const existing = this.definitions.get(name);
    if (existing) {
      if (existing.type !== type) throw new Error(`metric "${name}" is already a ${existing.type}, not a ${type}`);
      return existing;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) throw new Error(`metric name "${name}" is not valid in k6`);
    const definition = { name, type, contains };
    this.definitions.set(name, definition);
    this.sinks.set(name, new Sink(type));
    return definition;
  }

  /** A sub-metric such as `http_req_duration{page:post}` (made for thresholds). */
  defineSubmetric(key: string): MetricSelector {
    const selector = parseMetricSelector(key);
    const definition = this.definitions.get(selector.name);
    if (!definition) throw new Error(`threshold on "${key}": no metric named "${selector.name}"`);
    const list = this.submetrics.get(selector.name) ?? [];
    if (!list.some((s) => s.selector.key === selector.key)) {
      list.push({ selector, sink: new Sink(definition.type) });
      this.submetrics.set(selector.name, list);
    }
    return selector;
  }

  onSample(listener: (sample: Sample) => void) {
    this.listeners.push(listener);
  }

  add(sample: Sample) {
    const sink = this.sinks.get(sample.metric);
    if (!sink) throw new Error(`metric "${sample.metric}" was never defined`);
    sink.add(sample.value);
    for (const { selector, sink: sub } of this.submetrics.get(sample.metric) ?? []) {
      if (Object.entries(selector.tags).every(([k, v]) => sample.tags[k] === v)) sub.add(sample.value);
    }
    for (const listener of this.listeners) listener(sample);
  }

  /** The aggregation of a metric or sub-metric key, e.g. `p(95)` of `http_req_duration{page:post}`. */
  value(key: string, aggregation: string, durationMs: number): number {
    const { sink, type } = this.sinkOf(key);
    const sorted = type === "trend" ? [...sink.values].sort((a, b) => a - b) : undefined;
    return aggregate(sink, type, aggregation, durationMs, sorted);
  }

  count(key: string): number {
    return this.sinkOf(key).sink.count;
  }

  typeOf(key: string): MetricType {
    return this.sinkOf(key).type;
  }

  /** Every metric and sub-metric key that has a value, in k6's summary form. */
  summaryValues(
    durationMs: number,
    trendStats: string[],
  ): Record<string, { type: MetricType; contains: Contains; values: Record<string, number> }> {
    const out: Record<string, { type: MetricType; contains: Contains; values: Record<string, number> }> = {};
    const entries: [string, MetricDefinition, Sink][] = [];
    for (const [name, definition] of this.definitions) {
      const sink = this.sinks.get(name);
      if (sink && sink.count > 0) entries.push([name, definition, sink]);
      for (const sub of this.submetrics.get(name) ?? []) entries.push([sub.selector.key, definition, sub.sink]);
    }
    for (const [key, definition, sink] of entries) {
      const type = definition.type;
      const sorted = type === "trend" ? [...sink.values].sort((a, b) => a - b) : undefined;
      const names =
        type === "trend"
          ? trendStats
          : type === "rate"
            ? ["rate"]
            : type === "counter"
              ? ["count", "rate"]
              : ["value", "min", "max"];
      const values: Record<string, number> = {};
      for (const name of names) values[name] = aggregate(sink, type, name, durationMs, sorted);
      if (type === "rate") {
        values.passes = sink.nonZero;
        values.fails = sink.count - sink.nonZero;
      }
      out[key] = { type, contains: definition.contains, values };
    }
    return out;
  }

  private sinkOf(key: string): { sink: Sink; type: MetricType } {
    const selector = parseMetricSelector(key);
    const definition = this.definitions.get(selector.name);
    if (!definition) throw new Error(`no metric named "${selector.name}"`);
    if (Object.keys(selector.tags).length === 0) {
      return { sink: this.sinks.get(selector.name) ?? new Sink(definition.type), type: definition.type };
    }
    const sub = this.submetrics.get(selector.name)?.find((s) => s.selector.key === selector.key);
    if (!sub) throw new Error(`no sub-metric "${key}" (define it first)`);
    return { sink: sub.sink, type: definition.type };
  }
}

/** k6's built-in metrics that the runner measures. */
export function defineBuiltins(registry: Registry) {
  registry.define("checks", "rate");
  registry.define("data_received", "counter", "data");
  registry.define("data_sent", "counter", "data");
  registry.define("dropped_iterations", "counter");
  registry.define("http_req_blocked", "trend", "time");
  registry.define("http_req_connecting", "trend", "time");
  registry.define("http_req_duration", "trend", "time");
  registry.define("http_req_failed", "rate");
  registry.define("http_req_receiving", "trend", "time");
  registry.define("http_req_sending", "trend", "time");
  registry.define("http_req_tls_handshaking", "trend", "time");
  registry.define("http_req_waiting", "trend", "time");
  registry.define("http_reqs", "counter");
  registry.define("iteration_duration", "trend", "time");
  registry.define("iterations", "counter");
  registry.define("vus", "gauge");
  registry.define("vus_max", "gauge");
}
