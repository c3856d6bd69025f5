import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  type Context,
  installGlobals,
  type RunState,
  type ScenarioState,
  setRun,
  storage,
  type VuState,
} from "./context";
import { CookieJarState } from "./cookies";
import { parseDuration } from "./duration";
import {
  arrivals,
  maxVUs,
  type ScenarioConfig,
  scenarioSpan,
  UnsupportedError,
  validateScenario,
  vusAt,
} from "./executors";
import { defineBuiltins, Registry, type Sample } from "./metrics";
import { buildSummary, DEFAULT_TREND_STATS, type SummaryData, textSummary } from "./summary";
import { ALLOWED, compare, normalizeThresholds, parseThreshold, type ThresholdConfig } from "./thresholds";

/** k6's exit codes that the runner uses. */
export const EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  scriptError: 107,
  abortedByThreshold: 99,
  markedAsFailed: 110,
  scriptAborted: 108,
} as const;

export const ENGINE_NAME = "quill-node-runner";

const KNOWN_OPTIONS = new Set([
  "scenarios",
  "thresholds",
  "summaryTrendStats",
  "summaryTimeUnit",
  "vus",
  "duration",
  "stages",
  "tags",
  "maxRedirects",
  "setupTimeout",
  "teardownTimeout",
  "noColor",
  "userAgent",
]);

export interface RunOptions {
  script: string;
  env?: Record<string, string>;
  /** k6's `--out json=FILE`: one JSON line per point of the metrics the analysis reads. */
  pointsFile?: string;
  /** Progress lines on stderr (elapsed, VUs, req/s, failures). */
  progress?: boolean;
  log?: (line: string) => void;
}

export interface RunResult {
  exitCode: number;
  summary?: SummaryData;
  message?: string;
}

/** The scenarios of `options` (k6's shortcuts vus/duration and stages become one "default"). */
export function scenariosOf(options: Record<string, unknown>): Record<string, ScenarioConfig> {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new UnsupportedError(`option "${key}" is not supported by the Node runner`);
  }
  const raw = options.scenarios as Record<string, Record<string, unknown>> | undefined;
  if (raw) return Object.fromEntries(Object.entries(raw).map(([name, s]) => [name, validateScenario(name, s)]));
  if (options.stages) {
    return { default: { executor: "ramping-vus", startVUs: 0, stages: options.stages as never } };
  }
  return {
    default: {
      executor: "constant-vus",
      vus: Number(options.vus ?? 1),
      duration: String(options.duration ?? "1ms"),
    },
  };
}

interface ParsedThreshold {
  key: string;
  config: ThresholdConfig;
  aggregation: string;
  operator: Parameters<typeof compare>[1];
  value: number;
}

export function prepareThresholds(registry: Registry, thresholds: Record<string, unknown>): ParsedThreshold[] {
  const out: ParsedThreshold[] = [];
  for (const [key, list] of Object.entries(thresholds ?? {})) {
    const selector = key.includes("{") ? registry.defineSubmetric(key) : undefined;
    const name = selector?.name ?? key;
    const definition = registry.definitions.get(name);
    if (!definition) throw new Error(`threshold on "${key}": no metric named "${name}"`);
    for (const config of normalizeThresholds(list)) {
      const parsed = parseThreshold(config.threshold);
      if (!ALLOWED[definition.type]?.test(parsed.aggregation)) {
        throw new Error(
          `threshold "${config.threshold}" on ${key}: a ${definition.type} has no "${parsed.aggregation}"`,
        );
      }
      out.push({ key, config, aggregation: parsed.aggregation, operator: parsed.operator, value: parsed.value });
    }
  }
  return out;
}

export function evaluateThresholds(
  registry: Registry,
  thresholds: ParsedThreshold[],
  durationMs: number,
): Map<string, Map<string, boolean>> {
  const results = new Map<string, Map<string, boolean>>();
  for (const t of thresholds) {
    const actual = registry.value(t.key, t.aggregation, durationMs);
    const ok = compare(actual, t.operator, t.value);
    const map = results.get(t.key) ?? new Map<string, boolean>();
    map.set(t.config.threshold, ok);
    results.set(t.key, map);
  }
  return results;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a k6 script in this process (the resolution hook must be registered first: see cli.ts). */
export async function runScript(opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = { ...(process.env as Record<string, string>), ...opts.env, QUILL_LOAD_ENGINE: ENGINE_NAME };
  const registry = new Registry();
  defineBuiltins(registry);
  const checks = new Map<string, { passes: number; fails: number }>();
  let aborted: string | undefined;
  let markedFailed: string | undefined;
  const startedAt = Date.now();
  const state: RunState = {
    registry,
    startedAt,
    options: {},
    globalTags: {},
    abort: (reason) => {
      aborted ??= reason;
    },
    markFailed: (reason) => {
      markedFailed ??= reason;
    },
    stats: { iterationsCompleted: 0, iterationsInterrupted: 0, vusActive: 0, vusInitialized: 0 },
    checks,
  };
  setRun(state);
  installGlobals(env);

  const points = opts.pointsFile ? ([] as string[]) : undefined;
  const POINT_METRICS = new Set(["http_req_duration", "http_req_failed", "checks", "vus"]);
  registry.onSample((sample: Sample) => {
    if (!points) return;
    if (!POINT_METRICS.has(sample.metric) && !isCustom(sample.metric)) return;
    points.push(
      JSON.stringify({
        type: "Point",
        metric: sample.metric,
        data: { time: new Date(sample.time).toISOString(), value: sample.value, tags: sample.tags },
      }),
    );
  });
  const builtins = new Set(registry.definitions.keys());
  const isCustom = (name: string) => !builtins.has(name);

  let module: Record<string, unknown>;
  let scenarios: Record<string, ScenarioConfig>;
  let thresholds: ParsedThreshold[];
  try {
    module = await import(pathToFileURL(path.resolve(opts.script)).href);
    const options = (module.options ?? {}) as Record<string, unknown>;
    state.options = options;
    state.globalTags = (options.tags ?? {}) as Record<string, string>;
    scenarios = scenariosOf(options);
    thresholds = prepareThresholds(registry, (options.thresholds ?? {}) as Record<string, unknown>);
    for (const [name, s] of Object.entries(scenarios)) {
      const exec = s.exec ?? "default";
      if (typeof module[exec] !== "function")
        throw new Error(`scenario "${name}": the script exports no function "${exec}"`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`ERRO[0000] ${message}`);
    setRun(undefined);
    return { exitCode: EXIT.scriptError, message };
  }
  const trendStats = (state.options.summaryTrendStats as string[] | undefined) ?? DEFAULT_TREND_STATS;

  let fatal: Error | undefined;
  const onIterationError = (error: unknown) => {
    if (error instanceof UnsupportedError) {
      fatal ??= error;
      aborted ??= error.message;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    log(`ERRO[${String(Math.round((Date.now() - startedAt) / 1000)).padStart(4, "0")}] ${message}`);
  };

  const setupFn = module.setup as ((...args: unknown[]) => unknown) | undefined;
  let data: unknown;
  try {
    const setupContext = makeContext(0, "setup", "shared-iterations", env, {});
    data = setupFn ? await storage.run(setupContext, async () => setupFn()) : undefined;
    data = data === undefined ? undefined : JSON.parse(JSON.stringify(data));
  } catch (error) {
    const message =
      error instanceof UnsupportedError
        ? error.message
        : `setup() failed: ${error instanceof Error ? error.message : error}`;
    log(`ERRO[0000] ${message}`);
    setRun(undefined);
    return { exitCode: EXIT.scriptError, message };
  }

  const totalVUs = Object.values(scenarios).reduce((sum, s) => sum + maxVUs(s), 0);
  registry.add({ metric: "vus_max", value: totalVUs, tags: {}, time: Date.now() });
  let nextVuId = 1;
  let requestsAtLastTick = 0;
  let lastTick = Date.now();
  const active = { count: 0 };
  const testStart = Date.now();
  const longest = Math.max(
    ...Object.values(scenarios).map((s) => {
      const span = scenarioSpan(s);
      return span.startMs + span.durationMs;
    }),
  );

  const ticker = setInterval(() => {
    const now = Date.now();
    registry.add({ metric: "vus", value: active.count, tags: {}, time: now });
    const requests = registry.count("http_reqs");
    const failed = registry.value("http_req_failed", "rate", 0);
    const rate = ((requests - requestsAtLastTick) * 1000) / Math.max(1, now - lastTick);
    requestsAtLastTick = requests;
    lastTick = now;
    if (opts.progress !== false) {
      const elapsed = (now - testStart) / 1000;
      log(
        `running (${elapsed.toFixed(0).padStart(4)}s/${(longest / 1000).toFixed(0)}s) VUs ${String(active.count).padStart(3)}` +
          `  ${rate.toFixed(0).padStart(4)} req/s  ${requests} requests  failed ${(failed * 100).toFixed(2)}%` +
          `  iterations ${state.stats.iterationsCompleted}`,
      );
    }
    for (const t of thresholds) {
      if (!t.config.abortOnFail) continue;
      if (now - testStart < parseDuration(t.config.delayAbortEval, 0)) continue;
      if (registry.count(t.key) === 0) continue;
      if (!compare(registry.value(t.key, t.aggregation, now - testStart), t.operator, t.value)) {
        aborted ??= `threshold "${t.config.threshold}" on ${t.key} crossed (abortOnFail)`;
      }
    }
  }, 1000);

  const runScenario = async (name: string, config: ScenarioConfig) => {
    const span = scenarioSpan(config);
    const exec = module[config.exec ?? "default"] as (data: unknown) => unknown;
    const scenarioEnv = { ...env, ...config.env };
    await pause(span.startMs);
    const scenarioStart = Date.now();
    let iterations = 0;
    const scenario: ScenarioState = {
      name,
      executor: config.executor,
      startTime: scenarioStart,
      progress: () => Math.min(1, (Date.now() - scenarioStart) / span.durationMs),
      iterationInInstance: () => iterations,
      env: scenarioEnv,
      tags: config.tags ?? {},
    };
    const pool: VuState[] = [];
    const newVu = (): VuState => {
      const vu: VuState = {
        idInTest: nextVuId++,
        idInInstance: 0,
        iterationInInstance: 0,
        iterationInScenario: 0,
        jar: new CookieJarState(),
        tags: {},
      };
      vu.idInInstance = vu.idInTest;
      state.stats.vusInitialized += 1;
      pool.push(vu);
      return vu;
    };
    const deadline = scenarioStart + span.durationMs;
    const hardStop = deadline + span.gracefulStopMs;
    const iterate = async (vu: VuState) => {
      const started = performance.now();
      const ctx: Context = { vu, scenario };
      iterations += 1;
      try {
        await storage.run(ctx, async () => {
          const result = exec(data);
          if (result && typeof (result as Promise<unknown>).then === "function") {
            await Promise.race([
              result,
              new Promise((_, reject) =>
                setTimeout(
                  () => reject(new Error("iteration interrupted (gracefulStop)")),
                  Math.max(0, hardStop - Date.now()),
                ).unref(),
              ),
            ]);
          }
        });
        state.stats.iterationsCompleted += 1;
        registry.add({ metric: "iterations", value: 1, tags: { scenario: name }, time: Date.now() });
        registry.add({
          metric: "iteration_duration",
          value: performance.now() - started,
          tags: { scenario: name },
          time: Date.now(),
        });
      } catch (error) {
        state.stats.iterationsInterrupted += 1;
        onIterationError(error);
      }
      vu.iterationInInstance += 1;
      vu.iterationInScenario += 1;
    };

    if (config.executor === "constant-arrival-rate") {
      const free: VuState[] = [];
      for (let i = 0; i < config.preAllocatedVUs; i++) free.push(newVu());
      const limit = config.maxVUs ?? config.preAllocatedVUs;
      const running: Promise<void>[] = [];
      for (const at of arrivals(config)) {
        if (aborted) break;
        const wait = scenarioStart + at - Date.now();
        if (wait > 0) await pause(wait);
        let vu = free.pop();
        if (!vu && pool.length < limit) vu = newVu();
        if (!vu) {
          registry.add({ metric: "dropped_iterations", value: 1, tags: { scenario: name }, time: Date.now() });
          continue;
        }
        const taken = vu;
        active.count += 1;
        const job = iterate(taken).then(() => {
          active.count -= 1;
          free.push(taken);
        });
        running.push(job);
      }
      await Promise.all(running);
      return;
    }

    // constant-vus and ramping-vus: a loop per VU slot, running while the schedule wants it.
    const slots = maxVUs(config);
    const loops: Promise<void>[] = [];
    for (let i = 0; i < slots; i++) {
      const vu = newVu();
      loops.push(
        (async () => {
          let on = false;
          while (!aborted && Date.now() < deadline) {
            if (i < vusAt(config, Date.now() - scenarioStart)) {
              if (!on) {
                on = true;
                active.count += 1;
              }
              await iterate(vu);
            } else {
              if (on) {
                on = false;
                active.count -= 1;
              }
              await pause(50);
            }
          }
          if (on) active.count -= 1;
        })(),
      );
    }
    await Promise.all(loops);
  };

  await Promise.race([
    Promise.all(Object.entries(scenarios).map(([name, config]) => runScenario(name, config))),
    (async () => {
      while (!aborted) await pause(100);
      // An abort stops new iterations at once; those in flight get a moment to finish.
      await pause(2000);
    })(),
  ]);
  clearInterval(ticker);
  const durationMs = Date.now() - testStart;

  const teardownFn = module.teardown as ((data: unknown) => unknown) | undefined;
  if (teardownFn && !fatal) {
    try {
      await storage.run(makeContext(0, "teardown", "shared-iterations", env, {}), async () => teardownFn(data));
    } catch (error) {
      onIterationError(error);
    }
  }

  if (fatal) {
    log(`ERRO ${fatal.message}`);
    setRun(undefined);
    return { exitCode: EXIT.scriptError, message: fatal.message };
  }

  const results = evaluateThresholds(registry, thresholds, durationMs);
  const summary = buildSummary(registry, checks, results, durationMs, trendStats);
  summary.engine = ENGINE_NAME;
  const failed = [...results.values()].some((m) => [...m.values()].some((ok) => !ok));

  if (opts.pointsFile && points) {
    mkdirSync(path.dirname(opts.pointsFile), { recursive: true });
    writeFileSync(opts.pointsFile, points.length ? `${points.join("\n")}\n` : "");
  }

  const handleSummary = module.handleSummary as ((data: SummaryData) => unknown) | undefined;
  if (handleSummary) {
    try {
      const outputs = (await storage.run(makeContext(0, "summary", "", env, {}), async () => handleSummary(summary))) as
        | Record<string, string>
        | undefined;
      for (const [target, content] of Object.entries(outputs ?? {})) {
        if (target === "stdout") process.stdout.write(content);
        else if (target === "stderr") process.stderr.write(content);
        else {
          mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
          writeFileSync(target, content);
        }
      }
    } catch (error) {
      log(`ERRO handleSummary() failed: ${error instanceof Error ? error.message : error}`);
    }
  } else {
    process.stdout.write(textSummary(summary));
  }
  if (aborted) log(`test aborted: ${aborted}`);
  for (const [key, map] of results) {
    for (const [source, ok] of map) if (!ok) log(`ERRO thresholds on metrics '${key}' have been crossed: ${source}`);
  }
  if (markedFailed) log(`test marked as failed: ${markedFailed}`);
  setRun(undefined);
  const exitCode = aborted?.startsWith("exec.test.abort()")
    ? EXIT.scriptAborted
    : failed || aborted
      ? EXIT.thresholdsFailed
      : markedFailed
        ? EXIT.markedAsFailed
        : EXIT.ok;
  return { exitCode, summary };

  function makeContext(
    id: number,
    scenarioName: string,
    executor: string,
    scenarioEnv: Record<string, string>,
    tags: Record<string, string>,
  ): Context {
    return {
      vu: {
        idInTest: id,
        idInInstance: id,
        iterationInInstance: 0,
        iterationInScenario: 0,
        jar: new CookieJarState(),
        tags: {},
      },
      scenario: {
        name: scenarioName,
        executor,
        startTime: Date.now(),
        progress: () => 0,
        iterationInInstance: () => 0,
        env: scenarioEnv,
        tags,
      },
    };
  }
}
