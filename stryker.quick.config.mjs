// The quick mutation run for CI (`npm run test:mutation:quick`, .ci/run): the core of the tagged
// cache (the tag store and its Lua scripts, the circuit breaker, key and tag names, durations, the
// cache headers), against the fast tests that exercise it (no PGlite, no property test), in about
// 2 minutes on the shared 2-core machine. Measured figures and the reasons for this cut, and for
// running it without the TypeScript checker: docs/testing.md.
import full from "./stryker.config.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
const config = {
  ...full,
  mutate: [
    "app/cache/tagged-store.server.ts",
    "app/cache/circuit-breaker.ts",
    "app/cache/keys.ts",
    "app/cache/tags.ts",
    "app/lib/duration.ts",
    "app/cache/read-log.ts",
  ],
  // The checker type-checks each mutant in TypeScript's watch mode (a debounced rebuild per
  // check): 8 of the 10½ minutes a quick run took with it. Without it, mutants that would not
  // compile are run against the tests like any other (the full run keeps the checker).
  checkers: [],
  vitest: { configFile: "vitest.mutation.quick.config.ts", related: true },
  tempDirName: "reports/mutation/.tmp-quick",
  htmlReporter: { fileName: "reports/mutation/quick/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/quick/mutation.json" },
  thresholds: { high: 90, low: 80, break: 85 },
};
export default config;
