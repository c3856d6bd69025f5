import { and, eq, gt, lt } from "drizzle-orm";
import { db, type Transaction } from "~/db/connection.server";
import { sessions } from "~/db/schema";

/**
 * Server-side sessions (the `sessions` table): the cookie names a session by its `sid`, and a
 * session is live only while its row exists and has not expired. Every request reads the row by
 * primary key (no cache in front of it), so a revocation holds at once on every instance.
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

/** Whether the cookie's session still stands for this user. */
export async function sessionIsLive(sid: string, userId: number): Promise<boolean> {
  const [row] = await db()
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.id, sid), eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())))
    .limit(1);
  return row !== undefined;
}

/** Ends one session (logout). */
export async function revokeSession(sid: string): Promise<void> {
  await db().delete(sessions).where(eq(sessions.id, sid));
}

/** Ends every session of a user ("sign out everywhere", a password change), inside `tx` when given. */
export async function revokeAllSessions(userId: number, tx?: Transaction): Promise<number> {
  const rows = await (tx ?? db()).delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
  return rows.length;
}
