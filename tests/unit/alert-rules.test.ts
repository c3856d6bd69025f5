import { describe, expect, it } from "vitest";
import { applyPatch, defaultSettings, evaluateRules, settingsFrom, type WindowFigures } from "~/monitoring/alert-rules";
import { bucketsOf } from "~/monitoring/histogram-buckets";
import { LATENCY_BUCKETS } from "~/monitoring/prometheus.server";

function window(overrides: Partial<WindowFigures> = {}): WindowFigures {
  return {
    reads: 1000,
    hits: 900,
    errors: 0,
    purges: 10,
    staleHits: 0,
    warmFailed: 0,
    latency: bucketsOf(
      LATENCY_BUCKETS,
      Array.from({ length: 100 }, () => 0.002),
    ),
    outboxBacklogAgeS: 0,
    ...overrides,
  };
}

const levels = (w: WindowFigures, settings = defaultSettings()) =>
  Object.fromEntries(evaluateRules(settings, w).map((o) => [o.rule, o.level]));

/** The rules of the issue, with their default thresholds and four levels. */
describe("alert rules", () => {
  it("is all quiet on a healthy window", () => {
    expect(Object.values(levels(window())).every((level) => level === null)).toBe(true);
  });

  it("takes the highest level crossed, in the rule's direction", () => {
    expect(levels(window({ hits: 690 })).hit_rate).toBe("warning"); // < 70 %
    expect(levels(window({ hits: 490 })).hit_rate).toBe("critical"); // < 50 %
    const slow = bucketsOf(
      LATENCY_BUCKETS,
      Array.from({ length: 100 }, () => 0.3),
    );
    expect(levels(window({ latency: slow })).p95_latency_ms).toBe("warning"); // > 200 ms
    const slower = bucketsOf(
      LATENCY_BUCKETS,
      Array.from({ length: 100 }, () => 0.9),
    );
    expect(levels(window({ latency: slower })).p95_latency_ms).toBe("critical"); // > 500 ms
    expect(levels(window({ errors: 20 })).error_rate).toBe("warning"); // 2 % > 1 %
    expect(levels(window({ errors: 60 })).error_rate).toBe("critical"); // 6 % > 5 %
    expect(levels(window({ purges: 400 })).invalidation_rate).toBe("warning"); // 40 % > 30 %
    expect(levels(window({ purges: 600 })).invalidation_rate).toBe("critical");
    expect(levels(window({ staleHits: 1 })).stale_hits).toBe("critical"); // any
    expect(levels(window({ outboxBacklogAgeS: 60 })).outbox_backlog_age_s).toBe("warning");
    expect(levels(window({ outboxBacklogAgeS: 600 })).outbox_backlog_age_s).toBe("critical");
    expect(levels(window({ warmFailed: 1 })).warm_failures).toBe("warning");
    expect(levels(window({ warmFailed: 11 })).warm_failures).toBe("error");
  });

  it("judges no rate below the minimum reads, but still counts stale hits and the outbox", () => {
    const idle = window({ reads: 50, hits: 0, errors: 50, staleHits: 1 });
    expect(levels(idle)).toMatchObject({ hit_rate: null, error_rate: null, stale_hits: "critical" });
    expect(evaluateRules(defaultSettings(), idle).find((o) => o.rule === "hit_rate")?.idle).toBe(true);
  });

  it("applies a patch (an empty level turns it off; info can be set) and reads stored settings back", () => {
    const next = applyPatch(defaultSettings(), { windowMinutes: 10, "hit_rate.info": 0.95, "hit_rate.warning": null });
    expect(next.windowMs).toBe(600_000);
    expect(next.thresholds.hit_rate).toEqual({ info: 0.95, critical: 0.5 });
    expect(levels(window({ hits: 900 }), next).hit_rate).toBe("info");
    expect(settingsFrom(JSON.parse(JSON.stringify(next)))).toEqual(next);
    expect(settingsFrom({ nonsense: true })).toEqual(defaultSettings());
  });
});
