import type { Role } from "~/db/schema";
import { UnauthorizedError } from "./errors";

/** Who is asking: the signed-in user, or null for an anonymous visitor. */
export type Actor = { id: number; role: Role; name: string; email: string } | null;
export type SignedIn = NonNullable<Actor>;

export function requireSignedIn(actor: Actor): SignedIn {
  if (!actor) throw new UnauthorizedError();
  return actor;
}

/** The result of every mutation: its value and the cache tags the write touched. */
export interface Changed<T> {
  value: T;
  tags: string[];
}
