import { createHash, randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { AppLoadContext } from "@remix-run/node";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ReadLog, type ReadRecord } from "~/cache/read-log";
import { TaggedStore } from "~/cache/tagged-store.server";
import { ResponseCache, type ResponseOutcome } from "~/http/response-cache.server";

/**
 * The response cache (docs/caching.md#the-response-cache) against the real Redis: what it keeps,
 * what it refuses, and that a purge of any tag a response read ends it, even one that lands while
 * the response is being rendered. The handler stands in for Remix: it makes its "reads" by looking
 * up real entries, so their tokens are the store's own. Over HTTP: tests/integration/cache-http.test.ts.
 */
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(redisUrl);
const namespaces: string[] = [];

afterAll(async () => {
  for (const namespace of namespaces) {
    const keys = await redis.keys(`qc:${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

const NONCE = "n0nceOfTheRender0001";
const CSP = `script-src 'self' 'nonce-${NONCE}'`;

interface Page {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** The reads the render makes: tags, scope, and whether the value was current (a hit or a stored miss). */
  reads?: { tags: string[]; scope?: "public" | "user"; valid?: boolean; purgeFirst?: string[] }[];
  /** Runs after the reads, before the response is returned (a purge racing the render). */
  during?: () => Promise<void>;
}

function fixture(page: Page = {}) {
  const namespace = `response-${randomBytes(6).toString("hex")}`;
  namespaces.push(namespace);
  const store = new TaggedStore(redis, namespace);
  const outcomes: ResponseOutcome[] = [];
  let renders = 0;
  let body = page.body ?? `<html><script nonce="${NONCE}">hydrate()</script><p>likes: 1</p></html>`;
  const cache = new ResponseCache({
    store: () => store,
    version: "build-1",
    routeIds: new Set(["root", "routes/community._index"]),
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  const handler = cache.wrap(async (_request, context) => {
    renders++;
    for (const read of page.reads ?? [{ tags: ["post:1", "community:feed"] }]) {
      if (read.purgeFirst) await store.purge(read.purgeFirst);
      const tags = [...read.tags].sort();
      const { tokens } = await store.lookup(`entry:${tags.join(",")}`, tags);
      const record: ReadRecord = {
        query: "q",
        status: read.valid === false ? "stale" : "hit",
        tags,
        cacheMs: 0,
        dbMs: 0,
        scope: read.scope ?? "public",
        validity: read.valid === false ? undefined : { tokens, freshUntil: Date.now() + 60_000 },
      };
      context.reads.add(record);
    }
    await page.during?.();
    return new Response(body, {
      status: page.status ?? 200,
      headers: { "Content-Type": "text/html", "Content-Security-Policy": CSP, ...page.headers },
    });
  });
  const get = async (path = "/community", headers: Record<string, string> = {}) => {
    const response = await handler(new Request(`http://quill.test${path}`, { headers }), {
      clientAddress: "127.0.0.1",
      reads: new ReadLog(),
    } as AppLoadContext);
    const bytes = Buffer.from(await response.arrayBuffer());
    // A fetch Response hands on what it was given: a gzipped replay is still gzip here.
    const gzipped = response.headers.get("Content-Encoding") === "gzip";
    const text = (gzipped ? gunzipSync(bytes) : bytes).toString();
    // The copy is stored once the body has streamed: wait for its outcome.
    for (let i = 0; i < 40 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const outcome = outcomes.shift();
    outcomes.length = 0;
    return { response, text, bytes, outcome };
  };
  return {
    store,
    get,
    renders: () => renders,
    setBody: (next: string) => {
      body = next;
    },
  };
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

describe("response cache (real Redis)", () => {
  it("keeps an anonymous 200 and replays it without rendering: the same bytes, its scripts pinned by hash", async () => {
    const page = fixture();
    const first = await page.get();
    expect(first.outcome).toBe("stored");
    expect(first.response.headers.get("X-Response-Cache")).toBe("MISS");
    expect(first.response.headers.get("Cache-Control")).toBe("public, max-age=0, must-revalidate");
    expect(first.response.headers.get("Surrogate-Key")).toBe("community:feed post:1");
    expect(first.response.headers.get("Cache-Tag")).toBe("community:feed,post:1");
    expect(first.response.headers.get("Vary")).toBe("Cookie, Accept-Encoding");

    const second = await page.get();
    const third = await page.get();
    expect(page.renders()).toBe(1);
    for (const hit of [second, third]) {
      expect(hit.outcome).toBe("hit");
      expect(hit.response.headers.get("X-Response-Cache")).toBe("HIT");
      expect(hit.response.headers.get("X-Cache")).toBe("HIT");
      expect(hit.response.headers.get("ETag")).toMatch(/^W\/"[\w-]+"$/);
      expect(hit.response.headers.get("Content-Length")).toBe(String(hit.bytes.length));
      // The render's nonce is gone from the bytes and the policy: the script is allowed by its hash.
      expect(hit.text).toBe(first.text.replace(` nonce="${NONCE}"`, ""));
      const policy = hit.response.headers.get("Content-Security-Policy") ?? "";
      expect(policy).toContain(`script-src 'self' ${sha256("hydrate()")}`);
      expect(policy).not.toContain("nonce");
      expect(policy).toContain("frame-ancestors 'none'");
    }
    expect(second.response.headers.get("Content-Security-Policy")).toBe(
      third.response.headers.get("Content-Security-Policy"),
    );
  });

  it("keeps a large body gzipped too, and replays the encoding the client accepts", async () => {
    const story = "<p>A scene of a story, long enough to be worth compressing.</p>".repeat(100);
    const page = fixture({
      body: `<html><script nonce="${NONCE}">hydrate(1)</script>${story}<script nonce="${NONCE}">more()</script><script src="/assets/entry.js" type="module"></script></html>`,
    });
    const first = await page.get();
    expect(first.outcome).toBe("stored");
    const plain = await page.get();
    const gzipped = await page.get("/community", { "Accept-Encoding": "gzip, deflate, br" });
    const refused = await page.get("/community", { "Accept-Encoding": "gzip;q=0, identity" });
    expect(page.renders()).toBe(1);
    expect(plain.response.headers.get("Content-Encoding")).toBeNull();
    expect(refused.response.headers.get("Content-Encoding")).toBeNull();
    expect(gzipped.response.headers.get("Content-Encoding")).toBe("gzip");
    expect(gzipped.bytes.length).toBeLessThan(plain.bytes.length / 5);
    expect(gzipped.response.headers.get("Content-Length")).toBe(String(gzipped.bytes.length));
    for (const hit of [plain, gzipped, refused]) {
      expect(hit.text).toBe(first.text.replaceAll(` nonce="${NONCE}"`, ""));
      expect(hit.response.headers.get("ETag")).toBe(plain.response.headers.get("ETag"));
    }
    const policy = plain.response.headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain(`script-src 'self' ${sha256("hydrate(1)")} ${sha256("more()")};`);
  });

  it("does not keep a document with an inline script the render's nonce does not allow", async () => {
    const page = fixture({ body: `<html><script nonce="${NONCE}">hydrate()</script><script>evil()</script></html>` });
    expect((await page.get()).outcome).toBe("unshareable");
    await page.get();
    expect(page.renders()).toBe(2);
  });

  it("answers 304 to the ETag it gave, and renders again once a tag of the response was purged", async () => {
    const page = fixture();
    await page.get();
    const etag = (await page.get()).response.headers.get("ETag") as string;
    const revalidated = await page.get("/community", { "If-None-Match": etag });
    expect(revalidated.response.status).toBe(304);
    expect(revalidated.text).toBe("");
    expect(revalidated.outcome).toBe("revalidated");
    expect(page.renders()).toBe(1);

    await page.store.purge(["post:1"]);
    page.setBody(`<html><script nonce="${NONCE}">hydrate()</script><p>likes: 2</p></html>`);
    const after = await page.get("/community", { "If-None-Match": etag });
    expect(after.response.status).toBe(200);
    expect(after.text).toContain("likes: 2");
    expect(after.outcome).toBe("stored");
    expect(page.renders()).toBe(2);
    expect((await page.get()).text).toContain("likes: 2");
  });

  it("refuses to keep a response whose tag was purged while it rendered (the fill/purge race)", async () => {
    // The purge lands after the reads, and another reader makes the tag's new token before this
    // response is complete: only the tokens the reads saw can tell that it shows the old feed.
    const page = fixture({
      during: async () => {
        await page.store.purge(["community:feed"]);
        await page.store.lookup("another-reader", ["community:feed", "post:1"]);
      },
    });
    expect((await page.get()).outcome).toBe("refused");
    expect((await page.get()).outcome).toBe("refused");
    expect(page.renders()).toBe(2);
  });

  it("never keeps a response that read one user's data, a stale or uncached value, or nothing", async () => {
    for (const reads of [
      [{ tags: ["post:1"] }, { tags: ["liked:1"], scope: "user" as const }],
      [{ tags: ["post:1"] }, { tags: ["post:2"], valid: false }],
      [],
    ]) {
      const page = fixture({ reads });
      expect((await page.get()).outcome).toBe("unshareable");
      await page.get();
      expect(page.renders()).toBe(2);
    }
  });

  it("never keeps a response whose reads saw two tokens of one tag (a purge between two reads)", async () => {
    const page = fixture({ reads: [{ tags: ["post:1"] }, { tags: ["post:1", "post:2"], purgeFirst: ["post:1"] }] });
    expect((await page.get()).outcome).toBe("unshareable");
    await page.get();
    expect(page.renders()).toBe(2);
  });

  it("passes by signed-in readers, other methods, unknown parameters and answers that are not a shareable 200", async () => {
    const page = fixture();
    await page.get("/community", { Cookie: "theme=dark; __session=abc" });
    await page.get("/community", { Cookie: "__session=abc" });
    expect(page.renders()).toBe(2);
    for (const path of [
      "/community?utm_source=x",
      "/community?page=0",
      "/community?page=12345",
      "/x.data?_routes=nope",
    ]) {
      const { response } = await page.get(path);
      expect(response.headers.get("X-Response-Cache")).toBeNull();
    }
    expect(page.renders()).toBe(6);
    const unshareable: Record<string, string>[] = [{ "Set-Cookie": "a=b" }, { "Cache-Control": "private, no-store" }];
    for (const headers of unshareable) {
      const refused = fixture({ headers });
      expect((await refused.get()).outcome).toBe("unshareable");
      await refused.get();
      expect(refused.renders()).toBe(2);
    }
    const missing = fixture({ status: 404 });
    await missing.get();
    await missing.get();
    expect(missing.renders()).toBe(2);
  });

  it("keys a URL by its allowed parameters in any order, and by build", async () => {
    const cache = new ResponseCache({ store: () => undefined, version: "v9", routeIds: new Set(["root", "a"]) });
    const key = (url: string, init?: { method?: string }) =>
      cache.keyOf({ method: init?.method ?? "GET", url, cookie: null, ifNoneMatch: null, acceptEncoding: null });
    expect(key("http://h/community?page=2&index")).toBe(key("http://h/community?index&page=2"));
    expect(key("http://h/community?page=2")).toBe("response:v9:http://h/community?page=2");
    expect(key("http://h/x.data?_routes=root,a")).toBe("response:v9:http://h/x.data?_routes=root%2Ca");
    expect(key("http://h/community", { method: "POST" })).toBeUndefined();
    expect(key("http://other/community")).not.toBe(key("http://h/community"));
  });
});
