// `npm run bench:http` (load/bench/http.ts): what the caches are worth to an HTTP client, in one run.
//
// The production build (NODE_ENV=production: React's production server renderer) on one
// SEED_SCALE=large PGlite database, started four times, one after another, each time with one way of
// caching, and driven by autocannon (BENCH_CONNECTIONS connections, default 16, BENCH_SECONDS per
// request, default 5, after a second of warm-up):
//   on           the response cache for anonymous GETs, over the entry cache (the default)
//   entries+L1   RESPONSE_CACHE=off CACHE_L1_MB=64: every request rendered, its reads hit the L1
//   entries      RESPONSE_CACHE=off: every request rendered, its reads hit Redis
//   off          CACHE_MODE=off: every read from the database
// Before each timed run the script checks that the arm serves what it claims (X-Response-Cache HIT,
// X-Cache HIT or BYPASS) and every response of the run must be a 200: anything else fails the
// benchmark (exit 1). The load generator runs on the same cores as the app: the figures are what
// one machine does with both, and the ratios (each against `off`, measured in the same run) are the claim.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { freePort, startTarget } from "../target";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

interface Arm {
  name: "on" | "entries+L1" | "entries" | "off";
  env: Record<string, string>;
}
const ALL_ARMS: Arm[] = [
  { name: "on", env: {} },
  { name: "entries+L1", env: { RESPONSE_CACHE: "off", CACHE_L1_MB: "64" } },
  { name: "entries", env: { RESPONSE_CACHE: "off", CACHE_L1_MB: "0" } },
  { name: "off", env: { CACHE_MODE: "off" } },
];
// BENCH_ARMS=entries,entries+L1,entries,entries+L1 runs those, in that order (a repeated arm's
// figures are its runs' mean); BENCH_ROWS=2,4 only those rows (1-based).
const ARMS: Arm[] = process.env.BENCH_ARMS
  ? process.env.BENCH_ARMS.split(",").map((name) => ALL_ARMS.find((arm) => arm.name === name) ?? fail(`no arm ${name}`))
  : ALL_ARMS;

interface Row {
  label: string;
  path: (ids: Ids) => string;
  signedIn: boolean;
  gzip?: boolean;
}
interface Ids {
  story: number;
  ownStory: number;
}
const ALL_ROWS: Row[] = [
  { label: "anonymous /community (document)", path: () => "/community", signedIn: false },
  { label: "anonymous /community.data", path: () => "/community.data", signedIn: false },
  { label: "anonymous story (document, 100 scenes)", path: (ids) => `/stories/${ids.story}`, signedIn: false },
  {
    label: "anonymous story (document, gzip)",
    path: (ids) => `/stories/${ids.story}`,
    signedIn: false,
    gzip: true,
  },
  { label: "anonymous story .data", path: (ids) => `/stories/${ids.story}.data`, signedIn: false },
  { label: "signed-in /community (document)", path: () => "/community", signedIn: true },
  { label: "signed-in studio story (document)", path: (ids) => `/studio/stories/${ids.ownStory}`, signedIn: true },
];

const ROWS = process.env.BENCH_ROWS
  ? process.env.BENCH_ROWS.split(",").map((n) => ALL_ROWS[Number(n) - 1] ?? fail(`no row ${n}`))
  : ALL_ROWS;

interface Figure {
  rps: number;
  p50: number;
  p99: number;
}

function mean(a: Figure & { n?: number }, b: Figure): Figure & { n: number } {
  const n = (a.n ?? 1) + 1;
  const avg = (x: number, y: number) => (x * (n - 1) + y) / n;
  return { n, rps: avg(a.rps, b.rps), p50: avg(a.p50, b.p50), p99: avg(a.p99, b.p99) };
}

/** Thrown, not exited: the `finally` blocks stop the app under test and the queue's Redis first. */
class BenchFailure extends Error {}
function fail(message: string): never {
  throw new BenchFailure(`bench:http: ${message}`);
}

/** What the arm must answer for a request of this row once warm: else its figure would be another arm's. */
function expected(arm: Arm, row: Row): { header: string; value: string } {
  if (arm.name === "off") return { header: "x-cache", value: "BYPASS" };
  if (arm.name === "on" && !row.signedIn) return { header: "x-response-cache", value: "HIT" };
  return { header: "x-cache", value: "HIT" };
}

/**
 * Until reads use Redis: an app that finds a Redis it has not seen before (each arm starts its own)
 * reads from the database until it has moved to a new cache generation (docs/security.md).
 */
async function cacheUp(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${url}/community.data`)).headers.get("x-cache") === "BYPASS") {
    if (Date.now() > deadline) fail("the cache did not come up within 60 s (X-Cache still BYPASS)");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function signIn(url: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: "POST",
    body: new URLSearchParams({ email: "alice@example.com", password: "password" }),
    redirect: "manual",
  });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!cookie?.startsWith("__session=")) fail(`sign-in failed (${response.status})`);
  return cookie;
}

/** A published story with a hundred scenes (the large seed's), and one of the signed-in author's own. */
async function findIds(url: string, cookie: string): Promise<Ids> {
  let story = 0;
  for (let id = 10; id < 40 && !story; id++) if ((await fetch(`${url}/stories/${id}`)).status === 200) story = id;
  const studio = await (await fetch(`${url}/studio`, { headers: { Cookie: cookie } })).text();
  const ownStory = Number(/\/studio\/stories\/(\d+)/.exec(studio)?.[1] ?? 0);
  if (!story || !ownStory) fail("no published story between 10 and 40, or none of alice's in the studio");
  return { story, ownStory };
}

async function measure(url: string, headers: Record<string, string>): Promise<Figure> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    fail(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "quill-bench-http-"));
// In production the app refuses one Redis for both: the queue's must never evict (docs/operations.md).
const queuePort = await freePort();
const queueRedis = spawn(
  "redis-server",
  [
    "--port",
    String(queuePort),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxmemory-policy",
    "noeviction",
  ],
  { stdio: "ignore" },
);
process.on("exit", () => queueRedis.kill());
const figures = new Map<string, Map<Arm["name"], Figure>>();
try {
  for (const arm of ARMS) {
    const target = await startTarget({
      dataDir,
      seedScale: "large",
      databaseUrl: "",
      env: {
        NODE_ENV: "production",
        SESSION_SECRET: "bench-http-secret-not-for-production",
        QUEUE_REDIS_URL: `redis://127.0.0.1:${queuePort}`,
        ...arm.env,
      },
    });
    try {
      if (arm.name !== "off") await cacheUp(target.url);
      const cookie = await signIn(target.url);
      const ids = await findIds(target.url, cookie);
      for (const row of ROWS) {
        const url = `${target.url}${row.path(ids)}`;
        const headers: Record<string, string> = {
          ...(row.signedIn ? { Cookie: cookie } : {}),
          ...(row.gzip ? { "Accept-Encoding": "gzip" } : {}),
        };
        await autocannon({ url, connections: CONNECTIONS, duration: 1, headers });
        const check = expected(arm, row);
        const seen = (await fetch(url, { headers })).headers.get(check.header);
        if (seen !== check.value) fail(`${arm.name} ${row.label}: ${check.header} ${seen}, expected ${check.value}`);
        const figure = await measure(url, headers);
        if (!figures.has(row.label)) figures.set(row.label, new Map());
        const before = figures.get(row.label)?.get(arm.name);
        figures.get(row.label)?.set(arm.name, before ? mean(before, figure) : figure);
        console.error(`  ${arm.name.padEnd(10)} ${row.label}: ${Math.round(figure.rps)} req/s, p50 ${figure.p50} ms`);
      }
    } finally {
      await target.stop();
    }
  }
} catch (error) {
  if (!(error instanceof BenchFailure)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  queueRedis.kill();
}
if (process.exitCode === 1) process.exit(1);

const cpu = os.cpus();
console.log(
  `\nbench:http — ${cpu.length} × ${cpu[0]?.model.trim()}, ${CONNECTIONS} connections, ${SECONDS} s per cell, ` +
    "production build, SEED_SCALE=large PGlite; autocannon on the same cores\n",
);
const cell = (f: Figure | undefined) => (f ? `${Math.round(f.rps)} req/s, p50 ${f.p50} / p99 ${f.p99} ms` : "—");
const ratio = (a: Figure | undefined, b: Figure | undefined) => (a && b ? `${(a.rps / b.rps).toFixed(1)}×` : "—");
console.log("| request | on | entries+L1 | entries | off | on ÷ off | entries ÷ off | L1 ÷ no L1 |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of ROWS) {
  const f = figures.get(row.label);
  const [on, l1, entries, off] = ALL_ARMS.map((arm) => f?.get(arm.name));
  console.log(
    `| ${row.label} | ${cell(on)} | ${cell(l1)} | ${cell(entries)} | ${cell(off)} | ${ratio(on, off)} | ${ratio(entries, off)} | ${ratio(l1, entries)} |`,
  );
}
mkdirSync("reports", { recursive: true });
writeFileSync(
  "reports/bench-http.json",
  JSON.stringify(
    {
      at: new Date().toISOString(),
      cores: cpu.length,
      connections: CONNECTIONS,
      seconds: SECONDS,
      rows: ROWS.map((row) => ({ request: row.label, ...Object.fromEntries(figures.get(row.label) ?? []) })),
    },
    null,
    2,
  ),
);
console.log("\n(also in reports/bench-http.json)");
