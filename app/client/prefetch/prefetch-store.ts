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

/** One prefetch this tab made, for the debug panel: where, when, its tags, and what became of it. */
export interface PrefetchSeen {
  url: string;
  at: number;
  state: "loading" | "ready" | "used" | "dropped" | "failed";
  tags: string[] | null;
}

const KEPT = 30;
const seen: PrefetchSeen[] = [];
const listeners = new Set<() => void>();
function changed() {
  for (const listener of listeners) listener();
}
function mark(url: string, state: PrefetchSeen["state"], tags?: string[] | null) {
  const entry = seen.find((e) => e.url === url && (e.state === "loading" || e.state === "ready"));
  if (!entry) return;
  entry.state = state;
  if (tags !== undefined) entry.tags = tags;
  changed();
}

/** This tab's recent prefetches, newest first (the debug panel). */
export const prefetchHistory = {
  list(): readonly PrefetchSeen[] {
    return seen;
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function isPrefetched(normalizedUrl: string): boolean {
  const entry = store.get(normalizedUrl);
  return entry !== undefined && !entry.dirty && Date.now() - entry.startedAt < PREFETCH_TTL_MS;
}

/** Starts a prefetch of `normalizedUrl` with `load` (which must bypass this store). */
export function startPrefetch(normalizedUrl: string, load: () => Promise<Response>): Promise<unknown> {
  if (isPrefetched(normalizedUrl)) return (store.get(normalizedUrl) as Prefetched).response;
  const entry: Prefetched = { startedAt: Date.now(), tags: null, dirty: false, response: Promise.resolve(null) };
  seen.unshift({ url: normalizedUrl, at: entry.startedAt, state: "loading", tags: null });
  seen.length = Math.min(seen.length, KEPT);
  changed();
  entry.response = load().then(
    async (response) => {
      if (response.status !== 200) {
        mark(normalizedUrl, "failed");
        return null;
      }
      entry.tags = parseTagHeader(response.headers.get("X-Cache-Tags"));
      if (!entry.dirty) mark(normalizedUrl, "ready", entry.tags);
      return {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers.entries()],
        body: await response.arrayBuffer(),
      };
    },
    () => {
      mark(normalizedUrl, "failed");
      return null;
    },
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
  if (entry.dirty || Date.now() - entry.startedAt >= PREFETCH_TTL_MS) {
    mark(normalizedUrl, "dropped");
    return undefined;
  }
  const stored = await entry.response;
  if (!stored || entry.dirty) return undefined;
  mark(normalizedUrl, "used");
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
      mark(url, "dropped");
    }
  }
}

export function dropAllPrefetched(): void {
  for (const [url, entry] of store) {
    entry.dirty = true;
    mark(url, "dropped");
  }
  store.clear();
}
