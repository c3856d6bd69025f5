import { sessionUserId } from "~/auth/session.server";
import type { ReadLog } from "~/cache/read-log";
import { formatTagHeader } from "~/cache/tags";

/**
 * Every cache-related response header is built here (docs/design.md#response-headers): what a
 * mutation changed (`X-Cache-Invalidate`), what a read served (`X-Cache`, `X-Cache-Tags`,
 * `Server-Timing`, from the request's ReadLog), whose data it is (`X-Cache-Scope`), and who may
 * keep it (`Cache-Control`).
 */

/** The tags whose data a mutation changed: the browser drops what it cached under them. */
export function invalidationHeaders(changedTags: readonly string[]): Record<string, string> {
  return changedTags.length > 0 ? { "X-Cache-Invalidate": formatTagHeader(changedTags) } : {};
}

/** For responses that show one user's data: never stored by a shared cache, nor reused. */
export const PRIVATE_NO_STORE = { "Cache-Control": "private, no-store" } as const;

/**
 * `X-Cache-Scope` names whose data a data response holds, so the browser files it under the right
 * user even right after a sign-in or sign-out. It is read from the signed session cookie alone: no
 * database, no cache read.
 */
export async function cacheScopeOf(request: Request): Promise<string> {
  const userId = await sessionUserId(request);
  return userId === null ? "anon" : `user:${userId}`;
}

/**
 * A document's tags again as a Server-Timing entry: scripts cannot read a document's headers, but
 * they can read `performance` navigation timing, Server-Timing included (same origin).
 */
export function documentTagsTiming(reads: ReadLog | undefined): string | undefined {
  const tags = reads ? [...new Set(reads.reads.flatMap((r) => r.tags))] : [];
  return tags.length > 0 ? `x-cache-tags;desc="${tags.join(" ")}"` : undefined;
}

/**
 * A signed-in request may show that user's data (the nav bar at least), and Remix uses only the
 * deepest route's `headers`: so personalisation is decided here, for documents and data alike.
 */
function markPersonal(request: Request, headers: Headers) {
  if (/(?:^|;\s*)__session=/.test(request.headers.get("Cookie") ?? "")) {
    headers.set("Cache-Control", PRIVATE_NO_STORE["Cache-Control"]);
  }
}

/**
 * What a response may say about its cached reads: only a success shows what it read. A 404 or 403
 * made from a cached read (a draft's reading view, say) must look like one for an id that does not
 * exist, or its X-Cache and tags would tell that the thing exists.
 */
function readsShown(reads: ReadLog | undefined, status: number): ReadLog | undefined {
  return status < 400 ? reads : undefined;
}

/** The headers of a single-fetch data response (entry.server.tsx's handleDataRequest). */
export async function setDataHeaders(
  request: Request,
  reads: ReadLog | undefined,
  headers: Headers,
  status = 200,
): Promise<void> {
  markPersonal(request, headers);
  readsShown(reads, status)?.applyTo(headers);
  headers.set("X-Cache-Scope", await cacheScopeOf(request));
}

/** The headers of an HTML document (entry.server.tsx's handleRequest). */
export function setDocumentHeaders(request: Request, reads: ReadLog | undefined, headers: Headers, status = 200): void {
  markPersonal(request, headers);
  const shown = readsShown(reads, status);
  shown?.applyTo(headers);
  const tagsTiming = documentTagsTiming(shown);
  if (tagsTiming) headers.append("Server-Timing", tagsTiming);
}
