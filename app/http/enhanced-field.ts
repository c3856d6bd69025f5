/**
 * The field a form carries only once JavaScript runs it through a fetcher. Its action then answers
 * with data (and its invalidation headers) instead of a redirect: a fetcher that is redirected
 * turns into a navigation, which breaks the optimistic UI (remix#8669). Without JavaScript the
 * field is absent and the action redirects (post/redirect/get).
 */
export const ENHANCED_FIELD = "_enhanced";

export function isEnhanced(values: Record<string, string>): boolean {
  return values[ENHANCED_FIELD] === "1";
}
