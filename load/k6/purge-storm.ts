// purge-storm: bursts of writes to a few hot items while many readers read them: each write purges
// what the readers are reading, so warming and single-flight (one load per key) work under
// pressure. Readers at a constant arrival rate; writers in bursts (WRITERS VUs, BURST_EVERY).
import { check } from "k6";
import exec from "k6/execution";
import { Rate, Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { accountFor, pause, read, sendJson, signIn, TREND_STATS, targets, token } from "./lib/app.ts";
import { type SummaryData, summaryOutputs } from "./lib/summary.ts";

const DURATION = __ENV.DURATION || "1m";
const HOT = Number(__ENV.HOT || 3);

export const options: Options = {
  scenarios: {
    readers: {
      executor: "constant-arrival-rate",
      exec: "reader",
      rate: Number(__ENV.READ_RATE || 50),
      timeUnit: "1s",
      duration: DURATION,
      preAllocatedVUs: 40,
      maxVUs: 120,
      gracefulStop: "10s",
    },
    writers: {
      executor: "constant-vus",
      exec: "writer",
      vus: Number(__ENV.WRITERS || 5),
      duration: DURATION,
      gracefulStop: "10s",
    },
  },
  thresholds: {
    http_req_failed: [{ threshold: "rate<0.001", abortOnFail: true, delayAbortEval: "10s" }],
    stale_reads: ["rate==0"],
    "http_req_duration{page:hot_post}": ["p(95)<1000", "p(99)<2500"],
    "http_req_duration{kind:write}": ["p(95)<1500"],
  },
  summaryTrendStats: TREND_STATS,
};

const staleReads = new Rate("stale_reads");
const hotMiss = new Rate("hot_read_miss");
const writeToVisible = new Trend("write_to_visible", true);
const signedIn = new Set<number>();

export async function reader() {
  const found = await targets(1);
  const post = found.posts[Math.floor(Math.random() * Math.min(HOT, found.posts.length))];
  const res = await read(`/community/posts/${post}`, "hot_post");
  check(res, { "hot post is 200": (r) => r.status === 200 });
  hotMiss.add(res.headers["X-Cache"] !== "HIT");
}

export async function writer() {
  const found = await targets(1);
  const vu = exec.vu.idInTest;
  if (!signedIn.has(vu)) {
    if (!(await signIn(accountFor(vu, found)))) return;
    signedIn.add(vu);
  }
  // A burst: five replies as fast as they go, each read back, then a pause.
  for (let i = 0; i < 5; i++) {
    const post = found.posts[i % Math.min(HOT, found.posts.length)];
    const text = token("storm");
    const started = Date.now();
    const res = await sendJson("POST", `/community/api/posts/${post}/replies`, "api_reply", { body: text });
    if (!check(res, { "reply is 201": (r) => r.status === 201 })) continue;
    const page = await read(`/community/posts/${post}`, "hot_post", "verify");
    const ok = page.body.includes(text);
    staleReads.add(!ok);
    if (ok) writeToVisible.add(Date.now() - started);
  }
  await pause(Number(__ENV.BURST_EVERY_MS || 3000));
}

export function handleSummary(data: SummaryData) {
  return summaryOutputs(data, "purge-storm");
}
