import { describe, expect, it } from "vitest";
import { evaluateThresholds, prepareThresholds } from "../../load/runner/engine";
import { Registry } from "../../load/runner/metrics";
import {
  compare,
  normalizeThresholds,
  parseMetricSelector,
  parseThreshold,
  ThresholdSyntaxError,
} from "../../load/runner/thresholds";

describe("k6 threshold grammar", () => {
  it.each([
    ["p(95)<500", "p(95)", "<", 500],
    ["p(99.9) <= 1500", "p(99.9)", "<=", 1500],
    ["rate==0", "rate", "==", 0],
    ["rate<0.001", "rate", "<", 0.001],
    ["count>=10", "count", ">=", 10],
    ["avg < 200", "avg", "<", 200],
    ["med!=3", "med", "!=", 3],
    ["max===1", "max", "===", 1],
    ["value>-1", "value", ">", -1],
  ])("parses %s", (source, aggregation, operator, value) => {
    expect(parseThreshold(source)).toEqual({ source, aggregation, operator, value });
  });

  it.each(["p95<500", "rate=0", "avg<", "<500", "p(101)<5", "median<3", "rate==abc"])("refuses %s", (source) => {
    expect(() => parseThreshold(source)).toThrow(ThresholdSyntaxError);
  });

  it("reads tag filters on metric names", () => {
    expect(parseMetricSelector("http_req_duration{page:post,kind:read}")).toEqual({
      name: "http_req_duration",
      tags: { page: "post", kind: "read" },
      key: "http_req_duration{page:post,kind:read}",
    });
    expect(parseMetricSelector("stale_reads")).toEqual({ name: "stale_reads", tags: {}, key: "stale_reads" });
    expect(() => parseMetricSelector("http_req_duration{page}")).toThrow(ThresholdSyntaxError);
  });

  it("takes strings and { threshold, abortOnFail } objects", () => {
    expect(normalizeThresholds(["rate==0", { threshold: "rate<1", abortOnFail: true }])).toEqual([
      { threshold: "rate==0" },
      { threshold: "rate<1", abortOnFail: true },
    ]);
    expect(() => normalizeThresholds([42])).toThrow(ThresholdSyntaxError);
  });

  it("compares with every operator", () => {
    expect(compare(1, "<", 2)).toBe(true);
    expect(compare(2, "<", 2)).toBe(false);
    expect(compare(2, "<=", 2)).toBe(true);
    expect(compare(3, ">", 2)).toBe(true);
    expect(compare(2, ">=", 3)).toBe(false);
    expect(compare(0, "==", 0)).toBe(true);
    expect(compare(0, "===", 1)).toBe(false);
    expect(compare(0, "!=", 1)).toBe(true);
  });

  it("evaluates against metrics and sub-metrics filtered by tag", () => {
    const registry = new Registry();
    registry.define("http_req_duration", "trend", "time");
    registry.define("stale_reads", "rate");
    const thresholds = prepareThresholds(registry, {
      http_req_duration: ["p(95)<500", "max<1000"],
      "http_req_duration{page:post}": ["p(95)<100"],
      stale_reads: ["rate==0"],
    });
    for (let i = 1; i <= 100; i++) {
      registry.add({ metric: "http_req_duration", value: i, tags: { page: i <= 50 ? "post" : "home" }, time: 0 });
    }
    registry.add({ metric: "stale_reads", value: 0, tags: {}, time: 0 });
    registry.add({ metric: "stale_reads", value: 1, tags: {}, time: 0 });
    const results = evaluateThresholds(registry, thresholds, 1000);
    expect(results.get("http_req_duration")?.get("p(95)<500")).toBe(true);
    expect(results.get("http_req_duration{page:post}")?.get("p(95)<100")).toBe(true);
    expect(registry.value("http_req_duration{page:post}", "max", 1000)).toBe(50);
    expect(results.get("stale_reads")?.get("rate==0")).toBe(false);
  });

  it("refuses an aggregation the metric type has not (as k6 does at start)", () => {
    const registry = new Registry();
    registry.define("stale_reads", "rate");
    expect(() => prepareThresholds(registry, { stale_reads: ["p(95)<1"] })).toThrow(/a rate has no "p\(95\)"/);
    expect(() => prepareThresholds(registry, { nothing: ["rate==0"] })).toThrow(/no metric named "nothing"/);
  });
});
