import { PrefetchPageLinks, useLocation, useMatches, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { isCacheableRoute } from "./cache/config";
import { cacheKeyOf } from "./cache/data-url";
import { setDisplayedKeys } from "./cache/displayed";
import { documentTags } from "./cache/document-tags";
import { onVisiblePurge } from "./cache/purge";
import { localCache } from "./cache/runtime";
import { currentScope, setScope } from "./cache/scope";
import { clearForcedFresh, forceFreshForStale, hasStale } from "./cache/stale-refresh";
import { keepRoutes, showTags } from "./cache/visible-tags";
import { usePrefetching } from "./prefetch/use-prefetching";

/**
 * The browser cache's part of the root component (renders only prefetch links): it keeps the
 * cache's user in step with the root loader, stores the server-rendered data on hydration,
 * revalidates after a stale answer or when another tab purges what this one shows, and prefetches.
 */
export function ClientCacheAgent({ userId }: { userId: number | null }) {
  const matches = useMatches();
  const location = useLocation();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const pages = usePrefetching();

  // The server-rendered page, as hydrated: later data comes through the clientLoaders.
  const hydrated = useRef<{ matches: typeof matches; href: string } | null>({
    matches,
    href: location.pathname + location.search,
  });

  // The user first (a different one clears the cache), then the server-rendered data, once.
  useEffect(() => {
    setScope(userId === null ? "anon" : `user:${userId}`);
    const first = hydrated.current;
    if (!first) return;
    hydrated.current = null;
    const tags = documentTags();
    const cache = localCache();
    const scope = currentScope();
    for (const match of first.matches) {
      // An error page (the loader threw) has no data to keep.
      if (!isCacheableRoute(match.id) || match.data === undefined) continue;
      showTags(match.id, tags);
      if (cache && scope && tags && tags.length > 0) {
        cache.set(scope, cacheKeyOf(first.href, match.id), match.data, tags);
      }
    }
  }, [userId]);

  useEffect(() => onVisiblePurge(() => revalidate.current()), []);

  // What is on screen (before the stale refresh below, which must see the new page as shown).
  const href = location.pathname + location.search;
  useEffect(() => {
    keepRoutes(matches.map((m) => m.id));
    setDisplayedKeys(matches.filter((m) => isCacheableRoute(m.id)).map((m) => cacheKeyOf(href, m.id)));
  }, [matches, href]);

  // Stale-while-revalidate: once a navigation answered from the cache has settled, fetch.
  // biome-ignore lint/correctness/useExhaustiveDependencies: each new location may have been served stale
  useEffect(() => {
    if (navigation.state !== "idle" || revalidator.state !== "idle") return;
    clearForcedFresh();
    if (hasStale()) {
      forceFreshForStale();
      revalidate.current();
    }
  }, [navigation.state, revalidator.state, location.key]);

  return (
    <>
      {pages.map((page) => (
        <PrefetchPageLinks key={page} page={page} />
      ))}
    </>
  );
}
