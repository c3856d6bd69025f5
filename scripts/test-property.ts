// `npm run test:property [-- --runs 20000] [--l1] [--seed N --path P]`: the cache's no-stale-read property
// (tests/support/cache-histories.ts) over many more histories than CI runs, against the Redis at
// REDIS_URL, with a progress line; `--l1` gives each engine an in-process L1. A failure prints the history and the seed and path that replay it.
import { parseArgs } from "node:util";
import fc from "fast-check";
import { Redis } from "ioredis";
import { engineReader, engineWithL1Reader, noStaleRead } from "../tests/support/cache-histories";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20000" },
    seed: { type: "string" },
    path: { type: "string" },
    l1: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
const started = performance.now();
const counted = { l1Hits: 0 };
const reader = values.l1 ? engineWithL1Reader(counted) : engineReader;
const check = (parameters: fc.Parameters<unknown>) => fc.check(noStaleRead(redis, reader), parameters);

let outcome: Awaited<ReturnType<typeof check>>;
if (values.seed !== undefined) {
  // Replay one failure exactly.
  outcome = await check({ seed: Number(values.seed), path: values.path, numRuns: runs });
} else {
  const seed = Date.now() ^ (Math.random() * 0x7fffffff);
  let done = 0;
  let ok = true;
  let last: typeof outcome | undefined;
  // In chunks, each from its own seed, so the progress line moves and any failure names its seed.
  for (let chunk = 0; done < runs && ok; chunk++) {
    const numRuns = Math.min(1000, runs - done);
    last = await check({ seed: seed + chunk, numRuns });
    done += last.numRuns;
    ok = !last.failed;
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\r${done}/${runs} histories, ${ok ? "no stale read" : "FAILED"} (${seconds.toFixed(0)} s)   `,
    );
  }
  process.stdout.write("\n");
  outcome = last as typeof outcome;
}
await redis.quit();
if (outcome.failed) {
  console.error(fc.defaultReportMessage(outcome));
  console.error(`\nReplay: npm run test:property -- --seed ${outcome.seed} --path ${outcome.counterexamplePath}`);
  process.exit(1);
}
console.log(
  `ok: ${runs} histories in ${((performance.now() - started) / 1000).toFixed(1)} s${values.l1 ? `, ${counted.l1Hits} L1 hits` : ""}`,
);
