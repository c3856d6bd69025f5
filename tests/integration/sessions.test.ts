import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getActor } from "~/auth/actor.server";
import { cacheKeys } from "~/cache/keys";
import { tags } from "~/cache/tags";
import { createLoadContext } from "~/http/load-context.server";
import { action as accountAction } from "~/routes/account";
import { action as loginAction } from "~/routes/login";
import { action as logoutAction } from "~/routes/logout";
import { type TestApp, testApp } from "../support/test-app";

/**
 * Sessions that end (issue 11, item 8): the cookie names a server-side session, and logout,
 * "sign out everywhere" and a password change delete it, so a kept copy of the cookie is worthless.
 */
let app: TestApp;
beforeAll(async () => {
  app = await testApp();
});
afterAll(() => app.close());

const BASE = "http://quill.test";
let address = 0;

/** Signs in through the login page's action, from an address of its own (the login limit counts per address). */
async function logIn(email: string, password = "password"): Promise<string> {
  const request = new Request(`${BASE}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password, intent: "login" }),
  });
  const response = (await loginAction({
    request,
    params: {},
    context: createLoadContext(`198.51.100.${++address}`),
  })) as Response;
  expect(response.status).toBe(302);
  return cookieOf(response);
}

function cookieOf(response: Response): string {
  return (response.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
}

async function whoIs(cookie: string) {
  return (await getActor(new Request(`${BASE}/`, { headers: { Cookie: cookie } })))?.email ?? null;
}

function post(path: string, cookie: string, form: Record<string, string>) {
  return new Request(`${BASE}${path}`, {
    method: "POST",
    headers: { Cookie: cookie },
    body: new URLSearchParams(form),
  });
}

async function settled(run: () => Promise<unknown>): Promise<Response> {
  try {
    return (await run()) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe("sessions", () => {
  it("a cookie kept from before a logout is signed out; another session of the user is not", async () => {
    const kept = await logIn("alice@example.com");
    const other = await logIn("alice@example.com");
    expect(await whoIs(kept)).toBe("alice@example.com");
    const out = await settled(() =>
      logoutAction({ request: post("/logout", kept, { intent: "logout" }), params: {}, context: {} as never }),
    );
    expect(out.status).toBe(302);
    expect(out.headers.get("Set-Cookie")).toMatch(/__session=;.*Expires=Thu, 01 Jan 1970/);
    expect(await whoIs(kept)).toBeNull();
    expect(await whoIs(other)).toBe("alice@example.com");
  });

  it("signing out everywhere ends every session of the user, and only theirs", async () => {
    const first = await logIn("bob@example.com");
    const second = await logIn("bob@example.com");
    const alice = await logIn("alice@example.com");
    // Read once each, so the cache holds each session as live before it ends.
    for (const cookie of [first, second]) expect(await whoIs(cookie)).toBe("bob@example.com");
    await settled(() =>
      logoutAction({ request: post("/logout", first, { intent: "everywhere" }), params: {}, context: {} as never }),
    );
    expect(await whoIs(first)).toBeNull();
    expect(await whoIs(second)).toBeNull();
    expect(await whoIs(alice)).toBe("alice@example.com");
  });

  it("a password change ends the other sessions, keeps the changer signed in, and the old password stops working", async () => {
    const changer = await logIn("admin@example.com");
    const elsewhere = await logIn("admin@example.com");
    expect(await whoIs(changer)).toBe("admin@example.com");
    const wrong = await settled(() =>
      accountAction({
        request: post("/account", changer, {
          intent: "change-password",
          currentPassword: "nope",
          newPassword: "new-password-1",
        }),
        params: {},
        context: {} as never,
      }),
    );
    expect((wrong as unknown as { init?: { status?: number } }).init?.status).toBe(400);
    expect(await whoIs(elsewhere)).toBe("admin@example.com");
    const changed = await settled(() =>
      accountAction({
        request: post("/account", changer, {
          intent: "change-password",
          currentPassword: "password",
          newPassword: "new-password-1",
        }),
        params: {},
        context: {} as never,
      }),
    );
    expect(changed.status).toBe(302);
    expect(await whoIs(changer)).toBeNull();
    expect(await whoIs(elsewhere)).toBeNull();
    expect(await whoIs(cookieOf(changed))).toBe("admin@example.com");
    expect(await whoIs(await logIn("admin@example.com", "new-password-1"))).toBe("admin@example.com");
  });

  it("a session another instance ended is signed out here at once, though this process held it in its L1", async () => {
    const cookie = await logIn("bob@example.com");
    expect(await whoIs(cookie)).toBe("bob@example.com");
    expect(await whoIs(cookie)).toBe("bob@example.com"); // now a hit, held in this process's L1
    // What another instance's logout does: the row goes, then the user's sessions tag is purged in
    // Redis (this process hears nothing of it, so its L1 entry stays until a read checks the token).
    const { sessions } = await import("~/db/schema");
    const { eq } = await import("drizzle-orm");
    await app.handle.db.delete(sessions).where(eq(sessions.userId, app.users.bob.id));
    const redis = new Redis(app.redisUrl);
    try {
      await redis.del(cacheKeys(app.namespace).token(tags.sessions(app.users.bob.id)));
    } finally {
      redis.disconnect();
    }
    expect(await whoIs(cookie)).toBeNull();
  });

  it("a forged sid (signed cookie, no session row) is signed out", async () => {
    const { sessionCookie } = await import("~/auth/session.server");
    const forged = (await sessionCookie(app.users.alice.id, crypto.randomUUID())).split(";")[0] ?? "";
    expect(await whoIs(forged)).toBeNull();
  });
});
