/**
 * The X-Cache-Tags of the server-rendered document. Page scripts cannot read a document's headers,
 * but they can read its Server-Timing entries: the server repeats the tags there as `x-cache-tags`
 * (app/cache/client-hints.server.ts). Null when absent (then every purge counts as ours).
 */
export function documentTags(): string[] | null {
  try {
    const [entry] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
    const timing = entry?.serverTiming?.find((t) => t.name === "x-cache-tags");
    if (!timing) return null;
    return timing.description
      .split(/\s+/)
      .map((t) => t.trim())
      .filter(Boolean);
  } catch {
    return null;
  }
}
