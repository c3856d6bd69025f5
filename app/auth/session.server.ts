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

/** Only same-site paths: never `//evil.example` or an absolute URL. */
export function safeRedirect(to: unknown, fallback = "/studio"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
