import { data, redirect } from "@remix-run/node";
import { invalidationHeaders } from "~/http/cache-headers.server";
import { isEnhanced } from "~/http/enhanced-field";

/**
 * The answer of a page action that did its work: a redirect (post/redirect/get) for a plain form,
 * data for a fetcher (see enhanced.ts). Both carry the tags the write purged.
 */
export function done<T extends object = Record<never, never>>(
  values: Record<string, string>,
  location: string,
  tags: readonly string[],
  result: T = {} as T,
) {
  const headers = invalidationHeaders(tags);
  if (!isEnhanced(values)) return redirect(location, { headers });
  return data({ ok: true as const, intent: values.intent ?? "", ...result }, { headers });
}

/**
 * A redirect after a write whose form is always a plain post (post/redirect/get, JavaScript or
 * not): to a created item's page, the parent of a deleted one, or back. It carries the tags the
 * write purged, like `done`.
 */
export function redirectAfter(change: { tags: readonly string[] }, location: string) {
  return redirect(location, { headers: invalidationHeaders(change.tags) });
}

/**
 * A route's `headers` for pages whose fetcher actions answer with data: Remix builds a data
 * response's headers from the route's `headers` only, so the action's `X-Cache-Invalidate` must be
 * passed on explicitly.
 */
export function withActionInvalidation(base: HeadersInit, actionHeaders: Headers): Headers {
  const headers = new Headers(base);
  const purged = actionHeaders.get("X-Cache-Invalidate");
  if (purged) headers.set("X-Cache-Invalidate", purged);
  return headers;
}
