import { verify } from "@node-rs/argon2";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { db } from "~/db/connection.server";
import { users } from "~/db/schema";
import { hashPassword } from "~/lib/password.server";
import type { SignedIn } from "./actor";
import { validate } from "./validation";

const Credentials = z.object({
  email: z.string({ error: "Email is required" }).trim().toLowerCase().email("Enter an email address").max(320),
  password: z.string({ error: "Password is required" }).min(1, "Password is required").max(1024),
});

// A real hash of a random password: verifying against it when the email is unknown takes as long
// as a real check, so response times do not tell which emails exist.
let dummyHash: Promise<string> | undefined;

/** The user whose email and password these are, or null. Validation errors name the field. */
export async function authenticate(input: unknown): Promise<SignedIn | null> {
  const { email, password } = validate(Credentials, input);
  const [user] = await db()
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, email))
    .limit(1);
  if (!user) {
    dummyHash ??= hashPassword(crypto.randomUUID());
    await verify(await dummyHash, password);
    return null;
  }
  if (!(await verify(user.passwordHash, password))) return null;
  return { id: user.id, role: user.role, name: user.name, email: user.email };
}

export async function findUserById(id: number): Promise<SignedIn | null> {
  const [user] = await db()
    .select({ id: users.id, role: users.role, name: users.name, email: users.email })
    .from(users)
    .where(eq(users.id, id))
    .limit(1);
  return user ?? null;
}
