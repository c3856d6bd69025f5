import { and, eq } from "drizzle-orm";
import { db } from "~/db/connection.server";
import { sessions } from "~/db/schema";

/**
 * A session's row as the cached `session.live` query keeps it (app/queries): when it expires, or
 * null when there is none for this user (ended, or never theirs). Writes to sessions are
 * app/auth/session-store.server.ts's.
 */
export async function findSession(sid: string, userId: number): Promise<{ expiresAt: number } | null> {
  const [row] = await db()
    .select({ expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(and(eq(sessions.id, sid), eq(sessions.userId, userId)))
    .limit(1);
  return row ? { expiresAt: row.expiresAt.getTime() } : null;
}
