import { AsyncLocalStorage } from "node:async_hooks";
import type { CookieJarState } from "./cookies";
import { UnsupportedError } from "./executors";
import type { Registry, Tags } from "./metrics";

/**
 * What the k6 modules see while a script runs in the Node runner: one registry for the run, and
 * per VU (through AsyncLocalStorage, since all VUs share one module instance here) the VU's id,
 * iteration counters and cookie jar.
 */
export interface VuState {
  idInTest: number;
  idInInstance: number;
  iterationInInstance: number;
  iterationInScenario: number;
  jar: CookieJarState;
  tags: Record<string, string>;
}

export interface ScenarioState {
  name: string;
  executor: string;
  startTime: number;
  progress: () => number;
  iterationInInstance: () => number;
  env: Record<string, string>;
  tags: Tags;
}

export interface RunState {
  registry: Registry;
  startedAt: number;
  options: Record<string, unknown>;
  globalTags: Tags;
  abort: (reason: string) => void;
  /** exec.test.fail(): the run goes on and ends failed (k6's exit code 110). */
  markFailed: (reason: string) => void;
  stats: { iterationsCompleted: number; iterationsInterrupted: number; vusActive: number; vusInitialized: number };
  checks: Map<string, { passes: number; fails: number }>;
}

export interface Context {
  vu: VuState;
  scenario: ScenarioState;
}

export const storage = new AsyncLocalStorage<Context>();
let run: RunState | undefined;

export function setRun(state: RunState | undefined) {
  run = state;
}

export function currentRun(): RunState {
  if (!run) throw new Error("the k6 runtime is used outside a run of the Node runner");
  return run;
}

export function currentContext(): Context | undefined {
  return storage.getStore();
}

/** Throws the runner's refusal of a k6 API our scripts do not use. */
export function unsupported(api: string, hint = ""): never {
  throw new UnsupportedError(
    `${api} is not supported by the Node runner (load/runner supports what load/k6 uses)${hint ? `; ${hint}` : ""}. Run this script with k6 instead`,
  );
}

/** Tags every sample of the current VU carries: the scenario's, the test's, and `scenario`. */
export function baseTags(): Tags {
  const ctx = currentContext();
  const state = currentRun();
  return { ...state.globalTags, ...(ctx ? { scenario: ctx.scenario.name, ...ctx.scenario.tags, ...ctx.vu.tags } : {}) };
}

/** k6's VU globals: __VU and __ITER read the current VU, __ENV the environment. */
export function installGlobals(env: Record<string, string>) {
  const g = globalThis as Record<string, unknown>;
  // A scenario's `env` adds to __ENV for its own VUs.
  Object.defineProperty(globalThis, "__ENV", { configurable: true, get: () => currentContext()?.scenario.env ?? env });
  Object.defineProperty(globalThis, "__VU", { configurable: true, get: () => currentContext()?.vu.idInTest ?? 0 });
  Object.defineProperty(globalThis, "__ITER", {
    configurable: true,
    get: () => currentContext()?.vu.iterationInScenario ?? 0,
  });
  g.open = () => unsupported("open()", "files are not read by the runner");
}
