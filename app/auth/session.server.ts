import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { config } from "~/config.server";
import { openSession, revokeAllSessions, revokeSession, SESSION_MAX_AGE_S } from "./session-store.server";

/**
 * The session cookie (who the user is comes from actor.server.ts). A signed, httpOnly cookie holds
 * the user id and the session's `sid`; the session itself lives in the database
 * (session-store.server.ts), so logout, "sign out everywhere" and a password change end it for
 * good. SESSION_SECRET may list several secrets, newest first: the first signs new cookies, all of
 * them verify (rotation).
 */
let storage: ReturnType<typeof createCookieSessionStorage<{ userId: number; sid: string }>> | undefined;

function sessionStorage() {
  const cfg = config();
  storage ??= createCookieSessionStorage<{ userId: number; sid: string }>({
    cookie: {
      name: "__session",
      httpOnly: true,
      sameSite: "lax",
      secure: cfg.isProduction,
      path: "/",
      secrets: cfg.sessionSecrets,
      maxAge: SESSION_MAX_AGE_S,
    },
  });
  return storage;
}

/**
 * The user id in the request's session cookie (signature checked; neither the user nor the
 * session's row read: for hints such as X-Cache-Scope), or null.
 */
export async function sessionUserId(request: Request): Promise<number | null> {
  return (await sessionCookieOf(request))?.userId ?? null;
}

/** The user id and session id the request's cookie names (signature checked, row not read), or null. */
export async function sessionCookieOf(request: Request): Promise<{ userId: number; sid: string } | null> {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  const userId = session.get("userId");
  const sid = session.get("sid");
  return typeof userId === "number" && typeof sid === "string" ? { userId, sid } : null;
}

/** The Set-Cookie value of a session cookie naming this user and session. */
export async function sessionCookie(userId: number, sid: string): Promise<string> {
  const store = sessionStorage();
  const session = await store.getSession();
  session.set("userId", userId);
  session.set("sid", sid);
  return store.commitSession(session);
}

/** Opens a new session (its own row and `sid`) and redirects with its cookie. */
export async function signIn(request: Request, userId: number, redirectTo: string) {
  const previous = await sessionCookieOf(request);
  if (previous) await revokeSession(previous.sid, previous.userId);
  const cookie = await sessionCookie(userId, await openSession(userId));
  return redirect(safeRedirect(redirectTo), { headers: { "Set-Cookie": cookie } });
}

/** Ends this session (its row is deleted: the cookie is worthless even if kept) and clears the cookie. */
export async function signOut(request: Request) {
  const current = await sessionCookieOf(request);
  if (current) await revokeSession(current.sid, current.userId);
  return redirect("/", { headers: { "Set-Cookie": await clearedSessionCookie() } });
}

/** Ends every session of the signed-in user, this one included. */
export async function signOutEverywhere(request: Request) {
  const current = await sessionCookieOf(request);
  if (current) await revokeAllSessions(current.userId);
  return redirect("/", { headers: { "Set-Cookie": await clearedSessionCookie() } });
}

async function clearedSessionCookie(): Promise<string> {
  const store = sessionStorage();
  return store.destroySession(await store.getSession());
}

/**
 * Only paths of this site: the target must start with one `/`, hold no backslash and no control or
 * line-separator character (browsers drop a tab or a newline and would follow `/\t/evil.example` to
 * `//evil.example`), and still be same-origin once parsed as a URL.
 */
export function safeRedirect(to: unknown, fallback = "/studio"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.includes("\\")) return fallback;
  for (const char of to) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) return fallback;
  }
  const base = "http://quill.invalid";
  let url: URL;
  try {
    url = new URL(to, base);
  } catch {
    return fallback;
  }
  return url.origin === base ? url.pathname + url.search + url.hash : fallback;
}
