import { formatTagHeader } from "../cache/tags";

/** Response headers a mutation sends: the tags whose data it changed (DESIGN §7). */
export function invalidationHeaders(changedTags: readonly string[]): Record<string, string> {
  return changedTags.length > 0 ? { "X-Cache-Invalidate": formatTagHeader(changedTags) } : {};
}

/** For responses that show one user's data: never stored by a shared cache, nor reused. */
export const PRIVATE_NO_STORE = { "Cache-Control": "private, no-store" } as const;
