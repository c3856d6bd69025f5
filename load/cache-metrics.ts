/**
 * The app's own cache metrics (GET /studio/api/cache/metrics, admins only; docs/api.md), read
 * before and after a run and every few seconds during it: the analysis subtracts one from the other.
 */
export interface QueryMetrics {
  hits: number;
  misses: number;
  stale: number;
  bypasses: number;
  errors: number;
  loads: number;
  reads: number;
  hitRate: number;
  latency?: { count: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
}

export interface CacheMetrics {
  since: string;
  queries: Record<string, QueryMetrics>;
  purges: { purges: number; tags: number; failures: number; duration?: { p50Ms: number; p95Ms: number } };
  availability?: { breaker: string; recovering: boolean };
  outboxBacklog?: number;
  warming?: {
    queued: number;
    deduplicated: number;
    rejected: number;
    unavailable: number;
    done: number;
    failed: number;
    retried: number;
    delay?: { count: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
  };
}

export interface CacheSample {
  t: number;
  reads: number;
  hits: number;
  purges: number;
}

export async function adminSession(baseUrl: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${baseUrl}/login`, {
      method: "POST",
      body: new URLSearchParams({
        email: process.env.LOAD_ADMIN_EMAIL ?? "admin@example.com",
        password: process.env.LOAD_ADMIN_PASSWORD ?? "password",
      }),
      redirect: "manual",
    });
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    return cookie.startsWith("__session=") ? cookie : undefined;
  } catch {
    return undefined;
  }
}

export async function cacheMetrics(baseUrl: string, cookie: string | undefined): Promise<CacheMetrics | undefined> {
  if (!cookie) return undefined;
  try {
    const res = await fetch(`${baseUrl}/studio/api/cache/metrics`, { headers: { Cookie: cookie } });
    return res.ok ? ((await res.json()) as CacheMetrics) : undefined;
  } catch {
    return undefined;
  }
}

export function totals(m: CacheMetrics): { reads: number; hits: number; purges: number } {
  let reads = 0;
  let hits = 0;
  for (const q of Object.values(m.queries)) {
    reads += q.reads;
    hits += q.hits;
  }
  return { reads, hits, purges: m.purges.purges };
}
