/**
 * `npm run load:compare -- <script> [-e KEY=VALUE]…`
 *
 * The same script twice in one go, each against its own fresh app (target.ts): CACHE_MODE=on,
 * then CACHE_MODE=off; prints throughput, p50, p95 and p99 side by side with their ratios,
 * grades both, and writes the cached run's report with the comparison in it.
 */
import { analyzeFiles, printAnalysis } from "./analyze";
import { loadRun, parseArgs } from "./run";

const options = parseArgs(process.argv.slice(2));
if (process.env.BASE_URL) {
  console.error("load:compare starts its own apps (cache on, cache off): unset BASE_URL");
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
const id = options.id ?? `${options.script}-${stamp}`;
const on = await loadRun({ ...options, cacheMode: "on", id: `${id}-cache-on` });
// Built once at most (`--build`), before the first arm: both arms serve the same build.
const off = await loadRun({ ...options, build: false, cacheMode: "off", id: `${id}-cache-off` });
if (on.record.builtAt !== off.record.builtAt) {
  console.error(`load:compare: build/ changed between the arms (${on.record.builtAt} → ${off.record.builtAt})`);
}
const note = process.env.LOAD_NOTE;
const offReport = analyzeFiles(off.file, undefined, undefined, note);
const onReport = analyzeFiles(on.file, off.file, undefined, note);
printAnalysis(onReport.analysis);
printAnalysis(offReport.analysis);
console.log(`\n${options.script}: cache on vs off (ratio = on ÷ off)`);
console.log(`  ${"".padEnd(11)}${"cache on".padStart(12)}${"cache off".padStart(12)}${"ratio".padStart(9)}`);
for (const r of onReport.comparison?.rows ?? []) {
  console.log(
    `  ${r.metric.padEnd(11)}${`${r.on.toFixed(1)} ${r.unit}`.padStart(12)}${`${r.off.toFixed(1)} ${r.unit}`.padStart(12)}${`${r.ratio.toFixed(2)}×`.padStart(9)}`,
  );
}
console.log(`\nreports: ${onReport.html}\n         ${offReport.html}`);
process.exit(on.exitCode !== 0 ? on.exitCode : 0);
