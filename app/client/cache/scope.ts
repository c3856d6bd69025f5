import { dropAllPrefetched } from "../prefetch/prefetch-store";
import { CACHE_PREFIX, OWNER_KEY } from "./config";
import { localCache } from "./runtime";

/**
 * Whose data this tab may read from the cache: `user:<id>` or `anon`, or null while unknown (just
 * after a sign-in or sign-out, until a response says). Entries are stored under the scope of the
 * response they came from, and a new owner clears the previous owner's entries.
 */
let scope: string | null = null;
/** Counts owner changes (sign-in, sign-out): what a tab remembers across one is not kept. */
let epoch = 0;

/** Changes whenever the cache's owner does: a navigation that spans a change is not recorded. */
export function scopeEpoch(): number {
  return epoch;
}

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
    epoch++;
    localCache()?.clear();
    removeAllCacheKeys();
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
  epoch++;
  localCache()?.clear();
  removeAllCacheKeys();
  dropAllPrefetched();
  scope = null;
}

/**
 * Every `quill:cache:` key (entries, LRU record, owner, navigation history): what one user did
 * must not be readable after they signed out. Drafts (`quill:draft:`) are not ours to drop.
 */
function removeAllCacheKeys(): void {
  try {
    const ours: string[] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith(CACHE_PREFIX)) ours.push(key);
    }
    for (const key of ours) localStorage.removeItem(key);
  } catch {
    // As above.
  }
}
