import { openPurgeBroadcast } from "./cache/broadcast";
import { installFetchWrapper } from "./cache/fetch-wrapper";
import { takeFlashPurge } from "./cache/flash-cookie";
import { purgeTags, setPurgeBroadcast } from "./cache/purge";
import { localCache } from "./cache/runtime";

/**
 * Runs in entry.client before hydration: the fetch wrapper must see the very first data request,
 * and a document POST's purge (the flash cookie) must happen before anything reads the cache.
 */
export function installClientCache(): void {
  try {
    localCache()?.sweep();
    installFetchWrapper();
    setPurgeBroadcast(openPurgeBroadcast((tags) => purgeTags(tags, "remote")));
    const flashed = takeFlashPurge();
    if (flashed.length > 0) purgeTags(flashed, "flash");
  } catch (error) {
    // The cache is an optimisation: the app must hydrate without it.
    console.error("client cache disabled", error);
  }
}
