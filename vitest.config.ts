import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure code, no build, no services) and `integration` (real PGlite /
// Postgres / Redis; its global setup builds the app once, for the tests that start the real
// server). A run that selects only unit tests (`npx vitest run tests/unit`) never builds. Browser
// tests are Playwright's (tests/e2e). Two forks: this machine has two cores.
export default defineConfig({
  resolve: { alias: { "~": new URL("./app", import.meta.url).pathname } },
  test: {
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // No L1 in the in-process tests: they watch the Redis entry itself (plant, evict, freeze). The
    // L1 is tested on engines built with one, in the property test, and in every server process.
    env: { LOG_LEVEL: "silent", CACHE_L1_MB: "0" },
    reporters: process.env.VITEST_JSON ? ["default", "json"] : ["default"],
    outputFile: process.env.VITEST_JSON ? { json: process.env.VITEST_JSON } : undefined,
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          // VITEST_BUILD=0 skips the build, for runs of tests that start no server (test:property, test:bugs).
          globalSetup: process.env.VITEST_BUILD === "0" ? [] : ["tests/support/build-once.ts"],
        },
      },
    ],
  },
});
