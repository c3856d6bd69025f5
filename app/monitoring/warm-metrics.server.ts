import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { remember } from "@epic-web/remember";
import { percentiles } from "./percentiles";
import { prometheus, setCounterSources } from "./prometheus.server";

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

let queueDepthSource: (() => Promise<number | undefined>) | undefined;

/**
 * Where this process reads the warming queue's depth (jobs waiting, delayed or running), for the
 * cluster series and the dashboard's chart: the warming layer sets it when it opens the queue.
 */
export function setQueueDepthSource(source: (() => Promise<number | undefined>) | undefined): void {
  queueDepthSource = source;
}

/** The queue's depth now, or undefined when this process has no queue or its Redis is away. */
export async function queueDepth(): Promise<number | undefined> {
  return queueDepthSource?.().catch(() => undefined);
}

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
  if (delayMs !== undefined) {
    counters.delay.record(Math.max(1, Math.round(delayMs * 1000)));
    prometheus().warmDelay.observe(delayMs / 1000);
  }
}

export function resetWarmMetrics(): void {
  holder.__warmCounters = undefined;
  holder.__warmSince = undefined;
  prometheus().warmDelay.reset();
}

// /metrics reads the counters from here at scrape time.
setCounterSources({
  warming: () => {
    const { delay: _delay, ...counts } = warmCounters();
    return counts;
  },
});

export function warmMetricsSnapshot() {
  const { delay, ...counts } = warmCounters();
  return { ...counts, delay: percentiles(delay) };
}
