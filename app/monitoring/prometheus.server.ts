import { remember } from "@epic-web/remember";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/**
 * This process's Prometheus registry (docs/operations.md#metrics): the histograms are observed
 * where the events happen; the counters mirror the JSON counters of cache-metrics and
 * warm-metrics at scrape time (one source of truth for /metrics and the metrics API). Histograms
 * have fixed buckets so that Prometheus (and the cluster view) can add them up across processes.
 */

/** Read and purge latencies: sub-millisecond hits to a slow database load. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Purge → warmed: tens of milliseconds when workers keep up, minutes when they fall behind. */
export const WARM_DELAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the mirrored counters read at scrape time (set by cache-metrics and warm-metrics). */
export interface CounterSources {
  queries(): Iterable<[string, Record<string, number>]>;
  purges(): { purges: number; tags: number; failures: number };
  warming(): Record<string, number>;
  audit(): { audited: number; staleHits: Iterable<[string, number]> };
}

interface Metrics {
  registry: Registry;
  readDuration: Histogram<"query" | "status">;
  purgeDuration: Histogram;
  warmDelay: Histogram;
  httpDuration: Histogram<"route" | "method" | "status" | "x_cache">;
  responses: Counter<"outcome">;
  sources?: CounterSources;
}

const READ_COUNTERS = [
  ["quill_cache_errors_total", "Redis calls that failed or timed out (the read bypassed).", "errors"],
  ["quill_cache_rejected_fills_total", "Fills refused because a purge overtook the load.", "rejectedFills"],
  ["quill_cache_schema_mismatches_total", "Cached values that no longer matched their schema.", "schemaMismatches"],
  ["quill_cache_loads_total", "Database loads made by cached queries.", "loads"],
] as const;

const WARM_COUNTERS = [
  ["quill_warm_jobs_queued_total", "Warming jobs added to the queue.", "queued"],
  ["quill_warm_jobs_deduplicated_total", "Warming adds merged into a waiting or running job.", "deduplicated"],
  ["quill_warm_jobs_rejected_total", "Warming requests refused (unknown query, bad arguments).", "rejected"],
  ["quill_warm_jobs_unavailable_total", "Warming batches dropped: queue Redis unreachable.", "unavailable"],
  ["quill_warm_jobs_done_total", "Warming jobs this worker finished.", "done"],
  ["quill_warm_jobs_failed_total", "Warming jobs that failed for good.", "failed"],
  ["quill_warm_jobs_retried_total", "Warming attempts that failed and will be retried.", "retried"],
] as const;

/** A counter whose value is read from `read` at each scrape (reset + inc: counters cannot be set). */
function mirroredCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<[Partial<Record<L, string>>, number]>,
) {
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels as Record<L, string>, value);
    },
  });
}

function build(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    readDuration: new Histogram({
      name: "quill_cache_read_duration_seconds",
      help: "Cached read latency by query and outcome (hit, miss, stale, bypass).",
      labelNames: ["query", "status"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    purgeDuration: new Histogram({
      name: "quill_cache_purge_duration_seconds",
      help: "Duration of a mutation's purge (invalidate).",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    warmDelay: new Histogram({
      name: "quill_warm_delay_seconds",
      help: "From a purge to its key warmed again, for jobs a purge queued.",
      buckets: WARM_DELAY_BUCKETS,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "quill_http_request_duration_seconds",
      help: "HTTP request duration by Remix route id, method, status and X-Cache.",
      labelNames: ["route", "method", "status", "x_cache"],
      buckets: HTTP_BUCKETS,
      registers: [registry],
    }),
    responses: new Counter({
      name: "quill_response_cache_total",
      help: "Anonymous GETs the response cache saw, by outcome (hit, revalidated, stored, refused, unshareable, error).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
  };
  const sources = () => metrics.sources;
  mirroredCounter(registry, "quill_cache_reads_total", "Cached reads by query and outcome.", ["query", "status"], () =>
    [...(sources()?.queries() ?? [])].flatMap(([query, c]) =>
      (
        [
          ["hit", c.hits],
          ["miss", c.misses],
          ["stale", c.stale],
          ["bypass", c.bypasses],
        ] as const
      ).map(([status, n]) => [{ query, status }, n ?? 0] as [Partial<Record<"query" | "status", string>>, number]),
    ),
  );
  for (const [name, help, field] of READ_COUNTERS) {
    mirroredCounter(registry, name, help, ["query"], () =>
      [...(sources()?.queries() ?? [])].map(([query, c]) => [{ query }, c[field] ?? 0]),
    );
  }
  const purgeFigure = (field: "purges" | "tags" | "failures") => () =>
    [[{}, sources()?.purges()[field] ?? 0]] as [Partial<Record<never, string>>, number][];
  mirroredCounter(registry, "quill_cache_purges_total", "Purges (invalidate calls).", [], purgeFigure("purges"));
  mirroredCounter(
    registry,
    "quill_cache_purge_failures_total",
    "Purges that could not reach Redis (left to the outbox).",
    [],
    purgeFigure("failures"),
  );
  mirroredCounter(registry, "quill_cache_purged_tags_total", "Tags purged.", [], purgeFigure("tags"));
  for (const [name, help, field] of WARM_COUNTERS) {
    mirroredCounter(registry, name, help, [], () => [[{}, sources()?.warming()[field] ?? 0]]);
  }
  mirroredCounter(
    registry,
    "quill_cache_audited_hits_total",
    "Cache hits the freshness audit re-loaded from the database and compared.",
    [],
    () => [[{}, sources()?.audit().audited ?? 0]],
  );
  mirroredCounter(
    registry,
    "quill_cache_stale_hits_total",
    "Audited hits whose value differed from the database: a mutation that forgot a tag.",
    ["query"],
    () => [...(sources()?.audit().staleHits ?? [])].map(([query, n]) => [{ query }, n]),
  );
  return metrics;
}

/** The process's registry and metrics, made once (default metrics register only once). */
export function prometheus(): Metrics {
  return remember("monitoring.prometheus", build);
}

/** Where the mirrored counters read from; cache-metrics and warm-metrics each add theirs. */
export function setCounterSources(sources: Partial<CounterSources>): void {
  const metrics = prometheus();
  const empty: CounterSources = {
    queries: () => [],
    purges: () => ({ purges: 0, tags: 0, failures: 0 }),
    warming: () => ({}),
    audit: () => ({ audited: 0, staleHits: [] }),
  };
  metrics.sources = { ...empty, ...metrics.sources, ...sources };
}

/** One HTTP request, as the server's middleware measured it. */
export function observeHttpRequest(request: {
  route: string;
  method: string;
  status: number;
  xCache: string | undefined;
  seconds: number;
}): void {
  prometheus().httpDuration.observe(
    { route: request.route, method: request.method, status: String(request.status), x_cache: request.xCache ?? "none" },
    request.seconds,
  );
}

/** One request the response cache answered, kept, or passed on (app/http/response-cache.server.ts). */
export function countResponse(outcome: string): void {
  prometheus().responses.inc({ outcome });
}

/** The whole registry in Prometheus's text format (version 0.0.4). */
export function prometheusText(): Promise<string> {
  return prometheus().registry.metrics();
}

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
