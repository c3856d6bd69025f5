/**
 * Mergeable histograms as bucket counts (the Prometheus way): per bucket, how many observations
 * fell at or under its upper bound and over the previous one (not cumulative, so two instances'
 * counts add up bucket by bucket), plus one overflow bucket past the last bound.
 */
export interface Buckets {
  /** Upper bounds, ascending (seconds). */
  bounds: readonly number[];
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; counts[bounds.length]: over the last. */
  counts: number[];
  sum: number;
}

export function emptyBuckets(bounds: readonly number[]): Buckets {
  return { bounds, counts: new Array(bounds.length + 1).fill(0), sum: 0 };
}

export function observe(buckets: Buckets, value: number): void {
  let i = buckets.bounds.findIndex((bound) => value <= bound);
  if (i === -1) i = buckets.bounds.length;
  buckets.counts[i] = (buckets.counts[i] ?? 0) + 1;
  buckets.sum += value;
}

export function bucketsOf(bounds: readonly number[], values: Iterable<number>): Buckets {
  const buckets = emptyBuckets(bounds);
  for (const value of values) observe(buckets, value);
  return buckets;
}

export function total(buckets: Buckets): number {
  return buckets.counts.reduce((a, b) => a + b, 0);
}

/** Adds `b` into `a` (same bounds, else `b` is ignored: a build with other buckets). */
export function addInto(a: Buckets, b: Buckets | undefined): Buckets {
  if (!b || b.bounds.length !== a.bounds.length || b.bounds.some((x, i) => x !== a.bounds[i])) return a;
  for (let i = 0; i < a.counts.length; i++) a.counts[i] = (a.counts[i] ?? 0) + (b.counts[i] ?? 0);
  a.sum += b.sum;
  return a;
}

/** `later − earlier`, bucket by bucket; a bucket that went down (a reset) counts from zero. */
export function difference(later: Buckets, earlier: Buckets | undefined): Buckets {
  const out = emptyBuckets(later.bounds);
  const reset = earlier ? later.counts.some((n, i) => n < (earlier.counts[i] ?? 0)) : true;
  for (let i = 0; i < out.counts.length; i++) {
    out.counts[i] = (later.counts[i] ?? 0) - (reset ? 0 : (earlier?.counts[i] ?? 0));
  }
  out.sum = later.sum - (reset ? 0 : (earlier?.sum ?? 0));
  return out;
}

/**
 * The q-quantile (0..1), interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does; past the last bound, the last bound. 0 when empty.
 */
export function quantile(buckets: Buckets, q: number): number {
  const n = total(buckets);
  if (n === 0) return 0;
  const rank = q * n;
  let seen = 0;
  for (let i = 0; i < buckets.counts.length; i++) {
    const count = buckets.counts[i] ?? 0;
    if (count > 0 && seen + count >= rank) {
      if (i === buckets.bounds.length) return buckets.bounds.at(-1) ?? 0;
      const lower = i === 0 ? 0 : (buckets.bounds[i - 1] ?? 0);
      const upper = buckets.bounds[i] ?? lower;
      return lower + (upper - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return buckets.bounds.at(-1) ?? 0;
}
