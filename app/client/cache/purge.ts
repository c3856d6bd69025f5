import { purgePrefetched } from "../prefetch/prefetch-store";
import type { PurgeBroadcast } from "./broadcast";
import { purgeHistory } from "./purge-history";
import { localCache, purgeLog } from "./runtime";
import { showsAnyOf } from "./visible-tags";

type Listener = (tags: string[]) => void;
const visiblePurgeListeners = new Set<Listener>();
let broadcast: PurgeBroadcast | undefined;

export function setPurgeBroadcast(channel: PurgeBroadcast): void {
  broadcast = channel;
}

/** Called with the tags when a purge hits data on screen that Remix will not reload by itself. */
export function onVisiblePurge(listener: Listener): () => void {
  visiblePurgeListeners.add(listener);
  return () => visiblePurgeListeners.delete(listener);
}

export type PurgeOrigin =
  /** A Remix action of this tab: Remix revalidates the page afterwards anyway. */
  | "action"
  /** Any other response of this tab (JSON API calls): nobody else revalidates. */
  | "fetch"
  /** Another tab. */
  | "remote"
  /** The flash cookie of a document POST, on hydration. */
  | "flash";

/**
 * Removes what `tags` name from the local cache and the prefetched responses, synchronously, then
 * tells the other tabs (unless the purge came from one) and revalidates data on screen.
 */
export function purgeTags(tags: readonly string[], origin: PurgeOrigin, source?: string): void {
  if (tags.length === 0) return;
  purgeLog.record();
  purgeHistory.record({ tags: [...tags], at: Date.now(), origin, source });
  localCache()?.purge(tags);
  purgePrefetched(tags);
  if (origin !== "remote") broadcast?.post(tags);
  if (origin !== "action" && showsAnyOf(tags)) {
    for (const listener of visiblePurgeListeners) listener([...tags]);
  }
}
