/**
 * What the fetch wrapper saw on each single-fetch data response: Remix gives the clientLoader the
 * decoded data but never the headers, so the clientLoader looks its response up here by URL.
 */
export interface ResponseMeta {
  tags: string[];
  /** X-Cache-Scope: whose data it is (`user:1` or `anon`). */
  scope: string | null;
  status: number;
  at: number;
}

const LIMIT = 100;
const seen = new Map<string, ResponseMeta>();

export function recordResponseMeta(normalizedUrl: string, meta: ResponseMeta): void {
  seen.delete(normalizedUrl);
  seen.set(normalizedUrl, meta);
  if (seen.size > LIMIT) seen.delete(seen.keys().next().value as string);
}

export function responseMetaOf(normalizedUrl: string): ResponseMeta | undefined {
  return seen.get(normalizedUrl);
}
