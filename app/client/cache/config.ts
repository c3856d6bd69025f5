/**
 * The browser cache's knobs and names in one place (docs/client.md explains each). localStorage keys
 * under `quill:cache:` are ours; `quill:draft:` belongs to the drafts and is never touched here.
 */
export const CACHE_PREFIX = "quill:cache:";
/** Entry bodies: `quill:cache:e:<build>:<namespace>:<key>`. */
export const ENTRY_PREFIX = `${CACHE_PREFIX}e:`;
/** Advisory last-use times for LRU eviction (losing it only changes eviction order). */
export const LRU_KEY = `${CACHE_PREFIX}lru`;
/** The namespace (user) whose entries are in storage: a different one clears them all. */
export const OWNER_KEY = `${CACHE_PREFIX}owner`;
/** Recent navigations, for the predictor. */
export const NAV_KEY = `${CACHE_PREFIX}nav`;
/** BroadcastChannel name, and the localStorage key of the `storage`-event fallback. */
export const PURGE_CHANNEL = "quill:purge";

/** Cookie that carries a document POST's purged tags to the next page (set by server/flash-purge.ts). */
export const FLASH_COOKIE = "quill_purge";

/** An entry older than this is never shown (even stale-while-revalidate has a limit). */
export const ENTRY_TTL_MS = 30 * 60_000;
/** Total size of our entries in localStorage, in bytes (UTF-16: two per character). */
export const MAX_CACHE_BYTES = 2 * 1024 * 1024;
/** After a purge, data requests skip the HTTP cache and prefetched responses for this long. */
export const PURGE_BYPASS_MS = 5_000;
/** A prefetched response is used by a navigation only this soon after it was asked for. */
export const PREFETCH_TTL_MS = 30_000;

/** Routes whose GET loader data the browser keeps (each exports `clientLoader`). */
export const CACHEABLE_ROUTES = [
  "routes/community._index",
  "routes/community.posts.$postId",
  "routes/stories.$storyId",
  "routes/studio._index",
  "routes/studio.stories.$storyId",
  "routes/studio.chapters.$chapterId",
] as const;
export type CacheableRoute = (typeof CACHEABLE_ROUTES)[number];

export function isCacheableRoute(routeId: string): routeId is CacheableRoute {
  return (CACHEABLE_ROUTES as readonly string[]).includes(routeId);
}
