import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";

/**
 * Latency, throughput, failures, cache hits and stale reads over time, from the points a run wrote
 * (`--out json=FILE`: k6's JSON output, one `{"type":"Point","metric","data":{time,value,tags}}`
 * per line; the Node runner writes the same lines for the metrics read here).
 */
export interface Bucket {
  /** Seconds from the first point to the bucket's start. */
  t: number;
  reqs: number;
  rps: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  hitRate: number | null;
  vus: number;
  stale: number;
}

export interface PageStats {
  page: string;
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface TagCounts {
  purged: Record<string, number>;
  read: Record<string, number>;
  writes: number;
  purgedTags: number;
}

interface Point {
  type: string;
  metric: string;
  data: { time: string; value: number; tags?: Record<string, string> };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (rank - lo);
}

export class TimelineBuilder {
  private readonly points: { time: number; metric: string; value: number; tags: Record<string, string> }[] = [];
  readonly tags: TagCounts = { purged: {}, read: {}, writes: 0, purgedTags: 0 };
  private readonly byPage = new Map<string, number[]>();

  add(line: string) {
    if (!line.startsWith("{")) return;
    const p = JSON.parse(line) as Point;
    if (p.type !== "Point") return;
    const tags = p.data.tags ?? {};
    if (p.metric === "tags_purged") {
      const family = tags.family ?? "?";
      this.tags.purged[family] = (this.tags.purged[family] ?? 0) + p.data.value;
      this.tags.purgedTags += p.data.value;
      return;
    }
    if (p.metric === "tags_read") {
      const family = tags.family ?? "?";
      this.tags.read[family] = (this.tags.read[family] ?? 0) + p.data.value;
      return;
    }
    if (p.metric === "purge_width") this.tags.writes += 1;
    if (p.metric === "http_req_duration" && tags.page) {
      const list = this.byPage.get(tags.page) ?? [];
      list.push(p.data.value);
      this.byPage.set(tags.page, list);
    }
    if (["http_req_duration", "http_req_failed", "cache_hit", "vus", "stale_reads"].includes(p.metric)) {
      this.points.push({ time: Date.parse(p.data.time), metric: p.metric, value: p.data.value, tags });
    }
  }

  /** p50/p95/p99 of each page group (the `page` tag), whatever thresholds the script set. */
  pages(): PageStats[] {
    return [...this.byPage].map(([page, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return {
        page,
        count: sorted.length,
        p50: quantile(sorted, 0.5),
        p95: quantile(sorted, 0.95),
        p99: quantile(sorted, 0.99),
      };
    });
  }

  build(maxBuckets = 120): { bucketSeconds: number; buckets: Bucket[] } {
    if (this.points.length === 0) return { bucketSeconds: 1, buckets: [] };
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (const p of this.points) {
      if (p.time < start) start = p.time;
      if (p.time > end) end = p.time;
    }
    const seconds = Math.max(1, Math.ceil((end - start) / 1000));
    const bucketSeconds = Math.max(1, Math.ceil(seconds / maxBuckets));
    const n = Math.ceil(seconds / bucketSeconds) + 1;
    const raw = Array.from({ length: n }, () => ({
      durations: [] as number[],
      failed: 0,
      hits: 0,
      cacheReads: 0,
      vus: 0,
      stale: 0,
    }));
    for (const p of this.points) {
      const b = raw[Math.floor((p.time - start) / 1000 / bucketSeconds)];
      if (!b) continue;
      if (p.metric === "http_req_duration") b.durations.push(p.value);
      else if (p.metric === "http_req_failed") b.failed += p.value;
      else if (p.metric === "cache_hit") {
        b.cacheReads += 1;
        b.hits += p.value;
      } else if (p.metric === "vus") b.vus = Math.max(b.vus, p.value);
      else if (p.metric === "stale_reads") b.stale += p.value;
    }
    const buckets = raw.map((b, i) => {
      const sorted = b.durations.sort((x, y) => x - y);
      return {
        t: i * bucketSeconds,
        reqs: sorted.length,
        rps: sorted.length / bucketSeconds,
        failed: b.failed,
        p50: quantile(sorted, 0.5),
        p95: quantile(sorted, 0.95),
        p99: quantile(sorted, 0.99),
        hitRate: b.cacheReads ? b.hits / b.cacheReads : null,
        vus: b.vus,
        stale: b.stale,
      };
    });
    return { bucketSeconds, buckets };
  }
}

export async function timelineOf(file: string) {
  const builder = new TimelineBuilder();
  if (existsSync(file)) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) builder.add(line);
  }
  return { ...builder.build(), tags: builder.tags, pages: builder.pages() };
}
