import { data, redirect } from "@remix-run/node";
import { isEnhanced } from "~/client/optimistic/enhanced";
import { invalidationHeaders } from "~/http/cache-headers.server";

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
