import { verify } from "@node-rs/argon2";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { commitChange } from "~/cache/invalidate.server";
import { db } from "~/db/connection.server";
import { users } from "~/db/schema";
import { hashPassword } from "~/lib/password.server";
import { ValidationError } from "~/models/errors";
import { validate } from "~/models/validation";
import { deleteAllSessions, openSession } from "./session-store.server";

const PasswordChange = z.object({
  currentPassword: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(1024),
  newPassword: z
    .string({ error: "Enter a new password" })
    .min(8, "The new password needs at least 8 characters")
    .max(1024, "The new password must be at most 1024 characters"),
});

/**
 * Changes a user's password and ends every session of theirs in the same transaction (whoever
 * held a cookie, or the old password, is out); answers the id of a new session for the browser
 * that made the change. The hash is in no cached value: only the user's sessions are purged.
 */
export async function changePassword(userId: number, input: unknown): Promise<string> {
  const { currentPassword, newPassword } = validate(PasswordChange, input);
  const [user] = await db().select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user || !(await verify(user.hash, currentPassword))) {
    throw new ValidationError({ currentPassword: ["That is not your current password"] });
  }
  const hash = await hashPassword(newPassword);
  await commitChange("password change", async (tx) => {
    await tx.update(users).set({ passwordHash: hash }).where(eq(users.id, userId));
    return deleteAllSessions(tx, userId);
  });
  return openSession(userId);
}
