import { getActor } from "./session.server";

/**
 * Who sends this cookie, for pages the HTTP server serves itself (the queue dashboard): the
 * signed-in user's role, or null.
 */
export async function actorOfCookie(cookie: string | undefined): Promise<{ role: string } | null> {
  const request = new Request("http://internal/", { headers: cookie ? { cookie } : {} });
  const actor = await getActor(request);
  return actor ? { role: actor.role } : null;
}
