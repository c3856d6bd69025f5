import { sessionUserId } from "~/auth/session.server";
import type { ReadLog } from "./read-log";

/**
 * Headers for the browser's cache (docs/client.md). `X-Cache-Scope` names whose data a data
 * response holds, so the browser files it under the right user even right after a sign-in or
 * sign-out. It is read from the signed session cookie alone: no database, no cache read.
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
