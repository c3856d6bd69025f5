import type { Role } from "~/db/schema";
import { UnauthorizedError } from "./errors";

/** Who is asking: the signed-in user, or null for an anonymous visitor. */
export type Actor = { id: number; role: Role; name: string; email: string } | null;
export type SignedIn = NonNullable<Actor>;

/** Enough of a user to check what they may do (a cached query knows only the user id). */
export type Reader = { id: number } | null;

export function requireSignedIn<T extends { id: number }>(actor: T | null): T {
  if (!actor) throw new UnauthorizedError();
  return actor;
}
