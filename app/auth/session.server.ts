import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { config } from "~/config.server";

/**
 * Session cookie storage, nothing more (who the user is comes from actor.server.ts). Sessions live
 * in a signed, httpOnly cookie that holds only the user id. SESSION_SECRET may list
 * several secrets, newest first: the first signs new cookies, all of them verify (rotation).
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
      maxAge: 60 * 60 * 24 * 30,
    },
  });
  return storage;
}

/** The user id in the request's session cookie (signature checked, user not loaded), or null. */
export async function sessionUserId(request: Request): Promise<number | null> {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  const userId = session.get("userId");
  return typeof userId === "number" ? userId : null;
}

export async function signIn(request: Request, userId: number, redirectTo: string) {
  const store = sessionStorage();
  const session = await store.getSession(request.headers.get("Cookie"));
  session.set("userId", userId);
  // A random id per sign-in: two sessions of one user are two cookies (rate limits count per session).
  session.set("sid", crypto.randomUUID());
  return redirect(safeRedirect(redirectTo), { headers: { "Set-Cookie": await store.commitSession(session) } });
}

export async function signOut(request: Request) {
  const store = sessionStorage();
  const session = await store.getSession(request.headers.get("Cookie"));
  return redirect("/", { headers: { "Set-Cookie": await store.destroySession(session) } });
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
