/**
 * The load step of CI (.ci/run): against one app started for it (production build, large seed,
 * its own Redis), `smoke` (every check passes) and a 20-second `mix` at 20 VUs (stale_reads 0,
 * http_req_failed 0, every check passes; latency thresholds off: the machine is shared). Prints
 * one line per run and exits 1 when either fails.
 */
import { loadRun } from "./run";
import { startTarget } from "./target";

interface Metric {
  values: Record<string, number>;
}

// PGlite always: CI exports DATABASE_URL for the integration tests' own Postgres database, which
// the large seed must not fill.
const target = await startTarget({ cacheMode: "on", databaseUrl: "" });
let failed = 0;
try {
  const runs: { script: string; env: Record<string, string> }[] = [
    { script: "smoke", env: {} },
    { script: "mix", env: { VUS: "20", DURATION: "20s", LATENCY_THRESHOLDS: "off" } },
  ];
  for (const run of runs) {
    const { exitCode, record } = await loadRun({
      script: run.script,
      env: run.env,
      engine: "node",
      id: `ci-${run.script}`,
      baseUrl: target.url,
      quiet: true,
    });
    const metrics = ((record.summary as { metrics?: Record<string, Metric> } | undefined)?.metrics ?? {}) as Record<
      string,
      Metric
    >;
    const rate = (name: string) => metrics[name]?.values.rate;
    const problems: string[] = [];
    if (exitCode !== 0) problems.push(`exit ${exitCode}`);
    if (rate("checks") !== 1) problems.push(`checks ${rate("checks")}`);
    if (rate("http_req_failed") !== 0) problems.push(`http_req_failed ${rate("http_req_failed")}`);
    if (run.script === "mix" && rate("stale_reads") !== 0) problems.push(`stale_reads ${rate("stale_reads")}`);
    const reqs = metrics.http_reqs?.values.count ?? 0;
    const p95 = metrics.http_req_duration?.values["p(95)"] ?? 0;
    console.log(
      `load ${run.script}: ${problems.length ? `FAILED (${problems.join(", ")})` : "passed"} — ${reqs} requests, ` +
        `p95 ${p95.toFixed(0)} ms, checks ${((rate("checks") ?? 0) * 100).toFixed(2)} %` +
        (run.script === "mix" ? `, stale_reads ${rate("stale_reads")}` : ""),
    );
    if (problems.length) failed += 1;
  }
} finally {
  await target.stop();
}
process.exit(failed ? 1 : 0);
