/**
 * The tags of the data each route on screen shows, so a purge from another tab revalidates only
 * tabs that show purged data. Unknown tags (null) count as matching every purge.
 */
const shown = new Map<string, string[] | null>();

export function showTags(routeId: string, tags: string[] | null): void {
  shown.set(routeId, tags);
}

/** Forgets routes that are no longer on screen. */
export function keepRoutes(routeIds: readonly string[]): void {
  for (const id of [...shown.keys()]) if (!routeIds.includes(id)) shown.delete(id);
}

export function showsAnyOf(tags: readonly string[]): boolean {
  const wanted = new Set(tags);
  for (const list of shown.values()) {
    if (list === null || wanted.has("*") || list.some((t) => wanted.has(t))) return true;
  }
  return false;
}
