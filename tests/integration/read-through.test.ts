import type { LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoadContext } from "~/http/load-context.server";
import { loader as communityLoader } from "~/routes/community._index";
import { action as loginAction } from "~/routes/login";
import { type TestApp, testApp } from "../support/test-app";

/**
 * Issue 9, the debug panel's "reload bypassing both caches": a request that asks to read through
 * (`X-Cache-Bypass: 1` or `?_cache=bypass`) has every read loaded from the database and reported
 * BYPASS, for an admin only; anyone else's request reads the cache as usual.
 */
let app: TestApp;
let address = 0;
beforeAll(async () => {
  app = await testApp();
});
afterAll(() => app?.close());

const BASE = "http://quill.test";

async function logIn(email: string): Promise<string> {
  const request = new Request(`${BASE}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password: "password", intent: "login" }),
  });
  const response = (await loginAction({
    request,
    params: {},
    context: createLoadContext(`198.51.100.${++address}`),
  })) as Response;
  return (response.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
}

/** The community page's loader for a request with these headers: the statuses of its reads. */
async function statuses(path: string, headers: Record<string, string>) {
  const request = new Request(`${BASE}${path}`, { headers });
  const context = createLoadContext("127.0.0.1", { url: path, headers: new Headers(headers) });
  await (communityLoader as (args: LoaderFunctionArgs) => Promise<unknown>)({ request, params: {}, context });
  return { status: context.reads.status(), reads: context.reads.reads.map((r) => r.status) };
}

describe("reading through both server caches", () => {
  it("loads every read of an admin's request from the database (BYPASS), by header or query parameter", async () => {
    const admin = await logIn("admin@example.com");
    await statuses("/community", {});
    expect((await statuses("/community", {})).status).toBe("hit");

    const byHeader = await statuses("/community", { cookie: admin, "x-cache-bypass": "1" });
    expect(byHeader.reads.length).toBeGreaterThan(0);
    expect(byHeader.reads.every((s) => s === "bypass")).toBe(true);
    expect(byHeader.status).toBe("bypass");
    const byParam = await statuses("/community?_cache=bypass", { cookie: admin });
    expect(byParam.status).toBe("bypass");
    expect(byParam.reads.every((s) => s === "bypass")).toBe(true);
    // Without the ask, the admin's own request reads the cache (its own reads miss once, then hit).
    await statuses("/community", { cookie: admin });
    expect((await statuses("/community", { cookie: admin })).status).toBe("hit");
  });

  it("ignores the ask from anyone but an admin", async () => {
    const alice = await logIn("alice@example.com");
    await statuses("/community", {});
    await statuses("/community", { cookie: alice });
    expect((await statuses("/community", { "x-cache-bypass": "1" })).status).toBe("hit");
    expect((await statuses("/community?_cache=bypass", { cookie: alice })).status).toBe("hit");
    expect((await statuses("/community", { cookie: alice, "x-cache-bypass": "1" })).status).toBe("hit");
  });
});
