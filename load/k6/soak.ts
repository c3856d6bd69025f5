// soak: the mix at a steady arrival rate for a long time (SOAK_DURATION, default 30m; RATE
// iterations a second, default 20), to see memory and connections leak: the analysis compares
// the metrics snapshots before and after, and latency over time should stay flat.
import type { Options } from "k6/options";
import { TREND_STATS, targets } from "./lib/app.ts";
import { mixIteration, pageThresholds } from "./lib/mix.ts";
import { type SummaryData, summaryOutputs } from "./lib/summary.ts";

export const options: Options = {
  scenarios: {
    soak: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE || 20),
      timeUnit: "1s",
      duration: __ENV.SOAK_DURATION || "30m",
      preAllocatedVUs: Number(__ENV.VUS || 50),
      maxVUs: Number(__ENV.MAX_VUS || 150),
      gracefulStop: "10s",
    },
  },
  thresholds: {
    http_req_failed: [{ threshold: "rate<0.001", abortOnFail: true, delayAbortEval: "30s" }],
    stale_reads: ["rate==0"],
    dropped_iterations: ["count<1"],
    ...pageThresholds(),
  },
  summaryTrendStats: TREND_STATS,
};

export default async function () {
  await mixIteration(await targets());
}

export function handleSummary(data: SummaryData) {
  return summaryOutputs(data, "soak");
}
