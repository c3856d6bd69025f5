// mix: readers and writers in a 90/10 mix (load/k6/lib/mix.ts), 20 → 100 VUs; every write is
// read back and `stale_reads` must stay at 0. Shorter runs: VUS=20 DURATION=20s (constant VUs).
//   npm run load -- mix                       (k6 when installed, else the Node runner)
//   k6 run -e BASE_URL=http://127.0.0.1:3000 load/k6/mix.ts
import type { Options } from "k6/options";
import { TREND_STATS, targets } from "./lib/app.ts";
import { mixIteration, pageThresholds } from "./lib/mix.ts";
import { type SummaryData, summaryOutputs } from "./lib/summary.ts";

const constant = __ENV.VUS !== undefined && __ENV.DURATION !== undefined;
const RAMP = __ENV.RAMP || "3m";
const HOLD = __ENV.HOLD || "2m";

export const options: Options = {
  scenarios: {
    mix: constant
      ? { executor: "constant-vus", vus: Number(__ENV.VUS), duration: String(__ENV.DURATION), gracefulStop: "10s" }
      : {
          executor: "ramping-vus",
          startVUs: 20,
          stages: [
            { duration: "30s", target: 20 },
            { duration: RAMP, target: 100 },
            { duration: HOLD, target: 100 },
            { duration: "20s", target: 20 },
          ],
          gracefulRampDown: "10s",
          gracefulStop: "10s",
        },
  },
  thresholds: {
    http_req_failed: [{ threshold: "rate<0.001", abortOnFail: true, delayAbortEval: "10s" }],
    stale_reads: ["rate==0"],
    checks: ["rate>0.999"],
    ...pageThresholds(),
  },
  summaryTrendStats: TREND_STATS,
};

export default async function () {
  await mixIteration(await targets());
}

export function handleSummary(data: SummaryData) {
  return summaryOutputs(data, "mix");
}
