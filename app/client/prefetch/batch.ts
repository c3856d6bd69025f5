import pLimit from "p-limit";

/**
 * Runs prefetches with at most `concurrency` in flight, so a page full of links never floods the
 * server (or the two-core box we measure on); each URL is asked for once per batcher at a time.
 */
export function createBatchPrefetcher(concurrency: number, run: (url: string) => Promise<unknown>) {
  const limit = pLimit(concurrency);
  const inFlight = new Map<string, Promise<unknown>>();
  function one(url: string): Promise<unknown> {
    const known = inFlight.get(url);
    if (known) return known;
    const task = limit(() => run(url)).finally(() => inFlight.delete(url));
    inFlight.set(url, task);
    return task;
  }
  return {
    one,
    all: (urls: readonly string[]) => Promise.allSettled([...new Set(urls)].map(one)),
    get pending() {
      return limit.pendingCount + limit.activeCount;
    },
  };
}
