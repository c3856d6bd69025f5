/**
 * `npm run load -- <script> [-e KEY=VALUE]… [--engine k6|node] [--cache off] [--id NAME] [--build]`
 *
 * Runs load/k6/<script>.ts with k6 when it is on the PATH (or K6_BIN names it), else with the Node
 * runner (load/runner). Against BASE_URL when set, else against an app it starts for the run
 * (target.ts: production build, SEED_SCALE=large, its own Redis), stopped afterwards. Reads the
 * app's cache metrics before, during (every 5 s) and after the run, and writes
 * reports/load/<id>.json (LOAD_RESULTS moves it; git and Biome ignore reports/): the k6 summary, the timeline and the cache snapshots (`npm run analyze` reads it).
 * Exits with the engine's code: 0, 99 when a threshold failed, 107 for a script error.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { timelineOf } from "./analysis/timeline";
import { adminSession, type CacheMetrics, type CacheSample, cacheMetrics, totals } from "./cache-metrics";
import { startTarget, type Target } from "./target";

export interface RunRecord {
  id: string;
  script: string;
  engine: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  baseUrl: string;
  cacheMode: string;
  /** The build the app served (its own app only). */
  builtAt?: string;
  env: Record<string, string>;
  summary: unknown;
  timeline: Awaited<ReturnType<typeof timelineOf>>;
  cache: { before?: CacheMetrics; after?: CacheMetrics; samples: CacheSample[] };
}

/** The k6 binary to use: K6_BIN, else `k6` on the PATH, else none (the Node runner runs). */
export function findK6(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.K6_BIN) return env.K6_BIN;
  const found = spawnSync("k6", ["version"], { stdio: "ignore" });
  return found.status === 0 ? "k6" : undefined;
}

export interface LoadRunOptions {
  script: string;
  env?: Record<string, string>;
  engine?: "k6" | "node";
  cacheMode?: "on" | "off";
  id?: string;
  outDir?: string;
  quiet?: boolean;
  /** The app to load (else BASE_URL, else one started for this run). */
  baseUrl?: string;
  /** Rebuild the app before starting it (`--build`). */
  build?: boolean;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");

export async function loadRun(options: LoadRunOptions): Promise<{ exitCode: number; file: string; record: RunRecord }> {
  const scriptPath = path.join("load/k6", `${options.script.replace(/\.ts$/, "")}.ts`);
  if (!existsSync(scriptPath)) throw new Error(`no script ${scriptPath}`);
  const outDir = options.outDir ?? process.env.LOAD_RESULTS ?? "reports/load";
  mkdirSync(outDir, { recursive: true });
  const cacheMode = options.cacheMode ?? "on";
  const id = options.id ?? `${options.script}-${stamp()}${cacheMode === "off" ? "-cache-off" : ""}`;
  const summaryPath = path.join(outDir, `${id}.summary.json`);
  const pointsPath = path.join(outDir, `${id}.points.ndjson`);
  const k6 = options.engine === "node" ? undefined : findK6();
  if (options.engine === "k6" && !k6) throw new Error("--engine k6: no k6 on the PATH and no K6_BIN");

  let target: Target | undefined;
  let baseUrl = options.baseUrl ?? process.env.BASE_URL;
  if (!baseUrl) {
    target = await startTarget({ cacheMode, build: options.build });
    baseUrl = target.url;
  } else if (options.cacheMode === "off") {
    console.error("load: BASE_URL is set, so CACHE_MODE is whatever that app runs with");
  }
  const stopTarget = async () => target?.stop();
  process.once("SIGINT", () => void stopTarget().then(() => process.exit(130)));

  try {
    const admin = await adminSession(baseUrl);
    if (!admin) console.error("load: could not sign in as admin: no cache metrics in this run's record");
    const before = await cacheMetrics(baseUrl, admin);
    const samples: CacheSample[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      void cacheMetrics(baseUrl, admin).then((m) => {
        if (m) samples.push({ t: (Date.now() - started) / 1000, ...totals(m) });
      });
    }, 5000);

    const env = { ...options.env, BASE_URL: baseUrl, SUMMARY_PATH: summaryPath };
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const [command, args] = k6
      ? [k6, ["run", ...envArgs, "--out", `json=${pointsPath}`, scriptPath]]
      : [
          process.execPath,
          [
            "--import",
            "tsx",
            "load/runner/cli.ts",
            "run",
            ...envArgs,
            "--out",
            `json=${pointsPath}`,
            ...(options.quiet ? ["--quiet"] : []),
            scriptPath,
          ],
        ];
    console.error(`load: ${options.script} with ${k6 ? `k6 (${k6})` : "the Node runner"} against ${baseUrl}`);
    const child = spawn(command, args as string[], { stdio: "inherit" });
    const exitCode = await new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
    clearInterval(sampler);
    const after = await cacheMetrics(baseUrl, admin);

    const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, "utf8")) : undefined;
    const timeline = await timelineOf(pointsPath);
    const record: RunRecord = {
      id,
      script: options.script,
      engine: (summary?.engine as string | undefined) ?? (k6 ? "k6" : "quill-node-runner"),
      exitCode,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      baseUrl,
      cacheMode: target ? cacheMode : "unknown (BASE_URL)",
      builtAt: target?.builtAt,
      env: options.env ?? {},
      summary,
      timeline,
      cache: { before, after, samples },
    };
    const file = path.join(outDir, `${id}.json`);
    writeFileSync(file, JSON.stringify(record));
    if (!process.env.LOAD_KEEP_POINTS) rmSync(pointsPath, { force: true });
    console.error(`load: exit ${exitCode}; results in ${file}`);
    return { exitCode, file, record };
  } finally {
    await stopTarget();
  }
}

export function parseArgs(argv: string[]): LoadRunOptions {
  const env: Record<string, string> = {};
  let script: string | undefined;
  let engine: "k6" | "node" | undefined;
  let cacheMode: "on" | "off" | undefined;
  let id: string | undefined;
  let build = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-e" || arg === "--env") {
      const pair = argv[++i] ?? "";
      const eq = pair.indexOf("=");
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (arg === "--engine") engine = argv[++i] === "k6" ? "k6" : "node";
    else if (arg === "--cache") cacheMode = argv[++i] === "off" ? "off" : "on";
    else if (arg === "--id") id = argv[++i];
    else if (arg === "--build") build = true;
    else if (!arg.startsWith("-")) script = arg;
    else throw new Error(`unknown option ${arg}`);
  }
  if (!script)
    throw new Error(
      "usage: npm run load -- <smoke|mix|purge-storm|soak> [-e KEY=VALUE]… [--engine k6|node] [--cache off]",
    );
  return { script, env, engine, cacheMode, id, build };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("load/run.ts")) {
  try {
    const { exitCode } = await loadRun(parseArgs(process.argv.slice(2)));
    process.exit(exitCode);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
