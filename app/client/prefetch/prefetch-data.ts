import { matchRoutes } from "@remix-run/react";
import { isCacheableRoute } from "../cache/config";
import { routeDataUrl } from "../cache/data-url";
import { rawFetch } from "../cache/fetch-wrapper";
import { purgeLog } from "../cache/runtime";
import { isPrefetched, startPrefetch } from "./prefetch-store";

declare global {
  interface Window {
    /** The data router Remix creates in the browser. */
    __remixRouter?: { routes: Parameters<typeof matchRoutes>[0] };
  }
}

/** The deepest route of a page URL, if the router already knows it (lazy discovery may not yet). */
export function leafRouteOf(href: string): string | undefined {
  const routes = window.__remixRouter?.routes;
  if (!routes) return undefined;
  const url = new URL(href, window.location.href);
  const matches = matchRoutes(routes, url.pathname);
  return matches?.[matches.length - 1]?.route.id;
}

/**
 * Prefetches the server data of a page whose route has a clientLoader (Remix's `<Link prefetch>`
 * skips those): into memory, used once by the next navigation there, dropped by any purge that
 * touches it. Returns false when there was nothing to do.
 */
export function prefetchRouteData(href: string): Promise<unknown> | false {
  const routeId = leafRouteOf(href);
  if (!routeId || !isCacheableRoute(routeId) || purgeLog.bypassing()) return false;
  const dataUrl = routeDataUrl(href, routeId, window.location.origin);
  if (isPrefetched(dataUrl)) return false;
  return startPrefetch(dataUrl, () => rawFetch(dataUrl, { cache: "no-store", credentials: "same-origin" }));
}
