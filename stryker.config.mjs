// Mutation testing of the tagged cache (app/cache) with Stryker; see docs/testing.md.
// `npm run test:mutation` runs this config; `npm run test:mutation:quick` is stryker.quick.config.mjs.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  checkers: ["typescript"],
  // Only app/cache and what it imports: the checker re-checks dependents of each mutated file, and
  // the whole project (routes, tests) made it the bottleneck (see docs/testing.md).
  tsconfigFile: "tsconfig.mutation.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: "perTest",
  mutate: ["app/cache/**/*.ts"],
  // Not needed in the sandboxes Stryker copies the project into.
  ignorePatterns: ["build", ".data", "reports", "test-results", "playwright-report", ".cache", "load", "docs"],
  tempDirName: "reports/mutation/.tmp",
  // Two cores, shared: one test runner per core at most (the checker runs beside them).
  concurrency: 2,
  // The integration tests open an in-memory PGlite (seconds on a busy machine): be generous before
  // calling a mutant a timeout, and give the initial run room.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 15,
  reporters: ["clear-text", "progress", "html", "json"],
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportMutants: true, skipFull: false },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 80, break: null },
};
export default config;
