/**
 * `npm run analyze -- reports/load/<run>.json [baseline.json] [--out DIR]`
 *
 * Grades the run A–F (load/analysis/grade.ts; the scales are in docs/load.md), prints the grades,
 * patterns and recommendations, and writes <run>.analysis.json and <run>.report.html (charts,
 * self-contained) beside the record, or in DIR. With a second record (e.g. the CACHE_MODE=off run
 * of load:compare), the report compares the two.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Analysis, analyze } from "./analysis/grade";
import { type Comparison, renderReport } from "./analysis/report";
import type { RunRecord } from "./run";

export function compareRows(on: Analysis, off: Analysis): Comparison["rows"] {
  const row = (metric: string, a: number, b: number, unit: string) => ({
    metric,
    on: a,
    off: b,
    ratio: b > 0 ? a / b : 0,
    unit,
  });
  return [
    row("throughput", on.totals.rps, off.totals.rps, "req/s"),
    row("p50", on.totals.p50, off.totals.p50, "ms"),
    row("p95", on.totals.p95, off.totals.p95, "ms"),
    row("p99", on.totals.p99, off.totals.p99, "ms"),
  ];
}

export function printAnalysis(a: Analysis) {
  console.log(`\n${a.id}: grade ${a.grade}  (${a.script}, ${a.engine}, CACHE_MODE=${a.cacheMode})`);
  for (const c of a.criteria) console.log(`  ${c.grade ?? "–"}  ${c.label.padEnd(36)} ${c.shown}`);
  if (a.patterns.length) console.log("patterns:");
  for (const p of a.patterns) console.log(`  - ${p.kind}: ${p.subject} — ${p.detail}`);
  if (a.recommendations.length) console.log("recommendations:");
  for (const r of a.recommendations) console.log(`  - ${r}`);
}

export function analyzeFiles(file: string, baselineFile?: string, outDir?: string, note?: string) {
  const record = JSON.parse(readFileSync(file, "utf8")) as RunRecord;
  const analysis = analyze(record as never);
  let comparison: Comparison | undefined;
  if (baselineFile) {
    const base = JSON.parse(readFileSync(baselineFile, "utf8")) as RunRecord;
    const baseline = analyze(base as never);
    comparison = { label: `CACHE_MODE=${baseline.cacheMode}`, baseline, rows: compareRows(analysis, baseline) };
  }
  const dir = outDir ?? path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, path.basename(file).replace(/\.json$/, ""));
  writeFileSync(`${base}.analysis.json`, JSON.stringify({ ...analysis, comparison: comparison?.rows }, null, 2));
  const html = renderReport({
    analysis,
    buckets: record.timeline?.buckets ?? [],
    cacheSamples: record.cache?.samples ?? [],
    comparison,
    note,
  });
  writeFileSync(`${base}.report.html`, html);
  return { analysis, comparison, json: `${base}.analysis.json`, html: `${base}.report.html` };
}

if (process.argv[1]?.endsWith("load/analyze.ts")) {
  const args = process.argv.slice(2);
  const files: string[] = [];
  let outDir: string | undefined;
  let note: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out") outDir = args[++i];
    else if (args[i] === "--note") note = args[++i];
    else files.push(args[i] ?? "");
  }
  if (!files[0]) {
    console.error("usage: npm run analyze -- reports/load/<run>.json [baseline.json] [--out DIR] [--note TEXT]");
    process.exit(1);
  }
  const { analysis, comparison, json, html } = analyzeFiles(files[0], files[1], outDir, note);
  printAnalysis(analysis);
  if (comparison) {
    console.log(`\ncache on vs ${comparison.label}:`);
    for (const r of comparison.rows) {
      console.log(
        `  ${r.metric.padEnd(10)} ${r.on.toFixed(1).padStart(8)} ${r.unit.padEnd(5)} vs ${r.off.toFixed(1).padStart(8)}  = ${r.ratio.toFixed(2)}×`,
      );
    }
  }
  console.log(`\nwrote ${json}\nwrote ${html}`);
}
