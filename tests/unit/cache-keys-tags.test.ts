import { describe, expect, it } from "vitest";
import { cacheKeys } from "~/cache/keys";
import { stableKey } from "~/cache/query-cache.server";
import { ReadLog, type ReadRecord } from "~/cache/read-log";
import { formatTagHeader, parseTagHeader, tags } from "~/cache/tags";
import { invalidationHeaders, PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { toMs } from "~/lib/duration";

/**
 * The small pure parts of the cache, pinned down exactly: Redis key layout, tag names, the tag
 * headers, durations, argument keys and the per-request read log. A change to any of these
 * changes what is stored under which key, or what the browser is told to purge.
 */
describe("Redis keys", () => {
  it("puts everything under qc:<namespace>: with one letter per kind", () => {
    const keys = cacheKeys("ns1");
    expect(keys.entry('story.reading:{"storyId":1}')).toBe('qc:ns1:e:story.reading:{"storyId":1}');
    expect(keys.token("story:1")).toBe("qc:ns1:t:story:1");
    expect(keys.lock("k")).toBe("qc:ns1:l:k");
    expect(keys.recent("post:2")).toBe("qc:ns1:r:post:2");
    expect(keys.hot(29_000_000)).toBe("qc:ns1:h:29000000");
  });

  it("keeps namespaces apart", () => {
    expect(cacheKeys("a").token("x")).not.toBe(cacheKeys("b").token("x"));
  });
});

describe("tag names", () => {
  it("names every kind of data a write can change", () => {
    expect(tags.story(1)).toBe("story:1");
    expect(tags.chapter("2")).toBe("chapter:2");
    expect(tags.scene(3)).toBe("scene:3");
    expect(tags.userStories(4)).toBe("user:4:stories");
    expect(tags.user(4)).toBe("user:4");
    expect(tags.publishedStories()).toBe("stories:published");
    expect(tags.post(5)).toBe("post:5");
    expect(tags.communityFeed()).toBe("community:feed");
  });

  it("parses a header: trimmed, without empty items or repeats, in first-seen order", () => {
    expect(parseTagHeader(null)).toEqual([]);
    expect(parseTagHeader(undefined)).toEqual([]);
    expect(parseTagHeader("")).toEqual([]);
    expect(parseTagHeader("story:1")).toEqual(["story:1"]);
    expect(parseTagHeader("  story:1 ,scene:3  ,, story:1,")).toEqual(["story:1", "scene:3"]);
    expect(parseTagHeader(" , ")).toEqual([]);
  });

  it("formats a header: comma and space, each tag once", () => {
    expect(formatTagHeader([])).toBe("");
    expect(formatTagHeader(["story:1", "scene:3", "story:1"])).toBe("story:1, scene:3");
    expect(parseTagHeader(formatTagHeader(["a", "b"]))).toEqual(["a", "b"]);
  });

  it("sends X-Cache-Invalidate only when something changed", () => {
    expect(invalidationHeaders([])).toEqual({});
    expect(invalidationHeaders(["post:1", "community:feed", "post:1"])).toEqual({
      "X-Cache-Invalidate": "post:1, community:feed",
    });
    expect(PRIVATE_NO_STORE).toEqual({ "Cache-Control": "private, no-store" });
  });
});

describe("durations", () => {
  it("reads every unit, fractions included", () => {
    expect(toMs("250ms")).toBe(250);
    expect(toMs("10ms")).toBe(10);
    expect(toMs("1.5s")).toBe(1500);
    expect(toMs("30s")).toBe(30_000);
    expect(toMs("5m")).toBe(300_000);
    expect(toMs("1.25h")).toBe(4_500_000);
    expect(toMs("2d")).toBe(172_800_000);
    expect(toMs("0s")).toBe(0);
    expect(toMs(0)).toBe(0);
    expect(toMs(1234)).toBe(1234);
  });

  it("refuses anything else, naming it", () => {
    for (const bad of [
      "",
      "5",
      "s",
      "ms",
      "5 s",
      " 5s",
      "5s ",
      "x5s",
      "5sx",
      "5x",
      ".5s",
      "5.s",
      "1x5s",
      "-5s",
      "5S",
      "1.2.3s",
    ]) {
      expect(() => toMs(bad as never), bad).toThrow(`Not a duration: ${bad}`);
    }
  });
});

describe("argument keys", () => {
  it("writes JSON with object keys sorted and undefined properties left out", () => {
    expect(stableKey({ b: 1, a: "x" })).toBe('{"a":"x","b":1}');
    expect(stableKey({ c: { z: [1, { y: 2, x: null }] }, a: undefined })).toBe('{"c":{"z":[1,{"x":null,"y":2}]}}');
    expect(stableKey({ b: 1, c: 2, a: 3 })).toBe('{"a":3,"b":1,"c":2}');
    expect(stableKey({})).toBe("{}");
  });

  it("writes arrays in order, and scalars as JSON", () => {
    expect(stableKey([3, "a", null, true])).toBe('[3,"a",null,true]');
    expect(stableKey([])).toBe("[]");
    expect(stableKey([undefined])).toBe("[null]");
    expect(stableKey(7)).toBe("7");
    expect(stableKey("7")).toBe('"7"');
    expect(stableKey(null)).toBe("null");
    expect(stableKey(undefined)).toBe("null");
    expect(stableKey(false)).toBe("false");
  });
});

describe("read log", () => {
  const record = (status: ReadRecord["status"], tags: string[], cacheMs: number, dbMs: number): ReadRecord => ({
    query: `q.${status}`,
    status,
    tags,
    cacheMs,
    dbMs,
    scope: "public",
  });

  it("has no status and no headers without reads", () => {
    const log = new ReadLog();
    expect(log.status()).toBeUndefined();
    expect(log.headers()).toEqual({});
    const headers = new Headers({ "Server-Timing": "app;dur=1" });
    log.applyTo(headers);
    expect([...headers]).toEqual([["server-timing", "app;dur=1"]]);
  });

  it("ranks MISS over STALE over BYPASS over HIT, whatever the order", () => {
    const statusOf = (...statuses: ReadRecord["status"][]) => {
      const log = new ReadLog();
      for (const s of statuses) log.add(record(s, [], 0, 0));
      return log.status();
    };
    expect(statusOf("hit")).toBe("hit");
    expect(statusOf("hit", "bypass")).toBe("bypass");
    expect(statusOf("bypass", "hit", "stale")).toBe("stale");
    expect(statusOf("hit", "stale", "bypass", "miss")).toBe("miss");
    expect(statusOf("miss", "hit")).toBe("miss");
  });

  it("sums the timings of every read and names each one", () => {
    const log = new ReadLog();
    log.add(record("hit", ["b"], 1.25, 0));
    log.add(record("miss", ["a", "b"], 0.5, 3));
    expect(log.reads).toHaveLength(2);
    expect(log.headers()).toEqual({
      "X-Cache": "MISS",
      "X-Cache-Tags": "b, a",
      "Server-Timing": 'cache;dur=1.75, db;dur=3.00, q0;desc="q.hit hit";dur=1.25, q1;desc="q.miss miss";dur=3.50',
    });
  });

  it("appends to a Server-Timing already set, and replaces its own headers", () => {
    const log = new ReadLog();
    log.add(record("stale", ["x"], 1, 0));
    const headers = new Headers({ "Server-Timing": "app;dur=9", "X-Cache": "OLD", "X-Cache-Tags": "old" });
    log.applyTo(headers);
    expect(headers.get("X-Cache")).toBe("STALE");
    expect(headers.get("X-Cache-Tags")).toBe("x");
    expect(headers.get("Server-Timing")).toBe(
      'app;dur=9, cache;dur=1.00, db;dur=0.00, q0;desc="q.stale stale";dur=1.00',
    );
    const fresh = new Headers();
    log.applyTo(fresh);
    expect(fresh.get("Server-Timing")).toBe('cache;dur=1.00, db;dur=0.00, q0;desc="q.stale stale";dur=1.00');
  });
});
