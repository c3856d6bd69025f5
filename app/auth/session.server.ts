import { createCookieSessionStorage, redirect } from "@remix-run/node";
import type { ReadLog } from "~/cache/read-log";
import { config } from "~/config.server";
import type { Actor, SignedIn } from "~/models/actor";
import { sessionUser } from "~/queries/index.server";

/**
 * Sessions live in a signed, httpOnly cookie that holds only the user id. SESSION_SECRET may list
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

/** Where a request's cached reads are logged (the load context), so its headers can tell. */
export type RequestContext = { reads?: ReadLog } | undefined;

// The root loader and the route's loader both ask who is signed in: one read per request.
const actorOfRequest = new WeakMap<object, Promise<Actor>>();

/** The signed-in user of this request, or null. */
export function getActor(request: Request, context?: RequestContext): Promise<Actor> {
  const known = context && actorOfRequest.get(context);
  if (known) return known;
  const actor = readActor(request, context);
  if (context) actorOfRequest.set(context, actor);
  return actor;
}

async function readActor(request: Request, context: RequestContext): Promise<Actor> {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  const userId = session.get("userId");
  if (typeof userId !== "number") return null;
  return (await sessionUser.read({ userId }, { userId, log: context?.reads })).value;
}

/** The user id in the request's session cookie (signature checked, user not loaded), or null. */
export async function sessionUserId(request: Request): Promise<number | null> {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  const userId = session.get("userId");
  return typeof userId === "number" ? userId : null;
}

/** For pages: the signed-in user, or a redirect to /login that comes back here afterwards. */
export async function requireUser(request: Request, context?: RequestContext): Promise<SignedIn> {
  const actor = await getActor(request, context);
  if (actor) return actor;
  const url = new URL(request.url);
  throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
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
