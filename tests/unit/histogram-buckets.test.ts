import { describe, expect, it } from "vitest";
import { addInto, bucketsOf, difference, emptyBuckets, quantile, total } from "~/monitoring/histogram-buckets";

/** Bucket counts that add up across instances, and the quantile Prometheus would compute from them. */
describe("histogram buckets", () => {
  const bounds = [0.1, 0.2, 0.5, 1];

  it("counts each value in the first bucket whose bound holds it, the rest past the last", () => {
    const b = bucketsOf(bounds, [0.05, 0.1, 0.15, 0.3, 2, 3]);
    expect(b.counts).toEqual([2, 1, 1, 0, 2]);
    expect(total(b)).toBe(6);
    expect(b.sum).toBeCloseTo(5.6, 10);
  });

  it("interpolates inside the bucket as histogram_quantile does; past the last bound it is the last bound", () => {
    const b = bucketsOf(bounds, [0.15, 0.15, 0.15, 0.15]);
    expect(quantile(b, 0.5)).toBeCloseTo(0.15, 10); // half way through (0.1, 0.2]
    expect(quantile(b, 1)).toBeCloseTo(0.2, 10);
    expect(quantile(bucketsOf(bounds, [5, 6]), 0.95)).toBe(1);
    expect(quantile(emptyBuckets(bounds), 0.95)).toBe(0);
  });

  it("adds two instances bucket by bucket: the same as one histogram of all values", () => {
    const a = bucketsOf(bounds, [0.05, 0.3]);
    const b = bucketsOf(bounds, [0.15, 0.9, 4]);
    const merged = addInto(structuredClone(a), b);
    const one = bucketsOf(bounds, [0.05, 0.3, 0.15, 0.9, 4]);
    expect(merged.counts).toEqual(one.counts);
    expect(merged.sum).toBeCloseTo(one.sum, 10);
    // Other bounds (another build) are not mixed in.
    expect(addInto(structuredClone(a), bucketsOf([1, 2], [1]))).toEqual(a);
  });

  it("takes differences between two snapshots; a reset counts from zero", () => {
    const earlier = bucketsOf(bounds, [0.05, 0.3]);
    const later = bucketsOf(bounds, [0.05, 0.3, 0.3, 0.6]);
    expect(difference(later, earlier).counts).toEqual([0, 0, 1, 1, 0]);
    const afterReset = bucketsOf(bounds, [0.6]);
    expect(difference(afterReset, earlier).counts).toEqual([0, 0, 0, 1, 0]);
  });
});
