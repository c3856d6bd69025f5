import { parseTagHeader } from "~/cache/tags";
import { takePrefetched } from "../prefetch/prefetch-store";
import { isDataRequestPath, normalizeUrl } from "./data-url";
import { type PurgeOrigin, purgeTags } from "./purge";
import { recordResponseMeta } from "./response-meta";
import { purgeLog } from "./runtime";
import { forgetAll, setScope } from "./scope";

const AUTH_PATHS = /^\/(?:login|logout)(?:\.data)?$/;

let networkFetch: typeof fetch | undefined;

/** The unwrapped fetch: prefetches go straight to the network and are observed when used. */
export function rawFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return (networkFetch ?? fetch)(input, init);
}

function requestUrl(input: RequestInfo | URL): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

function requestMethod(input: RequestInfo | URL, init?: RequestInit): string {
  return (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
}

/**
 * Remix hands no response headers to app code, so every same-origin response passes through here
 * first: X-Cache-Invalidate purges (before Remix even reads the body), X-Cache-Scope names the
 * user, X-Cache-Tags are kept for the clientLoader. Data GETs are served from a prefetch when one
 * is fresh, and skip every cache for a short window after a purge.
 */
export function installFetchWrapper(): void {
  if (networkFetch) return;
  const original = window.fetch.bind(window);
  networkFetch = original;

  window.fetch = async function quillFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = new URL(requestUrl(input), window.location.href);
    if (url.origin !== window.location.origin) return original(input, init);
    const method = requestMethod(input, init);
    const dataGet = method === "GET" && isDataRequestPath(url.pathname);
    let response: Response | undefined;
    if (dataGet) {
      if (purgeLog.bypassing()) init = { ...init, cache: "no-store" };
      else response = await takePrefetched(normalizeUrl(url));
    }
    response ??= await original(input, init);
    observe(response, url, method);
    return response;
  };
}

/** Reads the cache headers of a same-origin response (synchronously, before anyone reads its body). */
export function observe(response: Response, url: URL, method: string): void {
  const headers = response.headers;
  if (method !== "GET" && method !== "HEAD" && AUTH_PATHS.test(url.pathname)) {
    // Signing in or out: whatever is cached belongs to someone else now.
    forgetAll();
  } else {
    const scope = headers.get("X-Cache-Scope");
    if (scope) setScope(scope);
  }
  const invalidated = parseTagHeader(headers.get("X-Cache-Invalidate"));
  if (invalidated.length > 0) {
    const origin: PurgeOrigin = isDataRequestPath(url.pathname) ? "action" : "fetch";
    purgeTags(invalidated, origin, `${method} ${url.pathname}`);
  }
  if (method === "GET" && isDataRequestPath(url.pathname)) {
    recordResponseMeta(normalizeUrl(url), {
      tags: parseTagHeader(headers.get("X-Cache-Tags")),
      scope: headers.get("X-Cache-Scope"),
      status: response.status,
      at: Date.now(),
    });
  }
}
