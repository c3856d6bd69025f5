/**
 * `npm run load:serve`: the app to point load runs at (see target.ts), until Ctrl-C.
 *   CACHE_MODE=off npm run load:serve      LOAD_PORT=3300 npm run load:serve
 * Then, elsewhere: BASE_URL=<printed URL> npm run load -- mix
 */
import { startTarget } from "./target";

const target = await startTarget({
  cacheMode: process.env.CACHE_MODE === "off" ? "off" : "on",
  port: process.env.LOAD_PORT ? Number(process.env.LOAD_PORT) : undefined,
  seedScale: process.env.SEED_SCALE === "small" ? "small" : "large",
  build: process.argv.includes("--build"),
});
console.log(target.url);
// From here on the app's own log (LOAD_LOG_LEVEL, warn by default) goes to ours: when it stops, its last words show.
target.child.stdout?.on("data", (chunk) => process.stdout.write(chunk));
target.child.stderr?.on("data", (chunk) => process.stderr.write(chunk));
console.log("Ctrl-C stops it (its Redis and its temporary database go with it).");
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await target.stop();
  console.log("stopped");
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
target.child.once("exit", (code) => {
  if (!stopping) {
    console.error(`the app exited (${code})`);
    process.exit(1);
  }
});
