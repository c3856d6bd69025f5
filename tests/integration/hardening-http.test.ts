import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../support/server-process";

/**
 * Issue 11 through the real HTTP server (the build, Express, a fresh PGlite, the test Redis): what
 * an attacker can send from outside. One server for the file.
 */
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({});
}, 120_000);
afterAll(async () => {
  await server?.stop("SIGKILL");
});

async function signIn(email: string): Promise<string> {
  const response = await fetch(`${server.url}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password: "password", intent: "login" }),
    redirect: "manual",
  });
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  expect(cookie, `signing in as ${email}`).toMatch(/^__session=/);
  return cookie;
}

describe("the API write limit", { timeout: 120_000 }, () => {
  it("counts per signed-in user: an encoded cookie, a case-changed path and a new sign-in share one budget", async () => {
    const cookie = await signIn("bob@example.com");
    // `e` as `%65`: the same cookie once decoded, other raw text.
    const encoded = cookie.replace("__session=e", "__session=%65");
    expect(encoded).not.toBe(cookie);
    const variants = [
      { path: "/studio/api/scenes/999999", cookie },
      { path: "/studio/api/scenes/999999", cookie: encoded },
      { path: "/Studio/API/Scenes/999999", cookie },
    ];
    const write = (v: { path: string; cookie: string }) =>
      fetch(`${server.url}${v.path}`, {
        method: "PATCH",
        headers: { Cookie: v.cookie, "Content-Type": "application/json" },
        body: JSON.stringify({ title: "x" }),
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    // Each variant, on its own, is a signed-in writer whose scene does not exist (404).
    for (const v of variants) expect(await write(v)).toBe(404);
    // 600 writes a minute in all: spend the rest, 10 at a time, spread over the three spellings.
    const statuses: number[] = [];
    for (let i = 3; i < 600; i += 10) {
      const batch = Array.from({ length: Math.min(10, 600 - i) }, (_, j) => write(variants[(i + j) % 3] as never));
      statuses.push(...(await Promise.all(batch)));
    }
    expect(statuses.filter((s) => s !== 404)).toEqual([]);
    for (const v of variants) expect(await write(v), `${v.path} ${v.cookie.slice(0, 14)}`).toBe(429);
    expect(await write({ path: "/studio/api/scenes/999999", cookie: await signIn("bob@example.com") })).toBe(429);
    // Another user has a budget of their own.
    expect(await write({ path: "/studio/api/scenes/999999", cookie: await signIn("alice@example.com") })).toBe(404);
  });
});

describe("bad input is a 4xx, never a 5xx", { timeout: 120_000 }, () => {
  const login = (headers: Record<string, string>, form: Record<string, string>) =>
    fetch(`${server.url}/login`, {
      method: "POST",
      headers,
      body: new URLSearchParams({ intent: "login", ...form }),
      redirect: "manual",
    });

  it("an X-Forwarded-Host other than Host (from a proxy nobody trusts) is ignored", async () => {
    const origin = server.url;
    for (const forwarded of ["evil.example", "evil.example, 127.0.0.1", "f%;", "PTDNcYM.31"]) {
      // A new email each time: the login limit counts per account and address.
      const email = `nobody-${Math.random().toString(36).slice(2)}@example.com`;
      const wrong = await login({ Origin: origin, "X-Forwarded-Host": forwarded }, { email, password: "x" });
      expect(wrong.status, forwarded).toBe(400);
      const right = await login(
        { Origin: origin, "X-Forwarded-Host": forwarded },
        { email: "alice@example.com", password: "password" },
      );
      expect(right.status, forwarded).toBe(302);
      const data = await fetch(`${server.url}/login.data`, {
        method: "POST",
        headers: { Origin: origin, "X-Forwarded-Host": forwarded },
        body: new URLSearchParams({ intent: "login", email: `data-${email}`, password: "x" }),
      });
      expect(data.status, forwarded).toBeLessThan(500);
    }
  });

  it("a foreign, null or broken Origin is 403 whatever Sec-Fetch-Site says", async () => {
    for (const origin of ["http://evil.example", "null", "http://[", "file://"]) {
      for (const site of ["same-origin", "none", "same-site"]) {
        const page = await login({ Origin: origin, "Sec-Fetch-Site": site }, { email: "x@example.com", password: "x" });
        expect(page.status, `${origin} ${site}`).toBe(403);
        const options = await fetch(`${server.url}/community/posts/1.data`, {
          method: "OPTIONS",
          headers: { Origin: origin, "Sec-Fetch-Site": site },
        });
        expect(options.status, `OPTIONS ${origin} ${site}`).toBe(403);
      }
    }
  });

  it("redirect targets with %0A %0D %00 %E2%80%A8 go to /studio, signed in or signing in", async () => {
    const cookie = await signIn("alice@example.com");
    for (const bad of [
      "%0A",
      "%0D",
      "%00",
      "%E2%80%A8",
      "/%0A/evil.example",
      "/%09/evil.example",
      "%0D%0ASet-Cookie:x=1",
    ]) {
      const get = await fetch(`${server.url}/login?redirectTo=${bad}`, {
        headers: { Cookie: cookie },
        redirect: "manual",
      });
      expect(get.status, bad).toBe(302);
      expect(get.headers.get("location"), bad).toBe("/studio");
      const post = await login(
        {},
        { email: "alice@example.com", password: "password", redirectTo: decodeURIComponent(bad) },
      );
      expect(post.status, bad).toBe(302);
      expect(post.headers.get("location"), bad).toBe("/studio");
    }
  });
});

describe("in production", { timeout: 120_000 }, () => {
  const token = "a-metrics-token-for-the-test";
  let production: RunningServer;
  beforeAll(async () => {
    production = await startServer({
      NODE_ENV: "production",
      SESSION_SECRET: "a-session-secret-of-32-characters",
      SEED_DEMO: "1",
      METRICS_TOKEN: token,
    });
  }, 120_000);
  afterAll(async () => {
    await production?.stop("SIGKILL");
  });

  it("marks every cookie Secure: the session's and the flash purge cookie", async () => {
    const login = await fetch(`${production.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ email: "alice@example.com", password: "password", intent: "login" }),
      redirect: "manual",
    });
    const session = login.headers.get("set-cookie") ?? "";
    expect(session).toMatch(/^__session=/);
    expect(session).toMatch(/;\s*Secure/i);
    const cookie = session.split(";")[0] as string;
    // A document POST (no JavaScript) that purges: its tags ride in the quill_purge cookie.
    const post = await fetch(`${production.url}/community`, {
      method: "POST",
      headers: { Cookie: cookie, Accept: "text/html", "Sec-Fetch-Dest": "document" },
      body: new URLSearchParams({ intent: "create-post", title: "Secure cookies", body: "All of them." }),
      redirect: "manual",
    });
    expect(post.status).toBe(302);
    const flash = post.headers.getSetCookie().find((c) => c.startsWith("quill_purge="));
    expect(flash, post.headers.getSetCookie().join(" | ")).toBeDefined();
    expect(flash).toMatch(/;\s*Secure/i);
  });

  it("shows /readyz details only to loopback callers or the METRICS_TOKEN bearer", async () => {
    const local = (await (await fetch(`${production.url}/readyz`)).json()) as Record<string, unknown>;
    expect(local).toHaveProperty("database");
    expect(local).toHaveProperty("redis");
    const proxied = await fetch(`${production.url}/readyz`, { headers: { "X-Forwarded-For": "203.0.113.9" } });
    expect(proxied.status).toBe(200);
    expect(await proxied.json()).toEqual({ ok: true });
    const wrongToken = await fetch(`${production.url}/readyz`, {
      headers: { "X-Forwarded-For": "203.0.113.9", Authorization: "Bearer not-the-token-at-all-no" },
    });
    expect(await wrongToken.json()).toEqual({ ok: true });
    const withToken = await fetch(`${production.url}/readyz`, {
      headers: { "X-Forwarded-For": "203.0.113.9", Authorization: `Bearer ${token}` },
    });
    expect(await withToken.json()).toHaveProperty("database");
  });
});
