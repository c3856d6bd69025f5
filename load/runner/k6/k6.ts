// The runner's `k6` module: check and fail; sleep and group are refused (see load/README.md).
import { baseTags, currentRun, unsupported } from "../context";

type Checker<T> = (value: T) => boolean;

export function check<T>(value: T, sets: Record<string, Checker<T> | boolean>, tags?: Record<string, string>): boolean {
  const run = currentRun();
  let all = true;
  for (const [name, test] of Object.entries(sets)) {
    let ok: boolean;
    try {
      ok = typeof test === "function" ? Boolean(test(value)) : Boolean(test);
    } catch {
      ok = false;
    }
    if (!ok) all = false;
    const entry = run.checks.get(name) ?? { passes: 0, fails: 0 };
    if (ok) entry.passes += 1;
    else entry.fails += 1;
    run.checks.set(name, entry);
    run.registry.add({
      metric: "checks",
      value: ok ? 1 : 0,
      tags: { ...baseTags(), ...tags, check: name },
      time: Date.now(),
    });
  }
  return all;
}

export function fail(message = ""): never {
  throw new Error(message);
}

export function sleep(_seconds: number): void {
  unsupported("k6 sleep()", "await a k6/timers setTimeout instead, which both k6 and the runner have");
}

export function group<T>(_name: string, _fn: () => T): T {
  return unsupported("k6 group()");
}

export function randomSeed(_seed: number): void {
  unsupported("k6 randomSeed()");
}

export default { check, fail, sleep, group, randomSeed };
