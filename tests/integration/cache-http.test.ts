import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../support/server-process";

/**
 * The HTTP contract of the cache (docs/design.md#response-headers) on a real server process: X-Cache, X-Cache-Tags and
 * Server-Timing on cached GETs (documents and single-fetch data), X-Cache-Invalidate on writes,
 * and a write through the API always visible to the next read.
 */
describe("cache headers and read-your-writes over HTTP", () => {
  let server: RunningServer;
  let cookie: string;

  beforeAll(async () => {
    server = await startServer({ LOG_LEVEL: "warn" });
    const login = await fetch(`${server.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ email: "alice@example.com", password: "password" }),
      redirect: "manual",
    });
    cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^__session=/);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("answers a cached page MISS, then HIT, with its tags and timings", async () => {
    const first = await fetch(`${server.url}/`);
    const second = await fetch(`${server.url}/`);
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.headers.get("x-cache-tags")).toBe("stories:published");
    expect(second.headers.get("server-timing")).toMatch(
      /cache;dur=[\d.]+, db;dur=0.00, q0;desc="stories.published hit"/,
    );
    const data = await fetch(`${server.url}/_root.data`);
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
