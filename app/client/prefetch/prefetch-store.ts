import { parseTagHeader } from "~/cache/tags";
import { PREFETCH_TTL_MS } from "../cache/config";
import { tagsIntersect } from "../cache/tag-set";

/** A prefetched single-fetch response, kept in memory (never the HTTP cache) until used once. */
interface StoredResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: ArrayBuffer;
}

interface Prefetched {
  startedAt: number;
  /** Its X-Cache-Tags once it arrived. */
  tags: string[] | null;
  /** A purge happened while it was in flight: it may hold data from before the write. */
  dirty: boolean;
  response: Promise<StoredResponse | null>;
}

const store = new Map<string, Prefetched>();

export function isPrefetched(normalizedUrl: string): boolean {
  const entry = store.get(normalizedUrl);
  return entry !== undefined && !entry.dirty && Date.now() - entry.startedAt < PREFETCH_TTL_MS;
}

/** Starts a prefetch of `normalizedUrl` with `load` (which must bypass this store). */
export function startPrefetch(normalizedUrl: string, load: () => Promise<Response>): Promise<unknown> {
  if (isPrefetched(normalizedUrl)) return (store.get(normalizedUrl) as Prefetched).response;
  const entry: Prefetched = { startedAt: Date.now(), tags: null, dirty: false, response: Promise.resolve(null) };
  entry.response = load().then(
    async (response) => {
      if (response.status !== 200) return null;
      entry.tags = parseTagHeader(response.headers.get("X-Cache-Tags"));
      return {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers.entries()],
        body: await response.arrayBuffer(),
      };
    },
    () => null,
  );
  store.set(normalizedUrl, entry);
  return entry.response;
}

/**
 * The prefetched response for a URL, used once; undefined when there is none, it is too old, or a
 * purge may have made it stale (a write since the hover must show after the click).
 */
export async function takePrefetched(normalizedUrl: string): Promise<Response | undefined> {
  const entry = store.get(normalizedUrl);
  if (!entry) return undefined;
  store.delete(normalizedUrl);
  if (entry.dirty || Date.now() - entry.startedAt >= PREFETCH_TTL_MS) return undefined;
  const stored = await entry.response;
  if (!stored || entry.dirty) return undefined;
  return new Response(stored.body, {
    status: stored.status,
    statusText: stored.statusText,
    headers: stored.headers,
  });
}

/** A purge: drops prefetched responses with those tags, and every one still in flight. */
export function purgePrefetched(tags: readonly string[]): void {
  for (const [url, entry] of store) {
    if (entry.tags === null || tagsIntersect(entry.tags, tags)) {
      entry.dirty = true;
      store.delete(url);
    }
  }
}

export function dropAllPrefetched(): void {
  for (const entry of store.values()) entry.dirty = true;
  store.clear();
}
