import { describe, expect, it } from "vitest";
import { parseDuration } from "../../load/runner/duration";
import { scenariosOf } from "../../load/runner/engine";
import {
  arrivals,
  maxVUs,
  type ScenarioConfig,
  scenarioSpan,
  UnsupportedError,
  validateScenario,
  vusAt,
} from "../../load/runner/executors";

describe("executor schedules", () => {
  it("constant-vus: the same VUs for the whole duration, none after", () => {
    const c: ScenarioConfig = { executor: "constant-vus", vus: 20, duration: "20s" };
    expect([0, 5_000, 19_999].map((t) => vusAt(c, t))).toEqual([20, 20, 20]);
    expect(vusAt(c, 20_000)).toBe(0);
    expect(maxVUs(c)).toBe(20);
  });

  it("ramping-vus: linear between stage targets (the mix's 20 → 100 shape)", () => {
    const c: ScenarioConfig = {
      executor: "ramping-vus",
      startVUs: 20,
      stages: [
        { duration: "30s", target: 20 },
        { duration: "80s", target: 100 },
        { duration: "60s", target: 100 },
        { duration: "20s", target: 20 },
      ],
    };
    const shape = [0, 15, 30, 40, 70, 109, 110, 150, 170, 180, 189].map((s) => vusAt(c, s * 1000));
    expect(shape).toEqual([20, 20, 20, 30, 60, 99, 100, 100, 100, 60, 24]);
    expect(vusAt(c, 190_000)).toBe(0);
    expect(maxVUs(c)).toBe(100);
    expect(scenarioSpan(c).durationMs).toBe(190_000);
    // Never decreasing while it ramps up, never increasing while it ramps down.
    for (let t = 30_000; t < 110_000; t += 500) expect(vusAt(c, t + 500)).toBeGreaterThanOrEqual(vusAt(c, t));
    for (let t = 170_000; t < 189_500; t += 500) expect(vusAt(c, t + 500)).toBeLessThanOrEqual(vusAt(c, t));
  });

  it("ramping-vus starts from startVUs (default 1)", () => {
    const c: ScenarioConfig = { executor: "ramping-vus", stages: [{ duration: "10s", target: 11 }] };
    expect(vusAt(c, 0)).toBe(1);
    expect(vusAt(c, 5_000)).toBe(6);
  });

  it("constant-arrival-rate: evenly spaced starts, rate per timeUnit", () => {
    const c: ScenarioConfig = {
      executor: "constant-arrival-rate",
      rate: 10,
      timeUnit: "1s",
      duration: "2s",
      preAllocatedVUs: 5,
      maxVUs: 50,
    };
    const starts = arrivals(c);
    expect(starts).toHaveLength(20);
    expect(starts[1]).toBe(100);
    expect(starts.at(-1)).toBe(1900);
    expect(maxVUs(c)).toBe(50);
    expect(arrivals({ ...c, rate: 30, timeUnit: "1m", duration: "1m" })).toHaveLength(30);
  });

  it("refuses other executors and unknown scenario options", () => {
    expect(() => validateScenario("s", { executor: "per-vu-iterations", vus: 1, iterations: 1 })).toThrow(
      UnsupportedError,
    );
    expect(() => validateScenario("s", { executor: "constant-vus", vus: 1, duration: "1s", iterations: 3 })).toThrow(
      /option "iterations"/,
    );
    expect(() => scenariosOf({ vus: 1, duration: "1s", ext: {} })).toThrow(/option "ext"/);
  });

  it("turns k6's shortcuts into one default scenario", () => {
    expect(scenariosOf({ vus: 3, duration: "5s" })).toEqual({
      default: { executor: "constant-vus", vus: 3, duration: "5s" },
    });
    expect(scenariosOf({ stages: [{ duration: "5s", target: 3 }] }).default?.executor).toBe("ramping-vus");
  });

  it("reads k6 durations", () => {
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(() => parseDuration("10 seconds")).toThrow(/duration/);
  });
});
