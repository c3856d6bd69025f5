import { mkdtempSync, symlinkSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, type RunningServer, redisServerAvailable, startServer } from "../support/server-process";

/** A PATH that has node but no redis-server, to play a machine without Redis. */
function pathWithoutRedis(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bin-"));
  symlinkSync(process.execPath, path.join(dir, "node"));
  return dir;
}

// Each test starts a server process (a PGlite, migrations, the demo seed): slow on a busy machine.
describe("the HTTP server process", { timeout: 90_000 }, () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop("SIGKILL");
    server = undefined;
  });

  it("refuses to start on a bad variable and names it", async () => {
    server = await startServer({ PORT: "eighty" });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/PORT/);
  });

  it("serves every page from the database when no Redis can be had, and says so once", async () => {
    const port = await freePort();
    server = await startServer({ REDIS_URL: `redis://127.0.0.1:${port}`, PATH: pathWithoutRedis() });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { ok: boolean; database: { ok: boolean }; redis: { ok: boolean } };
    expect(body).toMatchObject({ ok: true, database: { ok: true }, redis: { ok: false } });
    expect((await fetch(`${server.url}/login`)).status).toBe(200);
    const login = await fetch(`${server.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ email: "alice@example.com", password: "password" }),
      redirect: "manual",
    });
    expect(login.status).toBe(302);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    // Each page, anonymous and signed in, with the demo data it shows: read from the database.
    const pages: [path: string, shows: string, signedIn?: boolean][] = [
      ["/", "The Lighthouse Keeper"],
      ["/stories/1", "The Lighthouse Keeper"],
      ["/community", "What are you writing this week?"],
      ["/community/posts/1", "The lamps along the quay came on one by one."],
      ["/studio", "Notes for a Winter Novel", true],
      ["/studio/stories/1", "Where it begins.", true],
    ];
    for (const [page, shows, signedIn] of pages) {
      const response = await fetch(`${server.url}${page}`, { headers: signedIn ? { cookie } : {} });
      expect(response.status, page).toBe(200);
      expect(response.headers.get("x-cache"), page).toBe("BYPASS");
      expect(await response.text(), page).toContain(shows);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(server.output().match(/caching and warming are OFF/g)?.length).toBe(1);
  });

  it.runIf(redisServerAvailable)(
    "starts a redis-server of its own when none answers, and stops it on SIGTERM",
    async () => {
      const port = await freePort();
      server = await startServer({ REDIS_URL: `redis://127.0.0.1:${port}` });
      expect(server.output()).toMatch(/Started redis-server/);
      const body = (await (await fetch(`${server.url}/readyz`)).json()) as { redis: { ok: boolean } };
      expect(body.redis.ok).toBe(true);
      expect(await server.stop("SIGTERM")).toBe(0);
      expect(server.output()).toMatch(/stopped/);
      const stillThere = await fetch(`http://127.0.0.1:${port}`).then(
        () => true,
        () => false,
      );
      expect(stillThere).toBe(false);
    },
  );
});

// One server for the two tests below: neither changes what the other checks (a sign-in, refused
// writes), and a start is 10–20 s of this file on the busy machine.
describe("the HTTP server process with its defaults", { timeout: 90_000 }, () => {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    server = await startServer({});
  }, 120_000);
  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("answers liveness and refuses cross-site writes", async () => {
    if (!server) throw new Error("no server");
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    const crossSite = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: { Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: "email=alice@example.com&password=password",
      redirect: "manual",
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: { Origin: server.url, "Content-Type": "application/x-www-form-urlencoded" },
      body: "email=alice@example.com&password=password",
      redirect: "manual",
    });
    expect(sameSite.status).toBe(302);
    expect(sameSite.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it("answers every unknown URL and id with the 404 page, titled as one, and never keeps it", async () => {
    if (!server) throw new Error("no server");
    const login = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "email=alice@example.com&password=password",
      redirect: "manual",
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const anonymous = ["/no-such-page", "/stories/999999", "/stories/abc", "/community/posts/999999", "/community/x/y"];
    const signedIn = ["/studio/stories/999999", "/studio/chapters/999999", "/studio/scenes/999999", "/no-such-page"];
    const cases = [
      ...anonymous.map((path) => ({ path, headers: {} })),
      ...signedIn.map((path) => ({ path, headers: { Cookie: cookie } })),
    ];
    for (const { path, headers } of cases) {
      for (let i = 0; i < 2; i++) {
        const page = await fetch(`${server.url}${path}`, { headers });
        const html = await page.text();
        expect(page.status, path).toBe(404);
        expect(html, path).toContain("<title>Page not found — Quill</title>");
        expect(html, path).toMatch(/<h1[^>]*>Page not found<\/h1>/);
        expect(html, path).toContain('href="/community"');
        // Not on the page (the development build's hydration data still carries Remix's message).
        expect(html.split("<script")[0], path).not.toContain("No route matches URL");
        expect(page.headers.get("x-response-cache"), path).toBeNull();
      }
    }
  });

  it("bounds every body before the app reads it, answers 4xx for what is not a form, and never redirects off-site", async () => {
    if (!server) throw new Error("no server");
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    // A 100 MB body announced: refused at once, the connection closed without reading it.
    const huge = await new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      const request = http.request(`${server?.url}/login`, {
        method: "POST",
        headers: { ...form, "Content-Length": String(100 * 1024 * 1024) },
      });
      request.on("response", (response) => {
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection });
        response.resume();
        request.destroy();
      });
      request.on("error", reject);
      request.write("email=a");
    });
    expect(huge).toEqual({ status: 413, connection: "close" });
    // Streamed without a length: stopped at the same limit where the form is read.
    const chunked = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: form,
      body: new Blob(["x".repeat(2 * 1024 * 1024)]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    for (const [type, body] of [
      ["application/json", '{"email":"alice@example.com"}'],
      ["text/plain", "hello"],
      ["multipart/form-data; boundary=x", "--y\r\n"],
    ] as const) {
      const answer = await fetch(`${server.url}/login`, { method: "POST", headers: { "Content-Type": type }, body });
      expect([type, answer.status]).toEqual([type, type.startsWith("multipart") ? 400 : 415]);
    }
    const login = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: form,
      body: `email=alice@example.com&password=password&redirectTo=${encodeURIComponent("/\t/evil.example")}`,
      redirect: "manual",
    });
    expect(login.status).toBe(302);
    expect(login.headers.get("location")).toBe("/studio");
  });
});
