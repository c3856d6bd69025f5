import type { AppLoadContext } from "@remix-run/node";
import { actorOfCookie } from "~/auth/actor.server";
import { ReadLog } from "~/cache/read-log";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as the HTTP server saw it (for rate limits). */
    clientAddress: string;
    /** The cached reads this request made, summed up into its X-Cache headers. */
    reads: ReadLog;
  }
}

/**
 * How a request asks to read through both server caches (the debug panel's "reload bypassing both
 * caches", docs/operations.md#the-debug-panel): the header `X-Cache-Bypass: 1`, or the query
 * parameter `_cache=bypass` (a document reload cannot set a header). Honoured for admins only.
 */
export const READ_THROUGH_HEADER = "x-cache-bypass";
export const READ_THROUGH_PARAM = "_cache";

/**
 * Set by the debug panel's keys (components/DebugPanel.tsx) in a browser where it may open: that
 * browser's responses name each read's tags in Server-Timing (they are in X-Cache-Tags anyway).
 */
export const DEBUG_COOKIE = "quill_debug";
const DEBUG_COOKIE_SET = /(?:^|;\s*)quill_debug=1(?:;|$)/;

/** What createLoadContext looks at: Express's request (path-only `url`) or a Fetch one. */
export interface ContextRequest {
  url: string;
  headers: Headers | Record<string, string | string[] | undefined>;
}

function headerOf(request: ContextRequest, name: string): string | undefined {
  const { headers } = request;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether the request asks to read through the server caches (not yet whether it may). */
export function asksToReadThrough(request: ContextRequest): boolean {
  if (headerOf(request, READ_THROUGH_HEADER) === "1") return true;
  return new URL(request.url, "http://local").searchParams.get(READ_THROUGH_PARAM) === "bypass";
}

/**
 * The load context of one request (the HTTP server calls this for each). A request that asks to
 * read through (above) gets its reads loaded from the database, every one a BYPASS, when its
 * session is an admin's; the role is checked once, while the loaders start, and anyone else's
 * request is read as usual.
 */
export function createLoadContext(clientAddress: string, request?: ContextRequest): AppLoadContext {
  const reads = new ReadLog();
  // The debug panel's browser (DEBUG_COOKIE): each read's tags in Server-Timing.
  reads.tagDetail = request !== undefined && DEBUG_COOKIE_SET.test(headerOf(request, "cookie") ?? "");
  if (request && asksToReadThrough(request)) {
    reads.readThrough = actorOfCookie(headerOf(request, "cookie")).then(
      (actor) => actor?.role === "admin",
      () => false,
    );
  }
  return { clientAddress, reads };
}
