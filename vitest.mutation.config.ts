import { defineConfig } from "vitest/config";

// The tests Stryker runs against each mutant of app/cache (stryker.config.mjs, docs/testing.md):
// unit tests, and the integration tests that exercise the cache in-process against the real Redis
// and an in-memory PGlite. No globalSetup (the main config builds the Remix app there, which no
// test below needs) and no test that spawns a server or a redis-server process.
// Stryker's vitest runner overrides the pool (threads, one worker per Stryker process).
export default defineConfig({
  resolve: { alias: { "~": new URL("./app", import.meta.url).pathname } },
  test: {
    include: [
      "tests/unit/**/*.test.ts",
      "tests/integration/cache-race.property.test.ts",
      "tests/integration/cache-store.test.ts",
      "tests/integration/cache-engine.test.ts",
      "tests/integration/cache-recent-reads.test.ts",
      "tests/integration/cache-availability.test.ts",
      "tests/integration/cache-mode-off.test.ts",
    ],
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: "silent", CACHE_L1_MB: "0" },
  },
});
