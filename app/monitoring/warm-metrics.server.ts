import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { remember } from "@epic-web/remember";
import { percentiles } from "./percentiles";

/**
 * Warming counters of this process (docs/design.md#warming, #monitoring): what it queued (producer side) and what its
 * worker ran. The purge-to-warmed delay is a histogram in microseconds, like the cache's.
 */
export interface WarmCounters {
  /** Jobs added to the queue. */
  queued: number;
  /** Adds merged into a job already waiting or running for the same key. */
  deduplicated: number;
  /** Reads refused before queueing: unknown query or bad arguments. */
  rejected: number;
  /** Batches (one purge's, one schedule's) not queued: the queue's Redis was unreachable. */
  unavailable: number;
  /** Jobs this process's worker finished, and those that failed for good. */
  done: number;
  failed: number;
  /** Attempts that failed and will be retried with backoff. */
  retried: number;
  /** From the purge to the warmed entry, for jobs a purge queued. */
  delay: RecordableHistogram;
}

const holder = remember("monitoring.warming", (): { __warmCounters?: WarmCounters; __warmSince?: number } => ({}));

export function warmCounters(): WarmCounters {
  holder.__warmCounters ??= {
    queued: 0,
    deduplicated: 0,
    rejected: 0,
    unavailable: 0,
    done: 0,
    failed: 0,
    retried: 0,
    delay: createHistogram(),
  };
  holder.__warmSince ??= Date.now();
  return holder.__warmCounters;
}

export function recordWarmed(delayMs: number | undefined): void {
  const counters = warmCounters();
  counters.done += 1;
  if (delayMs !== undefined) counters.delay.record(Math.max(1, Math.round(delayMs * 1000)));
}

export function resetWarmMetrics(): void {
  holder.__warmCounters = undefined;
  holder.__warmSince = undefined;
}

export function warmMetricsSnapshot() {
  const { delay, ...counts } = warmCounters();
  return { ...counts, delay: percentiles(delay) };
}

/** The counters in Prometheus's text format (appended to the cache's on `/metrics`). */
export function warmMetricsAsPrometheus(): string {
  const m = warmMetricsSnapshot();
  const lines: string[] = [];
  const counter = (name: string, help: string, value: number) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
  counter("quill_warm_jobs_queued_total", "Warming jobs added to the queue.", m.queued);
  counter("quill_warm_jobs_deduplicated_total", "Warming adds merged into a waiting or running job.", m.deduplicated);
  counter("quill_warm_jobs_rejected_total", "Warming requests refused (unknown query, bad arguments).", m.rejected);
  counter("quill_warm_jobs_unavailable_total", "Warming batches dropped: queue Redis unreachable.", m.unavailable);
  counter("quill_warm_jobs_done_total", "Warming jobs this worker finished.", m.done);
  counter("quill_warm_jobs_failed_total", "Warming jobs that failed for good.", m.failed);
  counter("quill_warm_jobs_retried_total", "Warming attempts that failed and will be retried.", m.retried);
  lines.push(
    "# HELP quill_warm_delay_seconds Purge-to-warmed delay percentiles since start (or reset).",
    "# TYPE quill_warm_delay_seconds gauge",
  );
  for (const [q, value] of [
    ["0.5", m.delay.p50Ms],
    ["0.95", m.delay.p95Ms],
    ["0.99", m.delay.p99Ms],
  ] as const) {
    lines.push(`quill_warm_delay_seconds{quantile="${q}"} ${value / 1000}`);
  }
  return `${lines.join("\n")}\n`;
}
