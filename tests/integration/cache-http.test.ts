import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../support/server-process";

/**
 * The HTTP contract of the cache (docs/design.md#response-headers) on a real server process: X-Cache, X-Cache-Tags and
 * Server-Timing on cached GETs (documents and single-fetch data), X-Cache-Invalidate on writes,
 * a write through the API always visible to the next read, and the response cache for anonymous GETs
 * (docs/caching.md#the-response-cache): kept, revalidated, ended by a purge, never crossing users.
 */
describe("cache headers and read-your-writes over HTTP", () => {
  let server: RunningServer;
  let cookie: string;
  const anonymous = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
  const likeCount = (html: string) => /(\d+) likes?/.exec(html)?.[1];
  /**
   * The kept copy of a page rendered just before: it is stored once its body has streamed (and been
   * gzipped, off the main thread), so the very next request may still render it. Asks until a HIT.
   */
  const kept = async (path: string): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const response = await anonymous(path);
      if (response.headers.get("x-response-cache") === "HIT" || attempt === 40) return response;
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  beforeAll(async () => {
    server = await startServer({ LOG_LEVEL: "warn" });
    const login = await fetch(`${server.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ email: "alice@example.com", password: "password" }),
      redirect: "manual",
    });
    cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^__session=/);
    // A loaded machine can make the first Redis connect time out: the server then reads from the
    // database and retries in the background. Start once it reads through the cache.
    const deadline = Date.now() + 30_000;
    while ((await anonymous("/community/posts/3.data")).headers.get("x-cache") === "BYPASS") {
      if (Date.now() > deadline)
        throw new Error(`the server's cache did not come up:\n${server.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("answers a cached page MISS, then HIT, with its tags and timings", async () => {
    // Signed in, so that the engine answers (an anonymous repeat is the response cache's, below).
    const first = await fetch(`${server.url}/`, { headers: { Cookie: cookie } });
    const second = await fetch(`${server.url}/`, { headers: { Cookie: cookie } });
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(second.headers.get("x-cache")).toBe("HIT");
    // The session's read and the page's, in whichever order the loaders finished.
    expect(second.headers.get("x-cache-tags")?.split(", ").sort()).toEqual(["stories:published", "user:1"]);
    expect(second.headers.get("server-timing")).toMatch(/^cache;dur=[\d.]+, db;dur=0.00, q0;desc="[^"]+ hit"/);
    expect(second.headers.get("server-timing")).toMatch(/q\d;desc="stories.published hit"/);
    const data = await fetch(`${server.url}/_root.data`, { headers: { Cookie: cookie } });
    expect(data.status).toBe(200);
    expect(data.headers.get("x-cache")).toBe("HIT");
  });

  it("shows a write through the API to the very next read, 200 times in a row", async () => {
    const story = await fetch(`${server.url}/stories/1`);
    expect(story.status).toBe(200);
    for (let i = 0; i < 200; i++) {
      const write = await fetch(`${server.url}/studio/api/scenes/1`, {
        method: "PATCH",
        headers: { Cookie: cookie, "Content-Type": "application/json" },
        body: JSON.stringify({ content: `Written over HTTP, round ${i}.` }),
      });
      expect(write.status).toBe(200);
      expect(write.headers.get("x-cache-invalidate")).toContain("story:1");
      const read = await fetch(`${server.url}/stories/1`);
      // A MISS, or a HIT when the warming worker refilled the page first: fresh either way.
      expect(["MISS", "HIT"]).toContain(read.headers.get("x-cache"));
      expect(await read.text()).toContain(`Written over HTTP, round ${i}.`);
    }
    expect((await fetch(`${server.url}/stories/1`)).headers.get("x-cache")).toBe("HIT");
  }, 120_000);

  it("keeps personal pages private, and sums nested reads into one status", async () => {
    const page = await fetch(`${server.url}/stories/1`, { headers: { Cookie: cookie } });
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    // The session's read, then the assembled reading view: its outline's tag and each scene's.
    expect(page.headers.get("x-cache-tags")).toMatch(/^user:1, story:1(, scene:\d+)+$/);
    expect(page.headers.get("x-cache")).toMatch(/^(HIT|MISS)$/);
  });

  it("serves a document and its .data from the response cache, and a like shows to the next reader", async () => {
    for (const path of ["/community/posts/1", "/community/posts/1.data"]) {
      expect((await anonymous(path)).headers.get("x-response-cache")).toBe("MISS");
      const hit = await kept(path);
      expect(hit.headers.get("x-response-cache")).toBe("HIT");
      expect(hit.headers.get("etag")).toMatch(/^W\//);
      expect(hit.headers.get("surrogate-key")).toContain("post:1");
      if (!path.endsWith(".data")) {
        // fetch asked for gzip: the kept compressed copy is sent as it is (and fetch unzips it).
        // (The post's .data is under 1 KB: kept and sent as it is.)
        expect(hit.headers.get("content-encoding")).toBe("gzip");
        // A replayed document's inline scripts run by their hashes: each one is in its policy.
        const policy = hit.headers.get("content-security-policy") ?? "";
        const scripts = [...(await hit.text()).matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
        const inline = scripts.filter(([, attributes]) => !attributes?.includes("src="));
        expect(inline.length).toBeGreaterThan(1);
        for (const [tag, attributes = "", text = ""] of inline) {
          expect(attributes, tag).not.toContain("nonce");
          expect(policy).toContain(`'sha256-${createHash("sha256").update(text).digest("base64")}'`);
        }
        expect(policy).not.toContain("nonce");
      }
      expect((await anonymous(path, { "If-None-Match": hit.headers.get("etag") as string })).status).toBe(304);
    }
    for (let round = 0; round < 4; round++) {
      const liked = await fetch(`${server.url}/community/api/posts/1/like`, {
        method: "POST",
        headers: { Cookie: cookie, "Content-Type": "application/json" },
        body: JSON.stringify({ liked: round % 2 === 0 }),
      });
      const { likeCount: count } = (await liked.json()) as { likeCount: number };
      // The very next anonymous read, document or data: the kept response died with post:1's token.
      const page = await anonymous("/community/posts/1");
      expect(page.headers.get("x-response-cache")).toBe("MISS");
      expect(likeCount(await page.text())).toBe(String(count));
      expect((await anonymous("/community/posts/1.data")).headers.get("x-response-cache")).toBe("MISS");
      expect((await kept("/community/posts/1")).headers.get("x-response-cache")).toBe("HIT");
    }
  });

  it("never serves a byte of a signed-in response to anyone, nor a kept one to a signed-in reader", async () => {
    for (const path of ["/community", "/community/posts/2", "/stories/1", "/community.data", "/stories/1.data"]) {
      // What only a signed-in page has: the log-out form, or the root's user (its role) in data.
      const signedIn = path.endsWith(".data") ? '"role"' : 'action="/logout"';
      const mine = await anonymous(path, { Cookie: cookie });
      expect(mine.headers.get("x-response-cache")).toBeNull();
      expect(mine.headers.get("cache-control")).toBe("private, no-store");
      expect(await mine.text()).toContain(signedIn);
      await anonymous(path);
      const theirs = await kept(path);
      expect(theirs.headers.get("x-response-cache")).toBe("HIT");
      expect(await theirs.text()).not.toContain(signedIn);
      expect((await anonymous(path, { Cookie: cookie })).headers.get("x-response-cache")).toBeNull();
    }
  });
});

describe("CACHE_MODE=off", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ LOG_LEVEL: "warn", CACHE_MODE: "off" });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("reads every page from the database and says BYPASS", async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/`)).headers.get("x-cache")).toBe("BYPASS");
  });
});
