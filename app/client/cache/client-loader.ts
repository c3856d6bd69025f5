import type { ClientLoaderFunctionArgs } from "@remix-run/react";
import type { CacheableRoute } from "./config";
import { cacheKeyOf, routeDataUrl } from "./data-url";
import { isDisplayed } from "./displayed";
import { responseMetaOf } from "./response-meta";
import { localCache } from "./runtime";
import { currentScope } from "./scope";
import { markServedStale, takeForcedFresh } from "./stale-refresh";
import { showTags } from "./visible-tags";

/**
 * A route's `clientLoader`: on a navigation, cached data at once when the cache has it for this
 * user (then the agent revalidates), else the server's data, kept with the response's
 * X-Cache-Tags. Not run on hydration: the server-rendered data is the freshest there is (the
 * agent stores it instead).
 */
export function cachedClientLoader<T = unknown>(routeId: CacheableRoute) {
  return async function clientLoader({ request, serverLoader }: ClientLoaderFunctionArgs): Promise<T> {
    const key = cacheKeyOf(request.url, routeId);
    const cache = localCache();
    const scope = currentScope();
    // Only a navigation to another page answers from the cache; a revalidation always fetches.
    const forced = takeForcedFresh(key);
    if (cache && scope && !forced && !isDisplayed(key)) {
      const hit = cache.get(scope, key);
      if (hit) {
        showTags(routeId, hit.tags);
        markServedStale(key);
        return hit.data as T;
      }
    }
    const data = (await serverLoader()) as T;
    const meta = responseMetaOf(routeDataUrl(request.url, routeId, window.location.origin));
    const owner = meta?.scope ?? scope;
    if (cache && meta && meta.status === 200 && meta.tags.length > 0 && owner) {
      cache.set(owner, key, data, meta.tags);
    }
    showTags(routeId, meta && meta.tags.length > 0 ? meta.tags : null);
    return data;
  };
}
