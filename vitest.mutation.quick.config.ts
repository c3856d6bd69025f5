import { defineConfig } from "vitest/config";
import mutation from "./vitest.mutation.config";

// The tests of the quick mutation run (stryker.quick.config.mjs): the fast ones that exercise the
// mutated core (no PGlite, no waiting on timers). Stryker's own `testFiles` option is not used:
// with it, mutants in module-level code (the Lua scripts) are activated too late and survive.
export default defineConfig({
  ...mutation,
  test: {
    ...mutation.test,
    include: [
      "tests/unit/cache-breaker.test.ts",
      "tests/unit/cache-keys-tags.test.ts",
      "tests/unit/cache-breaker-readlog-keys.test.ts",
      "tests/integration/cache-store.test.ts",
    ],
  },
});
