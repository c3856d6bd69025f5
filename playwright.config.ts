import { defineConfig, devices } from "@playwright/test";

/**
 * Browser and API tests against the built app (`npm run test:e2e` builds first). The web server
 * starts on a fresh DATA_DIR (new PGlite database, demo data seeded) and its own Redis database
 * number, flushed before the run, so runs never see each other's state.
 * The browser is Debian's Chromium: Playwright never downloads one here.
 */
const port = Number(process.env.E2E_PORT ?? 3100);
const dataDir = `.data/e2e-${port}`;
export const e2eRedisUrl = process.env.E2E_REDIS_URL ?? "redis://127.0.0.1:6379/15";

const chromium = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig({
  testDir: "tests/e2e",
  globalSetup: "./tests/e2e/global-setup.ts",
  fullyParallel: true,
  workers: process.env.CI ? 2 : 2,
  // In CI one retry, so that a single timing flake on a shared 2-core machine does not throw away a
  // run; a test that needed it is reported as flaky (.ci/run prints the count) and is a bug to find.
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: process.env.PLAYWRIGHT_JSON
    ? [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON }]]
    : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
  },
  projects: [
    { name: "api", testMatch: /api\.spec\.ts/, use: { ...chromium } },
    { name: "js", testIgnore: /api\.spec\.ts/, use: { ...chromium, javaScriptEnabled: true } },
    { name: "no-js", testIgnore: /api\.spec\.ts/, use: { ...chromium, javaScriptEnabled: false } },
  ],
  webServer: {
    command: `rm -rf ${dataDir} && npm run serve`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      REDIS_URL: e2eRedisUrl,
      LOG_LEVEL: "warn",
      // X-Forwarded-For from loopback is believed: the write-limit test spends an address of its own.
      TRUST_PROXY: "loopback",
      // The e2e server always uses its own PGlite database, whatever the shell says.
      DATABASE_URL: "",
    },
  },
});
