/**
 * The cache keys of the data on screen. A loader run for a key already on screen is a
 * revalidation (after an action, a purge, or our own stale refresh), never a navigation: it must
 * fetch, not answer from the cache, or it would show the data from before the change, and our
 * refresh afterwards (a plain revalidation) would wipe the action's result (field errors).
 */
let onScreen = new Set<string>();

export function setDisplayedKeys(keys: readonly string[]): void {
  onScreen = new Set(keys);
}

export function isDisplayed(key: string): boolean {
  return onScreen.has(key);
}
