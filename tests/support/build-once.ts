import { execFileSync } from "node:child_process";

/**
 * Vitest global setup: builds the app once, so tests that start the real server process
 * (tests/support/server-process.ts) serve the production build, as `npm start` does.
 */
export default function buildOnce() {
  execFileSync("npx", ["remix", "vite:build", "--logLevel", "warn"], { stdio: "inherit" });
}
