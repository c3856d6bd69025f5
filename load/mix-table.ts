/**
 * `npm run load:table -- <label>=<results.json> …`: load runs side by side, as one Markdown table
 * (the before/after tables of README and docs/caching.md are printed by this).
 *
 * Per run: throughput, latency (p50, p95), the share of page responses that were `X-Cache: HIT`
 * (the scripts' `cache_hit`), the share of the server's cached reads served from Redis (hits and
 * stale, over every declared query and every piece of an assembled page: the app's counters
 * before and after the run), the purge → warmed delay, and the stale reads found (must be 0).
 */
import { readFileSync } from "node:fs";

interface QueryCounts {
  hits: number;
  stale: number;
  reads: number;
}
interface CacheSnapshot {
  queries: Record<string, QueryCounts>;
  warming?: { delay?: { p50Ms: number; p95Ms: number; count: number } };
}
interface RunRecord {
  summary: {
    metrics: Record<string, { values: Record<string, number> }>;
  };
  cache?: { before?: CacheSnapshot; after?: CacheSnapshot };
}

const cells = (values: (string | number)[]) => `| ${values.join(" | ")} |`;
const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "—" : `${(x * 100).toFixed(1)} %`);
const ms = (x: number | undefined) => (x === undefined ? "—" : `${Math.round(x)} ms`);

function servedFromCache(run: RunRecord): number | undefined {
  const { before, after } = run.cache ?? {};
  if (!after) return undefined;
  let reads = 0;
  let cached = 0;
  for (const [name, counts] of Object.entries(after.queries)) {
    const earlier = before?.queries[name];
    reads += counts.reads - (earlier?.reads ?? 0);
    cached += counts.hits + counts.stale - (earlier?.hits ?? 0) - (earlier?.stale ?? 0);
  }
  return reads > 0 ? cached / reads : undefined;
}

const runs = process.argv.slice(2).map((arg) => {
  const cut = arg.lastIndexOf("="); // a label may hold "=" (CACHE_MODE=off), a path does not
  if (cut < 1) throw new Error(`expected <label>=<results.json>, got "${arg}"`);
  return { label: arg.slice(0, cut), run: JSON.parse(readFileSync(arg.slice(cut + 1), "utf8")) as RunRecord };
});
if (runs.length === 0) {
  console.error("usage: npm run load:table -- <label>=<results.json> …");
  process.exit(2);
}

console.log(
  cells([
    "run",
    "req/s",
    "p50",
    "p95",
    "page responses that were HITs",
    "reads served from cache",
    "purge → warmed p95",
    "stale reads",
  ]),
);
console.log(cells(["---", "---", "---", "---", "---", "---", "---", "---"]));
for (const { label, run } of runs) {
  const m = run.summary.metrics;
  const duration = m.http_req_duration?.values ?? {};
  const delay = run.cache?.after?.warming?.delay;
  console.log(
    cells([
      label,
      (m.http_reqs?.values.rate ?? 0).toFixed(1),
      ms(duration.med),
      ms(duration["p(95)"]),
      pct(m.cache_hit?.values.rate),
      pct(servedFromCache(run)),
      delay && delay.count > 0 ? ms(delay.p95Ms) : "—",
      String(m.stale_reads?.values.passes ?? 0),
    ]),
  );
}
