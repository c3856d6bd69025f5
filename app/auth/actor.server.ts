import { redirect } from "@remix-run/node";
import type { ReadLog } from "~/cache/read-log";
import type { Actor, SignedIn } from "~/models/actor";
import { sessionUser } from "~/queries/index.server";
import { sessionCookieOf } from "./session.server";
import { sessionIsLive } from "./session-store.server";

/**
 * Who is asking: the user named by the session cookie, if its session is still live (a row read
 * on every request, so a logout elsewhere counts at once), read through the cached `session.user`
 * query (so a renamed or demoted user is seen at once: the query's tags are purged).
 */

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
  const session = await sessionCookieOf(request);
  if (!session || !(await sessionIsLive(session.sid, session.userId))) return null;
  const { userId } = session;
  return (await sessionUser.read({ userId }, { userId, log: context?.reads })).value;
}

/** For pages: the signed-in user, or a redirect to /login that comes back here afterwards. */
export async function requireUser(request: Request, context?: RequestContext): Promise<SignedIn> {
  const actor = await getActor(request, context);
  if (actor) return actor;
  const url = new URL(request.url);
  throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
}

/**
 * Who sends this cookie, for pages the HTTP server serves itself (the queue dashboard): the
 * signed-in user's role, or null.
 */
export async function actorOfCookie(cookie: string | undefined): Promise<{ role: string } | null> {
  const request = new Request("http://internal/", { headers: cookie ? { cookie } : {} });
  const actor = await getActor(request);
  return actor ? { role: actor.role } : null;
}
