/**
 * Grades a load run A–F on each criterion of docs/load.md ("Grades"), names the patterns it sees
 * in the cache's metrics and the run's tags, and recommends what to change. Pure: the inputs are
 * the run record (load/run.ts) — k6's summary, the timeline, the app's metrics before and after.
 * Every threshold below is written in docs/load.md: change both together.
 */
import type { CacheMetrics } from "../cache-metrics";
import type { Bucket, PageStats, TagCounts } from "./timeline";

export type Letter = "A" | "B" | "C" | "D" | "F";
const POINTS: Record<Letter, number> = { A: 4, B: 3, C: 2, D: 1, F: 0 };

export interface Criterion {
  key: string;
  label: string;
  value: number | null;
  shown: string;
  grade: Letter | null;
  /** The limits of A, B, C, D, as written in docs/load.md. */
  scale: string;
}

export interface Pattern {
  kind: string;
  subject: string;
  detail: string;
}

export interface Analysis {
  id: string;
  script: string;
  engine: string;
  cacheMode: string;
  grade: Letter;
  criteria: Criterion[];
  pages: {
    page: string;
    count: number;
    p50: number;
    p95: number;
    p99: number;
    budgetP95?: number;
    budgetP99?: number;
  }[];
  queries: {
    name: string;
    reads: number;
    hits: number;
    misses: number;
    stale: number;
    loads: number;
    hitRate: number;
  }[];
  tags: { family: string; read: number; purged: number }[];
  patterns: Pattern[];
  recommendations: string[];
  totals: {
    requests: number;
    rps: number;
    durationS: number;
    p50: number;
    p95: number;
    p99: number;
    failedRate: number;
  };
}

/** p95/p99 budgets per page group, ms (the same as load/k6/lib/mix.ts PAGE_GROUPS). */
export const BUDGETS: Record<string, [number, number]> = {
  home: [500, 1500],
  community: [500, 1500],
  post: [500, 1500],
  story: [1000, 2500],
  studio: [800, 2000],
  scene: [800, 2000],
  hot_post: [1000, 2500],
  api_like: [800, 2000],
  api_reply: [800, 2000],
  api_post: [800, 2000],
  api_scene: [800, 2000],
};

/** Higher is better: a value at or above limits[0] is an A, …, below limits[3] an F. */
function atLeast(value: number, limits: [number, number, number, number]): Letter {
  const letters: Letter[] = ["A", "B", "C", "D"];
  for (let i = 0; i < 4; i++) if (value >= (limits[i] ?? 0)) return letters[i] ?? "F";
  return "F";
}

/** Lower is better: at or below limits[0] is an A, …, above limits[3] an F. */
function atMost(value: number, limits: [number, number, number, number]): Letter {
  const letters: Letter[] = ["A", "B", "C", "D"];
  for (let i = 0; i < 4; i++) if (value <= (limits[i] ?? 0)) return letters[i] ?? "F";
  return "F";
}

export const SCALES = {
  hitRate: [0.95, 0.9, 0.8, 0.65] as [number, number, number, number],
  p95Budget: [0.5, 0.75, 1, 1.5] as [number, number, number, number],
  p99Budget: [0.5, 0.75, 1, 1.5] as [number, number, number, number],
  errorRate: [0, 0.0005, 0.001, 0.01] as [number, number, number, number],
  invalidationsPer100Reads: [5, 10, 20, 40] as [number, number, number, number],
  warmDelayP95Ms: [500, 1000, 2000, 5000] as [number, number, number, number],
  warmingSuccess: [0.99, 0.97, 0.9, 0.75] as [number, number, number, number],
};

export function overall(criteria: Criterion[]): Letter {
  const graded = criteria.filter((c) => c.grade !== null);
  if (graded.length === 0) return "F";
  // A stale read is a broken guarantee: the run fails whatever else it did well.
  if (graded.some((c) => c.key === "stale_reads" && c.grade === "F")) return "F";
  const mean = graded.reduce((sum, c) => sum + POINTS[c.grade ?? "F"], 0) / graded.length;
  let letter: Letter = mean >= 3.5 ? "A" : mean >= 2.5 ? "B" : mean >= 1.5 ? "C" : mean >= 0.75 ? "D" : "F";
  // The cache's own measure: a failing hit rate caps the grade at C.
  if (graded.some((c) => c.key === "hit_rate" && c.grade === "F") && POINTS[letter] > POINTS.C) letter = "C";
  // Failed requests cap the grade at D.
  if (graded.some((c) => c.key === "error_rate" && c.grade === "F") && POINTS[letter] > POINTS.D) letter = "D";
  return letter;
}

interface SummaryMetric {
  type: string;
  values: Record<string, number>;
}

export interface RunInput {
  id: string;
  script: string;
  engine: string;
  cacheMode: string;
  summary?: { metrics: Record<string, SummaryMetric>; state?: { testRunDurationMs: number } };
  timeline?: { bucketSeconds: number; buckets: Bucket[]; tags: TagCounts; pages?: PageStats[] };
  cache?: { before?: CacheMetrics; after?: CacheMetrics };
}

function queryDelta(before: CacheMetrics | undefined, after: CacheMetrics | undefined) {
  if (!after) return [];
  return Object.entries(after.queries).map(([name, q]) => {
    const b = before?.queries[name];
    const d = (k: "reads" | "hits" | "misses" | "stale" | "loads") => q[k] - (b?.[k] ?? 0);
    const reads = d("reads");
    return {
      name,
      reads,
      hits: d("hits"),
      misses: d("misses"),
      stale: d("stale"),
      loads: d("loads"),
      hitRate: reads > 0 ? d("hits") / reads : 0,
    };
  });
}

/**
 * The tag families a query's entries carry, guessed from its name: `community.feed` → the family
 * `community:feed`, `community.post` → `post`, `story.reading` → `story`.
 */
export function familiesOf(query: string, families: string[]): string[] {
  const segments = query.split(".");
  return families.filter(
    (f) => f === query.replace(/\./g, ":") || segments.includes(f) || f === segments.slice(0, 2).join(":"),
  );
}

const pct = (v: number, digits = 1) => `${(v * 100).toFixed(digits)} %`;

export function analyze(run: RunInput): Analysis {
  const metrics = run.summary?.metrics ?? {};
  const value = (key: string, stat: string) => metrics[key]?.values[stat];
  const criteria: Criterion[] = [];
  const before = run.cache?.before;
  const after = run.cache?.after;

  // Hit rate: the app's own count over the run (after − before), else what X-Cache said.
  const queries = queryDelta(before, after).sort((a, b) => b.reads - a.reads);
  const reads = queries.reduce((s, q) => s + q.reads, 0);
  const hits = queries.reduce((s, q) => s + q.hits, 0);
  const clientHit = value("cache_hit", "rate");
  const hitRate = reads > 0 ? hits / reads : (clientHit ?? null);
  criteria.push({
    key: "hit_rate",
    label: "Cache hit rate",
    value: hitRate,
    shown: hitRate === null ? "no data" : `${pct(hitRate)}${reads > 0 ? ` of ${reads} query reads` : " (X-Cache)"}`,
    grade: hitRate === null ? null : atLeast(hitRate, SCALES.hitRate),
    scale: "A ≥ 95 %, B ≥ 90 %, C ≥ 80 %, D ≥ 65 %, else F",
  });

  // p95 / p99 per page group, against each group's budget: graded on the worst group.
  const fromSummary = Object.entries(metrics)
    .map(([key, m]) => [/^http_req_duration\{page:([^}]+)\}$/.exec(key)?.[1], m] as const)
    .filter(
      (entry): entry is readonly [string, SummaryMetric] => entry[0] !== undefined && (entry[1].values.count ?? 1) > 0,
    )
    .map(([page, m]) => ({
      page,
      count: m.values.count ?? 0,
      p50: m.values.med ?? 0,
      p95: m.values["p(95)"] ?? 0,
      p99: m.values["p(99)"] ?? 0,
      budgetP95: BUDGETS[page]?.[0],
      budgetP99: BUDGETS[page]?.[1],
    }));
  // The summary has a page's percentiles when a threshold names it; else the timeline's points do.
  const pages =
    fromSummary.length > 0
      ? fromSummary
      : (run.timeline?.pages ?? []).map((p) => ({
          ...p,
          budgetP95: BUDGETS[p.page]?.[0],
          budgetP99: BUDGETS[p.page]?.[1],
        }));
  for (const [key, label, index, scale] of [
    ["p95", "p95 by page group (of its budget)", 0, SCALES.p95Budget],
    ["p99", "p99 by page group (of its budget)", 1, SCALES.p99Budget],
  ] as const) {
    let worst: { page: string; ratio: number; ms: number } | undefined;
    for (const p of pages) {
      const budget = BUDGETS[p.page]?.[index];
      if (!budget || p.count === 0) continue;
      const ms = key === "p95" ? p.p95 : p.p99;
      const ratio = ms / budget;
      if (!worst || ratio > worst.ratio) worst = { page: p.page, ratio, ms };
    }
    criteria.push({
      key,
      label,
      value: worst?.ratio ?? null,
      shown: worst
        ? `worst: ${worst.page} ${worst.ms.toFixed(0)} ms = ${pct(worst.ratio, 0)} of its budget`
        : "no data",
      grade: worst ? atMost(worst.ratio, scale) : null,
      scale: "worst group at A ≤ 50 %, B ≤ 75 %, C ≤ 100 %, D ≤ 150 % of its budget, else F",
    });
  }

  const failedRate = value("http_req_failed", "rate") ?? null;
  criteria.push({
    key: "error_rate",
    label: "Failed requests",
    value: failedRate,
    shown: failedRate === null ? "no data" : `${pct(failedRate, 3)} of ${value("http_reqs", "count") ?? 0}`,
    grade: failedRate === null ? null : atMost(failedRate, SCALES.errorRate),
    scale: "A = 0, B ≤ 0.05 %, C ≤ 0.1 %, D ≤ 1 %, else F",
  });

  const stale = value("stale_reads", "rate");
  const staleCount = value("stale_reads", "passes") ?? 0;
  criteria.push({
    key: "stale_reads",
    label: "Stale reads after a write",
    value: stale ?? null,
    shown:
      stale === undefined
        ? "not measured by this script"
        : `${staleCount} of ${(value("stale_reads", "passes") ?? 0) + (value("stale_reads", "fails") ?? 0)} read-backs`,
    grade: stale === undefined ? null : stale === 0 ? "A" : "F",
    scale: "A = 0, else F (and the whole run is an F)",
  });

  const purges = after ? after.purges.purges - (before?.purges.purges ?? 0) : null;
  const invalidations = purges !== null && reads > 0 ? (100 * purges) / reads : null;
  criteria.push({
    key: "invalidation_rate",
    label: "Invalidations per 100 cache reads",
    value: invalidations,
    shown: invalidations === null ? "no data" : `${invalidations.toFixed(1)} (${purges} purges, ${reads} reads)`,
    grade: invalidations === null ? null : atMost(invalidations, SCALES.invalidationsPer100Reads),
    scale: "A ≤ 5, B ≤ 10, C ≤ 20, D ≤ 40, else F",
  });

  const delay = after?.warming?.delay;
  const warmP95 = delay && delay.count > 0 ? delay.p95Ms : null;
  criteria.push({
    key: "warm_delay",
    label: "Purge → warmed delay (p95)",
    value: warmP95,
    shown:
      warmP95 === null
        ? "no warming measured"
        : `${warmP95.toFixed(0)} ms (p50 ${delay?.p50Ms.toFixed(0)} ms, ${delay?.count} warmings)`,
    grade: warmP95 === null ? null : atMost(warmP95, SCALES.warmDelayP95Ms),
    scale: "A ≤ 500 ms, B ≤ 1 s, C ≤ 2 s, D ≤ 5 s, else F",
  });

  const w = after?.warming;
  const wb = before?.warming;
  const done = w ? w.done - (wb?.done ?? 0) : 0;
  const lost = w
    ? w.failed - (wb?.failed ?? 0) + (w.rejected - (wb?.rejected ?? 0)) + (w.unavailable - (wb?.unavailable ?? 0))
    : 0;
  const success = done + lost > 0 ? done / (done + lost) : null;
  criteria.push({
    key: "warming_success",
    label: "Warming success",
    value: success,
    shown:
      success === null ? "no warming jobs" : `${pct(success)} (${done} done, ${lost} failed, rejected or unavailable)`,
    grade: success === null ? null : atLeast(success, SCALES.warmingSuccess),
    scale: "A ≥ 99 %, B ≥ 97 %, C ≥ 90 %, D ≥ 75 %, else F",
  });

  // Patterns and what to do about them.
  const patterns: Pattern[] = [];
  const recommendations = new Set<string>();
  const purgedByFamily = run.timeline?.tags.purged ?? {};
  for (const q of queries) {
    if (q.reads < 20 || q.hitRate >= 0.8 || run.cacheMode === "off") continue;
    const staleShare = q.stale / q.reads;
    const families = familiesOf(q.name, Object.keys(purgedByFamily));
    const purgedTags = families.reduce((sum, f) => sum + (purgedByFamily[f] ?? 0), 0);
    if (staleShare >= 0.1) {
      patterns.push({
        kind: "too-short fresh time",
        subject: q.name,
        detail: `${pct(q.hitRate)} hits; ${pct(staleShare)} of its reads found the entry stale`,
      });
      recommendations.add(`Lengthen the fresh time of ${q.name}: its entries go stale while they are still read.`);
    } else if (purgedTags > 0 && q.loads / purgedTags >= 2 && q.reads / Math.max(1, q.loads) >= 2) {
      patterns.push({
        kind: "miss storm after each purge",
        subject: q.name,
        detail: `${pct(q.hitRate)} hits; ${q.loads} loads for ${purgedTags} purges of its tags (${(q.loads / purgedTags).toFixed(1)} a purge) and ${(q.reads / Math.max(1, q.loads)).toFixed(1)} reads a load: readers pile up on each purge and the key is loaded again and again`,
      });
      recommendations.add(
        `After a purge of ${q.name}, serve the stale entry while one load refreshes it, or let readers wait for the one load longer than it takes under load.`,
      );
    } else if (purgedTags > 0 && q.loads / purgedTags < 2) {
      patterns.push({
        kind: "purged too often",
        subject: q.name,
        detail: `${pct(q.hitRate)} hits; ${q.loads} loads, and writes purged its tags (${families.join(", ")}) ${purgedTags} times`,
      });
      recommendations.add(
        `Narrow what writes purge for ${q.name} (the item's own tag rather than ${families.join(", ")} as a whole), or warm it right after the purge.`,
      );
    } else {
      patterns.push({
        kind: "never warmed",
        subject: q.name,
        detail: `${pct(q.hitRate)} hits; ${q.loads} loads for ${q.reads} reads and ${purgedTags} purges of its tags: most keys are read about once, cold (the long tail, per-user keys, or the run's start)`,
      });
      recommendations.add(
        `Warm ${q.name} ahead of its readers (a larger WARM_HOT_KEYS, a warm-up phase), or accept its cold tail; if its keys are per user, do not warm them on purge.`,
      );
    }
  }
  const waiting = (after?.warming as { queue?: { waiting?: number } } | undefined)?.queue?.waiting ?? 0;
  if (w && ((warmP95 !== null && warmP95 > 10_000) || waiting > 50)) {
    patterns.push({
      kind: "warming falls behind",
      subject: "warming queue",
      detail: `${done} warmings done, ${w.deduplicated - (wb?.deduplicated ?? 0)} deduplicated, ${waiting} still waiting at the end; purge → warmed p95 ${((warmP95 ?? 0) / 1000).toFixed(1)} s`,
    });
    recommendations.add(
      "Warming cannot keep up with the purges: warm fewer keys per purge (not the per-user ones), or raise WARM_CONCURRENCY.",
    );
  }
  const tags = Object.entries({ ...run.timeline?.tags.read, ...run.timeline?.tags.purged })
    .map(([family]) => ({
      family,
      read: run.timeline?.tags.read[family] ?? 0,
      purged: run.timeline?.tags.purged[family] ?? 0,
    }))
    .sort((a, b) => b.purged + b.read - (a.purged + a.read));
  for (const t of tags) {
    if (t.purged >= 10 && t.purged > t.read * 0.5) {
      patterns.push({
        kind: "purged more than read",
        subject: t.family,
        detail: `tags ${t.family}: purged ${t.purged} times, read ${t.read} times`,
      });
      recommendations.add(
        `Tag ${t.family} is purged about as often as it is read: cache what uses it less, or purge it less.`,
      );
    }
  }
  const width = value("purge_width", "avg");
  if (width !== undefined && width > 5) {
    patterns.push({
      kind: "over-broad purges",
      subject: "writes",
      detail: `a write purges ${width.toFixed(1)} tags on average (p95 ${(value("purge_width", "p(95)") ?? 0).toFixed(0)})`,
    });
    recommendations.add(
      "Writes purge many tags each: purge the changed item's tags, and let lists refresh on their own.",
    );
  }
  for (const p of pages) {
    if (p.budgetP95 && p.p95 > p.budgetP95) {
      patterns.push({
        kind: "slow page",
        subject: p.page,
        detail: `p95 ${p.p95.toFixed(0)} ms over its ${p.budgetP95} ms budget`,
      });
      recommendations.add(`Look at ${p.page}: its p95 is over budget (Server-Timing names the slow query).`);
    }
  }
  const buckets = run.timeline?.buckets ?? [];
  if (buckets.length >= 9) {
    const third = Math.floor(buckets.length / 3);
    const early = buckets.slice(0, third).filter((b) => b.reqs > 0);
    const late = buckets.slice(-third).filter((b) => b.reqs > 0);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const e = mean(early.map((b) => b.p95));
    const l = mean(late.map((b) => b.p95));
    const eVus = mean(early.map((b) => b.vus));
    const lVus = mean(late.map((b) => b.vus));
    if (e > 0 && l > 2 * e && lVus <= eVus * 1.2) {
      patterns.push({
        kind: "latency grows at the same load",
        subject: "run",
        detail: `p95 ${e.toFixed(0)} ms in the first third, ${l.toFixed(0)} ms in the last, at about the same VUs`,
      });
      recommendations.add("Latency grows at a steady load: look for a leak (memory, connections, queue backlog).");
    }
  }
  if (failedRate !== null && failedRate > 0)
    recommendations.add("Some requests failed: read the app's log for the errors.");
  if (stale && stale > 0)
    recommendations.add("Stale reads happened: a write was not visible on the next read. That is a bug to fix first.");
  if (run.cacheMode === "off")
    recommendations.add("This run had CACHE_MODE=off: it is the baseline the cached run is compared with.");

  const requests = value("http_reqs", "count") ?? 0;
  const durationS = (run.summary?.state?.testRunDurationMs ?? 0) / 1000;
  return {
    id: run.id,
    script: run.script,
    engine: run.engine,
    cacheMode: run.cacheMode,
    grade: overall(criteria),
    criteria,
    pages: pages.sort((a, b) => b.count - a.count),
    queries,
    tags,
    patterns,
    recommendations: [...recommendations],
    totals: {
      requests,
      rps: value("http_reqs", "rate") ?? (durationS ? requests / durationS : 0),
      durationS,
      p50: value("http_req_duration", "med") ?? 0,
      p95: value("http_req_duration", "p(95)") ?? 0,
      p99: value("http_req_duration", "p(99)") ?? 0,
      failedRate: failedRate ?? 0,
    },
  };
}
