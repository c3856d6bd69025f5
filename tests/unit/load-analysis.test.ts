import { describe, expect, it } from "vitest";
import { analyze, type Criterion, familiesOf, overall, type RunInput } from "../../load/analysis/grade";
import { TimelineBuilder } from "../../load/analysis/timeline";
import type { CacheMetrics } from "../../load/cache-metrics";

const criterion = (key: string, grade: Criterion["grade"]): Criterion => ({
  key,
  label: key,
  value: 0,
  shown: "",
  grade,
  scale: "",
});

function metrics(reads: number, hits: number, stale = 0, purges = 0): CacheMetrics {
  return {
    since: "",
    queries: {
      "community.post": {
        hits,
        misses: reads - hits - stale,
        stale,
        bypasses: 0,
        errors: 0,
        loads: reads - hits,
        reads,
        hitRate: 0,
      },
    },
    purges: { purges, tags: purges * 2, failures: 0 },
    warming: {
      queued: reads / 10,
      deduplicated: 0,
      rejected: 0,
      unavailable: 0,
      done: reads / 10,
      failed: 0,
      retried: 0,
      delay: { count: 10, p50Ms: 80, p95Ms: 700, p99Ms: 900, maxMs: 950 },
    },
  };
}

function run(partial: Partial<RunInput> = {}): RunInput {
  return {
    id: "t",
    script: "mix",
    engine: "quill-node-runner",
    cacheMode: "on",
    summary: {
      state: { testRunDurationMs: 60_000 },
      metrics: {
        http_reqs: { type: "counter", values: { count: 6000, rate: 100 } },
        http_req_failed: { type: "rate", values: { rate: 0, passes: 0, fails: 6000 } },
        stale_reads: { type: "rate", values: { rate: 0, passes: 0, fails: 300 } },
        http_req_duration: { type: "trend", values: { med: 20, "p(95)": 200, "p(99)": 400 } },
        "http_req_duration{page:post}": { type: "trend", values: { count: 100, med: 20, "p(95)": 240, "p(99)": 500 } },
        "http_req_duration{page:story}": {
          type: "trend",
          values: { count: 100, med: 20, "p(95)": 900, "p(99)": 1000 },
        },
      },
    },
    cache: { before: metrics(0, 0), after: metrics(1000, 960, 0, 30) },
    ...partial,
  };
}

describe("grading a load run", () => {
  it("grades each criterion on the scales of docs/load.md", () => {
    const a = analyze(run());
    const grade = (key: string) => a.criteria.find((c) => c.key === key)?.grade;
    expect(grade("hit_rate")).toBe("A"); // 96 %
    expect(grade("p95")).toBe("C"); // story 900 of 1000 ms
    expect(grade("p99")).toBe("A"); // post 500 of 1500, story 1000 of 2500: worst 40 %
    expect(grade("error_rate")).toBe("A");
    expect(grade("stale_reads")).toBe("A");
    expect(grade("invalidation_rate")).toBe("A"); // 3 per 100 reads
    expect(grade("warm_delay")).toBe("B"); // p95 700 ms
    expect(grade("warming_success")).toBe("A");
    expect(a.grade).toBe("A");
    expect(a.totals).toMatchObject({ requests: 6000, rps: 100, p95: 200 });
  });

  it("fails the whole run on a single stale read", () => {
    const r = run();
    const m = r.summary?.metrics;
    if (m) m.stale_reads = { type: "rate", values: { rate: 1 / 300, passes: 1, fails: 299 } };
    const a = analyze(r);
    expect(a.criteria.find((c) => c.key === "stale_reads")?.grade).toBe("F");
    expect(a.grade).toBe("F");
    expect(a.recommendations.join(" ")).toMatch(/Stale reads happened/);
  });

  it("caps the overall grade: hit rate F at C, failed requests F at D", () => {
    const all = (g: Criterion["grade"]) =>
      ["p95", "p99", "stale_reads", "invalidation_rate"].map((k) => criterion(k, g));
    expect(overall([...all("A"), criterion("hit_rate", "F"), criterion("error_rate", "A")])).toBe("C");
    expect(overall([...all("A"), criterion("hit_rate", "A"), criterion("error_rate", "F")])).toBe("D");
    expect(overall([criterion("hit_rate", "B"), criterion("p95", "C")])).toBe("B");
    expect(overall([criterion("hit_rate", null)])).toBe("F");
  });

  it("names a query with a low hit rate, and why", () => {
    const stale = analyze(run({ cache: { before: metrics(0, 0), after: metrics(100, 50, 30, 1) } }));
    expect(stale.patterns[0]).toMatchObject({ kind: "too-short fresh time", subject: "community.post" });
    const cold = analyze(run({ cache: { before: metrics(0, 0), after: metrics(100, 50, 0, 1) } }));
    expect(cold.patterns[0]).toMatchObject({ kind: "never warmed" });
    const purged = analyze(
      run({
        cache: { before: metrics(0, 0), after: metrics(100, 50, 0, 40) },
        timeline: {
          bucketSeconds: 1,
          buckets: [],
          tags: { purged: { post: 40 }, read: { post: 60 }, writes: 40, purgedTags: 40 },
        },
      }),
    );
    expect(purged.patterns.map((p) => p.kind)).toEqual(["purged too often", "purged more than read"]);
    const after = metrics(100, 50, 0, 5);
    const post = after.queries["community.post"];
    if (post) post.loads = 20; // 4 loads a purge, 5 reads a load: readers pile up on a few keys
    const storm = analyze(
      run({
        cache: { before: metrics(0, 0), after },
        timeline: {
          bucketSeconds: 1,
          buckets: [],
          tags: { purged: { post: 5 }, read: { post: 100 }, writes: 5, purgedTags: 5 },
        },
      }),
    );
    expect(storm.patterns[0]).toMatchObject({ kind: "miss storm after each purge", subject: "community.post" });
  });

  it("guesses the tag families of a query from its name", () => {
    const families = ["post", "community:feed", "story", "user", "stories:published"];
    expect(familiesOf("community.post", families)).toEqual(["post"]);
    expect(familiesOf("community.feed", families)).toEqual(["community:feed"]);
    expect(familiesOf("story.reading", families)).toEqual(["story"]);
    expect(familiesOf("stories.published", families)).toEqual(["stories:published"]);
  });
});

describe("the timeline of a run's points", () => {
  it("buckets latency, failures, hits and stale reads by time, and counts tag families", () => {
    const builder = new TimelineBuilder();
    const point = (metric: string, ms: number, value: number, tags: Record<string, string> = {}) =>
      builder.add(JSON.stringify({ type: "Point", metric, data: { time: new Date(ms).toISOString(), value, tags } }));
    for (let i = 0; i < 100; i++) point("http_req_duration", 1_000 + i * 10, i + 1, { page: "post" });
    point("http_req_failed", 1_500, 1);
    point("cache_hit", 1_100, 1);
    point("cache_hit", 1_200, 0);
    point("http_req_duration", 2_500, 1000, { page: "home" });
    point("stale_reads", 2_600, 0);
    point("tags_purged", 2_600, 1, { family: "post" });
    point("tags_read", 2_600, 1, { family: "post" });
    builder.add("not json, ignored");
    const { buckets, bucketSeconds } = builder.build();
    expect(bucketSeconds).toBe(1);
    expect(buckets[0]).toMatchObject({ t: 0, reqs: 100, failed: 1, hitRate: 0.5 });
    expect(buckets[0]?.p50).toBeCloseTo(50.5);
    expect(buckets[1]).toMatchObject({ t: 1, reqs: 1, p99: 1000, hitRate: null, stale: 0 });
    expect(builder.tags.purged).toEqual({ post: 1 });
    expect(builder.pages().find((p) => p.page === "post")).toMatchObject({ count: 100, p50: 50.5 });
  });
});
