/**
 * Stale-while-revalidate bookkeeping. A clientLoader that answered from the cache marks its key
 * stale; once the navigation has settled, the root agent revalidates and the clientLoader then
 * fetches (the key is "forced fresh" for that one run).
 */
const stale = new Set<string>();
const forced = new Set<string>();

export function markServedStale(key: string): void {
  stale.add(key);
}

export function hasStale(): boolean {
  return stale.size > 0;
}

/** Moves the stale keys to "fetch next time" (right before revalidating). */
export function forceFreshForStale(): void {
  for (const key of stale) forced.add(key);
  stale.clear();
}

/** True once for a key marked by `forceFreshForStale`. */
export function takeForcedFresh(key: string): boolean {
  return forced.delete(key);
}

export function clearForcedFresh(): void {
  forced.clear();
}
