import { z } from "zod";
import { type Buckets, quantile } from "./histogram-buckets";

/**
 * The cache alert rules (docs/operations.md#alerts): what each measures over the sliding window,
 * which way is bad, and its default thresholds per level. Pure: the evaluator feeds it the
 * cluster's window figures.
 */
export const LEVELS = ["info", "warning", "error", "critical"] as const;
export type Level = (typeof LEVELS)[number];

export interface RuleDefinition {
  label: string;
  unit: "ratio" | "ms" | "count" | "s";
  /** `below`: the value is bad under the threshold (hit rate); `above`: over it. */
  direction: "above" | "below";
  /** Rates need enough reads in the window to mean anything (an idle instance pages nobody). */
  needsReads: boolean;
  defaults: Partial<Record<Level, number>>;
}

export const RULES = {
  hit_rate: {
    label: "Hit rate",
    unit: "ratio",
    direction: "below",
    needsReads: true,
    defaults: { warning: 0.7, critical: 0.5 },
  },
  p95_latency_ms: {
    label: "p95 read latency",
    unit: "ms",
    direction: "above",
    needsReads: true,
    defaults: { warning: 200, critical: 500 },
  },
  error_rate: {
    label: "Redis error rate",
    unit: "ratio",
    direction: "above",
    needsReads: true,
    defaults: { warning: 0.01, critical: 0.05 },
  },
  invalidation_rate: {
    label: "Purges per read",
    unit: "ratio",
    direction: "above",
    needsReads: true,
    defaults: { warning: 0.3, critical: 0.5 },
  },
  stale_hits: {
    label: "Stale hits (freshness audit)",
    unit: "count",
    direction: "above",
    needsReads: false,
    defaults: { critical: 0 },
  },
  outbox_backlog_age_s: {
    label: "Oldest unconfirmed purge (outbox)",
    unit: "s",
    direction: "above",
    needsReads: false,
    defaults: { warning: 30, critical: 120 },
  },
  warm_failures: {
    label: "Warming jobs failed",
    unit: "count",
    direction: "above",
    needsReads: false,
    defaults: { warning: 0, error: 10 },
  },
} as const satisfies Record<string, RuleDefinition>;

export type RuleName = keyof typeof RULES;
export const RULE_NAMES = Object.keys(RULES) as RuleName[];

export interface AlertSettings {
  windowMs: number;
  minReads: number;
  /** Per rule and level, the threshold; a level left out never fires. */
  thresholds: Record<RuleName, Partial<Record<Level, number>>>;
}

export function defaultSettings(): AlertSettings {
  return {
    windowMs: 5 * 60_000,
    minReads: 100,
    thresholds: Object.fromEntries(
      RULE_NAMES.map((rule) => [rule, { ...RULES[rule].defaults }]),
    ) as AlertSettings["thresholds"],
  };
}

/** What the window holds, summed over the cluster's live instances. */
export interface WindowFigures {
  reads: number;
  hits: number;
  errors: number;
  purges: number;
  staleHits: number;
  warmFailed: number;
  latency: Buckets;
  /** Age of the oldest outbox row (s), 0 when empty. */
  outboxBacklogAgeS: number;
}

export function measure(rule: RuleName, w: WindowFigures): number {
  switch (rule) {
    case "hit_rate":
      return w.reads === 0 ? 1 : w.hits / w.reads;
    case "p95_latency_ms":
      return quantile(w.latency, 0.95) * 1000;
    case "error_rate":
      return w.reads === 0 ? 0 : w.errors / w.reads;
    case "invalidation_rate":
      return w.reads === 0 ? 0 : w.purges / w.reads;
    case "stale_hits":
      return w.staleHits;
    case "outbox_backlog_age_s":
      return w.outboxBacklogAgeS;
    case "warm_failures":
      return w.warmFailed;
  }
}

export interface RuleOutcome {
  rule: RuleName;
  value: number;
  /** The highest level crossed, or null (healthy, or too few reads to judge). */
  level: Level | null;
  threshold: number | null;
  /** True when the rule needs reads and the window has fewer than `minReads`. */
  idle: boolean;
}

/** Each rule's value and the highest level whose threshold it crosses. */
export function evaluateRules(settings: AlertSettings, w: WindowFigures): RuleOutcome[] {
  return RULE_NAMES.map((rule) => {
    const definition: RuleDefinition = RULES[rule];
    const value = measure(rule, w);
    const idle = definition.needsReads && w.reads < settings.minReads;
    let level: Level | null = null;
    let threshold: number | null = null;
    if (!idle) {
      for (const candidate of LEVELS) {
        const t = settings.thresholds[rule]?.[candidate];
        if (t === undefined) continue;
        const crossed = definition.direction === "above" ? value > t : value < t;
        if (crossed) {
          level = candidate;
          threshold = t;
        }
      }
    }
    return { rule, value, level, threshold, idle };
  });
}

export function levelRank(level: Level | null): number {
  return level === null ? -1 : LEVELS.indexOf(level);
}

const threshold = z.union([
  z.number().finite(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, "must be a number")
    .transform(Number),
  z
    .literal("")
    .or(z.null())
    .transform(() => null),
]);
const positiveInt = (label: string, min: number, max: number) =>
  z
    .union([z.number(), z.string().trim().regex(/^\d+$/, `${label} must be a whole number`).transform(Number)])
    .pipe(
      z
        .number()
        .int(`${label} must be a whole number`)
        .min(min, `${label} must be at least ${min}`)
        .max(max, `${label} must be at most ${max}`),
    );

/**
 * A change of settings, from JSON or a plain form: `windowMinutes`, `minReads`, and
 * `<rule>.<level>` (a number; empty turns that level off). Unknown fields are refused.
 */
export const SettingsPatch = z
  .object({
    windowMinutes: positiveInt("windowMinutes", 1, 60).optional(),
    minReads: positiveInt("minReads", 0, 1_000_000).optional(),
    ...Object.fromEntries(
      RULE_NAMES.flatMap((rule) => LEVELS.map((level) => [`${rule}.${level}`, threshold.optional()] as const)),
    ),
  })
  .strict();

export type SettingsChange = Record<string, number | null | undefined>;

/** Applies a validated patch to the current settings. */
export function applyPatch(settings: AlertSettings, patch: SettingsChange): AlertSettings {
  const next = structuredClone(settings);
  const { windowMinutes, minReads, ...levels } = patch;
  if (typeof windowMinutes === "number") next.windowMs = windowMinutes * 60_000;
  if (typeof minReads === "number") next.minReads = minReads;
  for (const [key, value] of Object.entries(levels)) {
    if (value === undefined) continue;
    const [rule, level] = key.split(".") as [RuleName, Level];
    if (value === null) delete next.thresholds[rule][level];
    else next.thresholds[rule][level] = value;
  }
  return next;
}

/** Stored settings, checked (a row written by another build falls back to the defaults per part). */
export const StoredSettings = z.object({
  windowMs: z.number().int().min(60_000).max(3_600_000),
  minReads: z.number().int().min(0),
  thresholds: z.record(z.string(), z.record(z.string(), z.number())),
});

export function settingsFrom(stored: unknown): AlertSettings {
  const parsed = StoredSettings.safeParse(stored);
  const defaults = defaultSettings();
  if (!parsed.success) return defaults;
  const thresholds = { ...defaults.thresholds };
  for (const rule of RULE_NAMES) {
    const levels = parsed.data.thresholds[rule];
    if (levels) {
      thresholds[rule] = Object.fromEntries(
        Object.entries(levels).filter(([level]) => (LEVELS as readonly string[]).includes(level)),
      );
    }
  }
  return { windowMs: parsed.data.windowMs, minReads: parsed.data.minReads, thresholds };
}
