import { beforeEach, describe, expect, it } from "vitest";
import { queryCounters, recordPurge, recordRead, resetMetrics } from "~/monitoring/cache-metrics.server";
import { observeHttpRequest, prometheusText } from "~/monitoring/prometheus.server";
import { recordWarmed, resetWarmMetrics, warmCounters } from "~/monitoring/warm-metrics.server";
import { isLoopback, metricsAllowed } from "../../server/metrics-access";
import { type Family, parsePrometheusText } from "../support/prometheus-text";

function sample(family: Family | undefined, name: string, labels: Record<string, string> = {}) {
  const found = family?.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (!found) throw new Error(`no ${name} ${JSON.stringify(labels)}`);
  return found.value;
}

/** /metrics as prom-client writes it: strictly valid, with histogram buckets and the counters. */
describe("/metrics (prom-client)", () => {
  beforeEach(() => {
    resetMetrics();
    resetWarmMetrics();
  });

  it("is valid exposition text with read, purge, warm and HTTP histograms and the counters", async () => {
    recordRead("story.reading", "hit", 0.3);
    recordRead("story.reading", "hit", 0.7);
    recordRead("story.reading", "miss", 40);
    recordRead('odd"q\\x\ny', "bypass", 2);
    queryCounters("story.reading").loads += 1;
    queryCounters("story.reading").rejectedFills += 2;
    recordPurge(2, 1, true);
    recordPurge(1, 3, false);
    warmCounters().queued += 5;
    recordWarmed(120);
    observeHttpRequest({ route: "routes/community._index", method: "GET", status: 200, xCache: "HIT", seconds: 0.02 });

    const families = parsePrometheusText(await prometheusText());

    const reads = families.get("quill_cache_reads_total");
    expect(reads?.type).toBe("counter");
    expect(sample(reads, "quill_cache_reads_total", { query: "story.reading", status: "hit" })).toBe(2);
    expect(sample(reads, "quill_cache_reads_total", { query: "story.reading", status: "stale" })).toBe(0);
    // Label values are escaped, not mangled: the parser reads back the original name.
    expect(sample(reads, "quill_cache_reads_total", { query: 'odd"q\\x\ny', status: "bypass" })).toBe(1);
    expect(sample(families.get("quill_cache_rejected_fills_total"), "quill_cache_rejected_fills_total")).toBe(2);

    const latency = families.get("quill_cache_read_duration_seconds");
    expect(latency?.type).toBe("histogram");
    const hitLabels = { query: "story.reading", status: "hit" };
    expect(sample(latency, "quill_cache_read_duration_seconds_bucket", { ...hitLabels, le: "0.0005" })).toBe(1);
    expect(sample(latency, "quill_cache_read_duration_seconds_bucket", { ...hitLabels, le: "0.001" })).toBe(2);
    expect(sample(latency, "quill_cache_read_duration_seconds_count", hitLabels)).toBe(2);
    const missLabels = { query: "story.reading", status: "miss" };
    expect(sample(latency, "quill_cache_read_duration_seconds_bucket", { ...missLabels, le: "0.025" })).toBe(0);
    expect(sample(latency, "quill_cache_read_duration_seconds_bucket", { ...missLabels, le: "0.05" })).toBe(1);

    const purges = families.get("quill_cache_purge_duration_seconds");
    expect(sample(purges, "quill_cache_purge_duration_seconds_count")).toBe(2);
    expect(sample(families.get("quill_cache_purges_total"), "quill_cache_purges_total")).toBe(2);
    expect(sample(families.get("quill_cache_purge_failures_total"), "quill_cache_purge_failures_total")).toBe(1);
    expect(sample(families.get("quill_cache_purged_tags_total"), "quill_cache_purged_tags_total")).toBe(3);

    const delay = families.get("quill_warm_delay_seconds");
    expect(delay?.type).toBe("histogram");
    expect(sample(delay, "quill_warm_delay_seconds_bucket", { le: "0.1" })).toBe(0);
    expect(sample(delay, "quill_warm_delay_seconds_bucket", { le: "0.25" })).toBe(1);
    expect(sample(families.get("quill_warm_jobs_queued_total"), "quill_warm_jobs_queued_total")).toBe(5);
    expect(sample(families.get("quill_warm_jobs_done_total"), "quill_warm_jobs_done_total")).toBe(1);

    const http = families.get("quill_http_request_duration_seconds");
    const route = { route: "routes/community._index", method: "GET", status: "200", x_cache: "HIT" };
    expect(sample(http, "quill_http_request_duration_seconds_bucket", { ...route, le: "0.025" })).toBe(1);

    // collectDefaultMetrics: event-loop lag, heap, GC.
    expect(families.has("nodejs_eventloop_lag_seconds")).toBe(true);
    expect(families.has("nodejs_heap_size_used_bytes")).toBe(true);
    expect(families.has("nodejs_gc_duration_seconds")).toBe(true);
  });

  it("forgets the histograms on reset too", async () => {
    recordRead("q", "hit", 1);
    resetMetrics();
    const families = parsePrometheusText(await prometheusText());
    expect(families.get("quill_cache_read_duration_seconds")?.samples).toEqual([]);
  });

  it("the strict parser refuses what Prometheus would", () => {
    expect(() => parsePrometheusText("x 1\n")).toThrow(/no TYPE/);
    expect(() => parsePrometheusText("# TYPE x counter\nx{a=b} 1\n")).toThrow(/bad labels/);
    expect(() => parsePrometheusText("# TYPE x counter\nx one\n")).toThrow(/not a sample/);
    expect(() =>
      parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'),
    ).toThrow(/cumulative/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n')).toThrow(
      /\+Inf/,
    );
  });
});

describe("who may read /metrics", () => {
  const token = "a-long-metrics-token-1234";

  it("lets loopback callers in without a token", () => {
    for (const address of ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"]) {
      expect(isLoopback(address)).toBe(true);
      expect(metricsAllowed(address, {}, undefined)).toBe(true);
    }
  });

  it("refuses others without the token, and a loopback request that came through a proxy", () => {
    for (const address of ["192.0.2.2", "10.0.0.1", "::ffff:192.0.2.2", "fd00::2", undefined]) {
      expect(metricsAllowed(address, {}, token)).toBe(false);
      expect(metricsAllowed(address, { authorization: "Bearer wrong-token-wrong-token" }, token)).toBe(false);
    }
    expect(metricsAllowed("127.0.0.1", { "x-forwarded-for": "203.0.113.9" }, token)).toBe(false);
    expect(metricsAllowed("127.0.0.1", { forwarded: "for=203.0.113.9" }, undefined)).toBe(false);
  });

  it("lets anyone with the bearer token in; no token configured means loopback only", () => {
    expect(metricsAllowed("192.0.2.2", { authorization: `Bearer ${token}` }, token)).toBe(true);
    expect(metricsAllowed("192.0.2.2", { authorization: `bearer ${token}` }, token)).toBe(true);
    expect(metricsAllowed("192.0.2.2", { authorization: "Bearer " }, undefined)).toBe(false);
  });
});
