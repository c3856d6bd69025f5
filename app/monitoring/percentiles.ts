import type { RecordableHistogram } from "node:perf_hooks";

/** A histogram recorded in microseconds, summed up in milliseconds for snapshots and /metrics. */
export function percentiles(h: RecordableHistogram) {
  const ms = (us: number) => Math.round(us) / 1000;
  return h.count === 0
    ? { count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 }
    : {
        count: h.count,
        p50Ms: ms(h.percentile(50)),
        p95Ms: ms(h.percentile(95)),
        p99Ms: ms(h.percentile(99)),
        maxMs: ms(h.max),
      };
}
