/**
 * The URLs single fetch asks for. A route with a `clientLoader` gets its server data alone, from
 * `<path>.data?_routes=<routeId>` (`/_root.data` for `/`), which is what we cache and prefetch.
 */

/** Path and sorted query: two spellings of one request compare equal. */
export function normalizeUrl(url: URL): string {
  const params = [...url.searchParams.entries()].sort(([a, x], [b, y]) =>
    a === b ? x.localeCompare(y) : a.localeCompare(b),
  );
  const query = new URLSearchParams(params).toString();
  return query ? `${url.pathname}?${query}` : url.pathname;
}

/** The single-fetch URL of one route's server loader for a page URL. */
export function routeDataUrl(pageUrl: string | URL, routeId: string, origin = "http://localhost"): string {
  const url = new URL(pageUrl, origin);
  url.pathname = url.pathname === "/" ? "/_root.data" : `${url.pathname.replace(/\/$/, "")}.data`;
  // Remix drops a bare `?index` (the index route is implied by the URL).
  const kept = url.searchParams.getAll("index").filter(Boolean);
  url.searchParams.delete("index");
  for (const value of kept) url.searchParams.append("index", value);
  url.searchParams.set("_routes", routeId);
  return normalizeUrl(url);
}

/** The localStorage key of a page's data for one route: route id, path, query. */
export function cacheKeyOf(pageUrl: string | URL, routeId: string, origin = "http://localhost"): string {
  const url = new URL(pageUrl, origin);
  url.searchParams.delete("index");
  url.searchParams.delete("_routes");
  return `${routeId}|${normalizeUrl(url)}`;
}

export function isDataRequestPath(pathname: string): boolean {
  return pathname.endsWith(".data");
}
