/**
 * The Node runner for k6 scripts (k6 cannot be installed here): runs load/k6/*.ts in this process,
 * the k6 modules mapped to load/runner/k6/ by a resolution hook.
 *
 *   tsx load/runner/cli.ts run [-e KEY=VALUE]… [--out json=FILE] [--quiet] SCRIPT
 *
 * Exit codes as k6's: 0, 99 when a threshold failed, 107 for a script error or an unsupported API.
 */
import { register } from "node:module";
import { runScript } from "./engine";

register("./hooks.mjs", import.meta.url);

const args = process.argv.slice(2);
if (args[0] === "run") args.shift();
const env: Record<string, string> = {};
let pointsFile: string | undefined;
let progress = true;
let script: string | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? "";
  if (arg === "-e" || arg === "--env") {
    const pair = args[++i] ?? "";
    const eq = pair.indexOf("=");
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  } else if (arg === "--out" || arg === "-o") {
    const out = args[++i] ?? "";
    if (!out.startsWith("json=")) {
      console.error(`--out ${out}: the Node runner writes only json=FILE`);
      process.exit(107);
    }
    pointsFile = out.slice(5);
  } else if (arg === "--quiet" || arg === "-q") progress = false;
  else if (arg.startsWith("-")) {
    console.error(`option ${arg} is not supported by the Node runner`);
    process.exit(107);
  } else script = arg;
}
if (!script) {
  console.error("usage: tsx load/runner/cli.ts run [-e KEY=VALUE]… [--out json=FILE] [--quiet] SCRIPT");
  process.exit(107);
}
const result = await runScript({ script, env, pointsFile, progress });
process.exit(result.exitCode);
