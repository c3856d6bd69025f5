// Adds up the Vitest and Playwright JSON reports (and failed typecheck/lint steps) into the one
// closing line CI reads: "N passed, N failed[, N skipped]". Exits 1 when anything failed or a
// report is missing (a runner that never ran is a failure, not a pass).
import { existsSync, readFileSync } from "node:fs";

const [vitestPath, playwrightPath, checksFailedArg = "0"] = process.argv.slice(2);
let passed = 0;
let failed = Number(checksFailedArg);
let skipped = 0;

if (vitestPath && existsSync(vitestPath)) {
  const r = JSON.parse(readFileSync(vitestPath, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
} else {
  console.log("vitest: no report");
  failed += 1;
}

if (playwrightPath && existsSync(playwrightPath)) {
  const s = JSON.parse(readFileSync(playwrightPath, "utf8")).stats;
  passed += s.expected + s.flaky;
  failed += s.unexpected;
  skipped += s.skipped;
  console.log(`playwright: ${s.expected} passed, ${s.unexpected} failed, ${s.flaky} flaky, ${s.skipped} skipped`);
} else {
  console.log("playwright: no report");
  failed += 1;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
