import { dropAllPrefetched } from "../prefetch/prefetch-store";
import { OWNER_KEY } from "./config";
import { localCache } from "./runtime";

/**
 * Whose data this tab may read from the cache: `user:<id>` or `anon`, or null while unknown (just
 * after a sign-in or sign-out, until a response says). Entries are stored under the scope of the
 * response they came from, and a new owner clears the previous owner's entries.
 */
let scope: string | null = null;

export function currentScope(): string | null {
  return scope;
}

export function setScope(next: string): void {
  let owner: string | null = null;
  try {
    owner = localStorage.getItem(OWNER_KEY);
  } catch {
    // No storage: nothing stored to protect either.
  }
  if (owner !== next) {
    localCache()?.clear();
    dropAllPrefetched();
    try {
      localStorage.setItem(OWNER_KEY, next);
    } catch {
      // As above.
    }
  }
  scope = next;
}

/** Sign-in or sign-out: nothing cached may be shown until the next response names the user. */
export function forgetAll(): void {
  localCache()?.clear();
  dropAllPrefetched();
  scope = null;
  try {
    localStorage.removeItem(OWNER_KEY);
  } catch {
    // As above.
  }
}
