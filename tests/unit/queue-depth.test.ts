import { afterEach, describe, expect, it } from "vitest";
import { mergeSeries, pointBetween } from "~/monitoring/cluster.server";
import { emptyFigures } from "~/monitoring/local-figures.server";
import { queueDepth, setQueueDepthSource } from "~/monitoring/warm-metrics.server";

/**
 * Issue 9, the dashboard's queue-depth chart: each point carries the warming queue's depth at its
 * end (a gauge, not a change), and the cluster's is the largest any instance saw (they share one
 * queue: summing would count it once per instance).
 */
describe("the warming queue's depth in the cluster series", () => {
  afterEach(() => setQueueDepthSource(undefined));

  it("is a gauge in each point: the later figure's depth, not a difference", () => {
    const earlier = { ...emptyFigures(), queueDepth: 40 };
    const later = { ...emptyFigures(), queueDepth: 7 };
    expect(pointBetween(0, later, earlier).queueDepth).toBe(7);
    expect(pointBetween(0, emptyFigures(), earlier).queueDepth).toBeUndefined();
  });

  it("merges instances by the largest depth, and a step without any stays without", () => {
    const point = (t: number, depth?: number) => ({
      ...pointBetween(t, emptyFigures(), emptyFigures()),
      queueDepth: depth,
    });
    const merged = mergeSeries([
      [point(0, 3), point(10_000, 12), point(20_000)],
      [point(0, 5), point(10_000, 2), point(20_000)],
      [point(0)],
    ]);
    expect(merged.map((p) => p.queueDepth)).toEqual([5, 12, undefined]);
  });

  it("is read from the source the warming queue sets, and unknown when it fails or there is none", async () => {
    expect(await queueDepth()).toBeUndefined();
    setQueueDepthSource(async () => 4);
    expect(await queueDepth()).toBe(4);
    setQueueDepthSource(async () => {
      throw new Error("queue Redis away");
    });
    expect(await queueDepth()).toBeUndefined();
  });
});
