import { afterEach, describe, expect, it } from "vitest";
import { createBatchPrefetcher } from "~/client/prefetch/batch";
import { NavPredictor } from "~/client/prefetch/predictor";
import { dropAllPrefetched, purgePrefetched, startPrefetch, takePrefetched } from "~/client/prefetch/prefetch-store";

class MapStorage {
  readonly map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

describe("NavPredictor", () => {
  it("predicts the most frequent next page once seen twice", () => {
    const p = new NavPredictor(new MapStorage(), "nav");
    p.record("/community", "/community/posts/1");
    expect(p.predict("/community")).toBeUndefined();
    p.record("/community", "/community/posts/1");
    p.record("/community", "/studio");
    expect(p.predict("/community")).toBe("/community/posts/1");
    p.record("/community", "/studio");
    p.record("/community", "/studio");
    expect(p.predict("/community")).toBe("/studio");
    expect(p.predict("/nowhere")).toBeUndefined();
  });

  it("stays small: forgets the least recently left pages", () => {
    const storage = new MapStorage();
    const p = new NavPredictor(storage, "nav", { maxPages: 3, maxNext: 2, minCount: 1 });
    for (const from of ["/a", "/b", "/c", "/d"]) p.record(from, "/x");
    expect(p.predict("/a")).toBeUndefined();
    expect(p.predict("/d")).toBe("/x");
    for (const to of ["/1", "/2", "/3"]) p.record("/d", to);
    expect(Object.keys(JSON.parse(storage.getItem("nav") ?? "{}")["/d"])).toHaveLength(2);
  });

  it("survives a corrupt record", () => {
    const storage = new MapStorage();
    storage.setItem("nav", "{oops");
    const p = new NavPredictor(storage, "nav");
    expect(p.predict("/a")).toBeUndefined();
    p.record("/a", "/b");
  });
});

describe("createBatchPrefetcher", () => {
  it("never runs more than the limit at once, and asks for each URL once while in flight", async () => {
    let running = 0;
    let peak = 0;
    const started: string[] = [];
    const batch = createBatchPrefetcher(2, async (url) => {
      started.push(url);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
    await batch.all(["/a", "/b", "/c", "/a", "/d", "/e"]);
    expect(peak).toBe(2);
    expect(started.sort()).toEqual(["/a", "/b", "/c", "/d", "/e"]);
    expect(batch.pending).toBe(0);
  });
});

describe("prefetch store", () => {
  afterEach(() => dropAllPrefetched());
  const ok = (tags: string) =>
    Promise.resolve(new Response("body", { status: 200, headers: { "X-Cache-Tags": tags } }));

  it("hands a prefetched response to the next request once", async () => {
    await startPrefetch("/p.data", () => ok("post:1"));
    const first = await takePrefetched("/p.data");
    expect(await first?.text()).toBe("body");
    expect(first?.headers.get("X-Cache-Tags")).toBe("post:1");
    expect(await takePrefetched("/p.data")).toBeUndefined();
  });

  it("drops a prefetch whose tags a write purged, keeps the others", async () => {
    await startPrefetch("/p1.data", () => ok("post:1"));
    await startPrefetch("/p2.data", () => ok("post:2"));
    purgePrefetched(["post:1"]);
    expect(await takePrefetched("/p1.data")).toBeUndefined();
    expect(await takePrefetched("/p2.data")).toBeDefined();
  });

  it("drops a prefetch still in flight when any purge happens (it may hold pre-write data)", async () => {
    let release: (r: Response) => void = () => {};
    void startPrefetch("/p.data", () => new Promise<Response>((r) => (release = r)));
    purgePrefetched(["unrelated:1"]);
    release(new Response("old", { headers: { "X-Cache-Tags": "post:1" } }));
    expect(await takePrefetched("/p.data")).toBeUndefined();
  });

  it("never keeps an error response", async () => {
    await startPrefetch("/p.data", () => Promise.resolve(new Response("no", { status: 500 })));
    expect(await takePrefetched("/p.data")).toBeUndefined();
  });
});
