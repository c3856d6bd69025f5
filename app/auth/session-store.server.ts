import { and, eq, lt } from "drizzle-orm";
import { commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { db, type Transaction } from "~/db/connection.server";
import { sessions } from "~/db/schema";
import { sessionLive } from "~/queries/index.server";

/**
 * Server-side sessions (the `sessions` table): the cookie names a session by its `sid`, and a
 * session is live only while its row exists and has not expired. Every request reads the row
 * through the cached `session.live` query; every write that ends sessions purges the user's
 * `sessions` tag in its commit (docs/decisions/015-sessions-through-the-cache.md), so an ended
 * session is never read as live again, on any instance, once the write has answered.
 */

/** As long as the cookie: a session nobody ends still ends after this. */
export const SESSION_MAX_AGE_S = 60 * 60 * 24 * 30;

/** A new session for this user; its id goes into the cookie. Expired rows of the user are dropped. */
export async function openSession(userId: number): Promise<string> {
  const sid = crypto.randomUUID();
  const now = new Date();
  await db().transaction(async (tx) => {
    await tx.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, now)));
    await tx
      .insert(sessions)
      .values({ id: sid, userId, expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_S * 1000) });
  });
  return sid;
}

/** Whether the cookie's session still stands for this user (not tracked for warming: nobody needs it warm). */
export async function sessionIsLive(sid: string, userId: number): Promise<boolean> {
  const session = (await sessionLive.read({ sid, userId }, { userId, track: false })).value;
  return session !== null && session.expiresAt > Date.now();
}

/** Ends one session (logout). */
export async function revokeSession(sid: string, userId: number): Promise<void> {
  await commitChange("logout", async (tx) => {
    await tx.delete(sessions).where(and(eq(sessions.id, sid), eq(sessions.userId, userId)));
    return { value: undefined, tags: [tags.sessions(userId)] };
  });
}

/** Ends every session of a user ("sign out everywhere"). */
export async function revokeAllSessions(userId: number): Promise<number> {
  const { value } = await commitChange("sign out everywhere", (tx) => deleteAllSessions(tx, userId));
  return value;
}

/**
 * Deletes every session of a user inside a caller's `commitChange` (a password change), which
 * must purge the tags it returns.
 */
export async function deleteAllSessions(tx: Transaction, userId: number): Promise<{ value: number; tags: string[] }> {
  const rows = await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
  return { value: rows.length, tags: [tags.sessions(userId)] };
}
