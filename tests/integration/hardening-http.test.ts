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
