import { hash } from "@node-rs/argon2";

/** An argon2id hash of a password (the library's defaults), as the users table stores it. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}
