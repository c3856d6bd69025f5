import { parseDuration } from "./duration";

/**
 * The three k6 executors the runner has, as pure schedules (how many VUs at time t, when each
 * arrival starts) so that tests can check their shape without running anything.
 * https://grafana.com/docs/k6/latest/using-k6/scenarios/executors/
 */
export interface Stage {
  duration: string;
  target: number;
}

export type ScenarioConfig =
  | {
      executor: "constant-vus";
      vus?: number;
      duration: string;
      startTime?: string;
      gracefulStop?: string;
      exec?: string;
      env?: Record<string, string>;
      tags?: Record<string, string>;
    }
  | {
      executor: "ramping-vus";
      startVUs?: number;
      stages: Stage[];
      gracefulRampDown?: string;
      startTime?: string;
      gracefulStop?: string;
      exec?: string;
      env?: Record<string, string>;
      tags?: Record<string, string>;
    }
  | {
      executor: "constant-arrival-rate";
      rate: number;
      timeUnit?: string;
      duration: string;
      preAllocatedVUs: number;
      maxVUs?: number;
      startTime?: string;
      gracefulStop?: string;
      exec?: string;
      env?: Record<string, string>;
      tags?: Record<string, string>;
    };

export const EXECUTORS = ["constant-vus", "ramping-vus", "constant-arrival-rate"] as const;

const KNOWN_KEYS: Record<string, string[]> = {
  common: ["executor", "startTime", "gracefulStop", "exec", "env", "tags"],
  "constant-vus": ["vus", "duration"],
  "ramping-vus": ["startVUs", "stages", "gracefulRampDown"],
  "constant-arrival-rate": ["rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"],
};

export class UnsupportedError extends Error {
  override name = "UnsupportedError";
}

/** Refuses what the runner does not have (another executor, an option it would silently ignore). */
export function validateScenario(name: string, config: Record<string, unknown>): ScenarioConfig {
  const executor = String(config.executor);
  if (!(EXECUTORS as readonly string[]).includes(executor)) {
    throw new UnsupportedError(
      `scenario "${name}": executor "${executor}" is not supported by the Node runner (it has ${EXECUTORS.join(", ")}); run this script with k6`,
    );
  }
  const allowed = [...(KNOWN_KEYS.common ?? []), ...(KNOWN_KEYS[executor] ?? [])];
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) {
      throw new UnsupportedError(
        `scenario "${name}": option "${key}" of ${executor} is not supported by the Node runner`,
      );
    }
  }
  return config as unknown as ScenarioConfig;
}

/** When the scenario starts (ms after the test's start) and how long it schedules work. */
export function scenarioSpan(config: ScenarioConfig): { startMs: number; durationMs: number; gracefulStopMs: number } {
  const startMs = parseDuration(config.startTime, 0);
  const gracefulStopMs = parseDuration(config.gracefulStop, 30_000);
  if (config.executor === "ramping-vus") {
    const durationMs = config.stages.reduce((sum, stage) => sum + parseDuration(stage.duration), 0);
    return { startMs, durationMs, gracefulStopMs };
  }
  return { startMs, durationMs: parseDuration(config.duration), gracefulStopMs };
}

/** The most VUs a scenario ever needs (k6 initializes them all before the start). */
export function maxVUs(config: ScenarioConfig): number {
  switch (config.executor) {
    case "constant-vus":
      return config.vus ?? 1;
    case "ramping-vus":
      return Math.max(config.startVUs ?? 1, ...config.stages.map((s) => s.target));
    case "constant-arrival-rate":
      return Math.max(config.preAllocatedVUs, config.maxVUs ?? config.preAllocatedVUs);
  }
}

/**
 * How many VUs a VU-based executor runs at `t` ms into the scenario: constant, or linear between
 * stage targets (a VU starts when the line reaches it, and stops when it falls below it).
 */
export function vusAt(config: ScenarioConfig, t: number): number {
  if (config.executor === "constant-vus") return t < parseDuration(config.duration) ? (config.vus ?? 1) : 0;
  if (config.executor !== "ramping-vus") throw new Error("vusAt: not a VU-based executor");
  let from = config.startVUs ?? 1;
  let elapsed = 0;
  for (const stage of config.stages) {
    const length = parseDuration(stage.duration);
    if (t < elapsed + length) {
      const exact = from + ((stage.target - from) * (t - elapsed)) / length;
      return stage.target >= from ? Math.floor(exact + 1e-9) : Math.ceil(exact - 1e-9);
    }
    elapsed += length;
    from = stage.target;
  }
  return t < elapsed ? from : 0;
}

/** The start times (ms into the scenario) of a constant-arrival-rate scenario's iterations. */
export function arrivals(config: ScenarioConfig): number[] {
  if (config.executor !== "constant-arrival-rate") throw new Error("arrivals: not an arrival-rate executor");
  const every = parseDuration(config.timeUnit ?? "1s") / config.rate;
  const duration = parseDuration(config.duration);
  const out: number[] = [];
  for (let i = 0; i * every < duration - 1e-9; i++) out.push(i * every);
  return out;
}
