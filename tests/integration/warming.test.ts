import type { Job, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineQuery } from "~/cache/define-query.server";
import { invalidate } from "~/cache/invalidate.server";
import { cacheKeys } from "~/cache/keys";
import { tags } from "~/cache/tags";
import type { SignedIn } from "~/models/actor";
import { setLike } from "~/models/likes.server";
import { isLikedBy } from "~/models/posts.server";
import { authenticate } from "~/models/users.server";
import { resetWarmMetrics, warmCounters } from "~/monitoring/warm-metrics.server";
import { communityFeed, communityPost, postLikedByMe } from "~/queries/index.server";
import { WARM_HOTTEST_JOB, WARM_JOB } from "~/warming/job";
import { queueWarming, settleWarming, warmQueue } from "~/warming/queue.server";
import { KEYS_PER_TAG, recentReads } from "~/warming/recent-reads.server";
import { processWarmJob, startWarmWorker, stopWarmWorker } from "~/warming/worker.server";
import { waitFor } from "../support/cache";
import { type TestApp, testApp } from "../support/test-app";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const raw = new Redis(redisUrl);
let namespace: string;
let alice: SignedIn;
let worker: Worker;
let app: TestApp;
/** Every job the worker finished or failed, in order. */
const finished: { job: Job; outcome: "completed" | "failed"; reason?: string }[] = [];

// A query whose load fails its first two calls: the worker must retry it with backoff.
const flakyCalls: number[] = [];
const flaky = defineQuery({
  name: "test.flaky",
  args: z.object({ n: z.number().int() }),
  tags: ({ n }) => [`test-flaky:${n}`],
  fresh: "1m",
  stale: "1m",
  scope: "public",
  value: z.object({ n: z.number() }),
  load: async ({ n }) => {
    flakyCalls.push(Date.now());
    if (flakyCalls.length <= 2) throw new Error(`flaky load ${flakyCalls.length}`);
    return { n };
  },
});

beforeAll(async () => {
  app = await testApp({ redisUrl, queue: true });
  namespace = app.namespace;
  worker = startWarmWorker({ url: redisUrl, namespace, concurrency: 2 });
  worker.on("completed", (job) => finished.push({ job, outcome: "completed" }));
  worker.on("failed", (job, error) => {
    if (job) finished.push({ job, outcome: "failed", reason: error.message });
  });
  await worker.waitUntilReady();
  alice = (await authenticate({ email: "alice@example.com", password: "password" })) as SignedIn;
});

afterAll(async () => {
  await stopWarmWorker(worker, 5000);
  raw.disconnect();
  await app.close();
});

beforeEach(async () => {
  await waitFor(queueIsIdle, 10_000, "the jobs of the previous test");
  resetWarmMetrics();
  finished.length = 0;
});

async function queueIsIdle(): Promise<boolean> {
  const counts = (await warmQueue()?.getJobCounts("waiting", "delayed", "active", "prioritized")) ?? {};
  return Object.values(counts).every((n) => n === 0);
}

const jobsFor = (query: string) => finished.filter((f) => f.job.name === WARM_JOB && f.job.data.query === query);

describe("warming after a purge (real Redis, real BullMQ worker)", () => {
  it("warms a recently read key after its tag is purged: the next read is a hit, and fresh", async () => {
    const postId = 1;
    await communityPost.read({ postId });
    expect((await communityPost.read({ postId })).status).toBe("hit");
    const before = (await communityPost.read({ postId })).value.post.likeCount;
    const liked = await isLikedBy(postId, alice.id);

    // The write purges post:1; nobody reads until the worker has warmed it.
    await setLike(alice, postId, { liked: !liked });
    await waitFor(() => jobsFor("community.post").length >= 1, 10_000, "the warming job");
    expect(jobsFor("community.post")[0]?.outcome).toBe("completed");

    const after = await communityPost.read({ postId });
    expect(after.status).toBe("hit");
    expect(after.value.post.likeCount).toBe(before + (liked ? -1 : 1));
    expect(warmCounters().delay.count).toBeGreaterThanOrEqual(1);
  });

  it("loads nothing for a purge a reader has already refilled: the job finds the entry valid", async () => {
    const postId = 1;
    await invalidate([tags.post(postId)], { reason: "test" });
    // A reader after the purge refills the entry (or the worker did first: valid either way).
    await communityPost.read({ postId });
    const job = { query: "community.post", args: { postId }, reason: "purge", purgedAt: Date.now() };
    expect(await processWarmJob({ name: WARM_JOB, data: job })).toMatchObject({ status: "hit", dbMs: 0 });
  });

  it("warms the shared keys read under a purged tag, not a reader's own", async () => {
    const postId = 2;
    await communityPost.read({ postId });
    await postLikedByMe.read({ postId }, { userId: alice.id });
    await recentReads().flush();
    await invalidate([tags.post(postId)], { reason: "test" });
    await settleWarming();
    await waitFor(queueIsIdle, 10_000, "the purge's jobs");
    expect(jobsFor("community.post").length).toBe(1);
    expect(jobsFor("community.post.liked")).toEqual([]);
    expect(warmCounters().queued).toBe(1);
  });

  it("turns 100 purges of one key within a second into at most 2 jobs", async () => {
    const postId = 2;
    await communityPost.read({ postId });
    await recentReads().flush();
    const started = Date.now();
    for (let i = 0; i < 100; i++) await invalidate([tags.post(postId)], { reason: "burst" });
    expect(Date.now() - started).toBeLessThan(1000);
    await settleWarming();
    const { queued, deduplicated } = warmCounters();
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(queued).toBeLessThanOrEqual(2);
    expect(queued + deduplicated).toBe(100);
    await waitFor(queueIsIdle, 10_000, "the burst's jobs");
    expect(jobsFor("community.post").length).toBeGreaterThanOrEqual(1);
    expect(jobsFor("community.post").length).toBeLessThanOrEqual(2);
    expect((await communityPost.read({ postId })).status).toBe("hit");
  });

  it("fails a job with bad data once, with its reason, and never retries it", async () => {
    const queue = warmQueue();
    if (!queue) throw new Error("no queue");
    const unknown = await queue.add(WARM_JOB, { query: "no.such.query", args: {}, reason: "purge" });
    const badArgs = await queue.add(WARM_JOB, { query: "community.post", args: { postId: "x" }, reason: "purge" });
    const malformed = await queue.add(WARM_JOB, { nonsense: true });
    await waitFor(() => finished.length >= 3, 10_000, "three failures");
    await new Promise((r) => setTimeout(r, 500));
    for (const [job, reason] of [
      [unknown, /unknown query "no.such.query"/],
      [badArgs, /bad arguments for community.post/],
      [malformed, /bad job data/],
    ] as const) {
      const stored = await queue.getJob(job.id as string);
      expect(await stored?.getState()).toBe("failed");
      expect(stored?.attemptsMade).toBe(1);
      expect(stored?.failedReason).toMatch(reason);
    }
    expect(finished.filter((f) => f.outcome === "failed")).toHaveLength(3);
    expect(warmCounters()).toMatchObject({ failed: 3, retried: 0 });
  });

  it("refuses to queue a read of an unknown query or with bad arguments", async () => {
    const added = await queueWarming(
      [
        { query: "no.such.query", args: {} },
        { query: "community.post", args: { postId: -1 } },
        { query: "studio.scene", args: { sceneId: 1 } }, // user-scoped without a user
      ],
      { reason: "purge", purgedAt: Date.now() },
    );
    expect(added).toBe(0);
    expect(warmCounters().rejected).toBe(3);
  });

  it("retries a job whose query throws, with growing backoff, until it succeeds", async () => {
    flakyCalls.length = 0;
    await expect(flaky.read({ n: 7 })).rejects.toThrow("flaky load 1"); // a reader's miss
    const added = await queueWarming([{ query: flaky.name, args: { n: 7 } }], {
      reason: "purge",
      purgedAt: Date.now(),
    });
    expect(added).toBe(1);
    await waitFor(() => jobsFor(flaky.name).some((f) => f.outcome === "completed"), 15_000, "the retried job");
    // Calls: the reader's (failed), then the job's attempts 1 (failed) and 2 (succeeded).
    expect(flakyCalls.length).toBe(3);
    const done = jobsFor(flaky.name).find((f) => f.outcome === "completed");
    expect(done?.job.attemptsMade).toBe(2);
    const gap = (flakyCalls[2] as number) - (flakyCalls[1] as number);
    expect(gap).toBeGreaterThanOrEqual(250); // 500 ms backoff with up to 50 % jitter
    expect(warmCounters().retried).toBe(1);
    expect((await flaky.read({ n: 7 })).status).toBe("hit");
  }, 30_000);

  it("re-warms the hottest keys on schedule, refreshing those about to expire", async () => {
    await invalidate([tags.post(3)], { reason: "setup" });
    await settleWarming();
    for (let i = 0; i < 5; i++) await communityPost.read({ postId: 3 });
    await recentReads().flush();
    const hottest = await recentReads().hottest(10);
    expect(hottest[0]?.read).toEqual({ query: "community.post", args: { postId: 3 }, userId: undefined });
    finished.length = 0;
    // A refresh-ahead longer than the entry's fresh time: every hot key is reloaded.
    const result = await processWarmJob({ name: WARM_HOTTEST_JOB, data: { limit: 10, refreshAheadMs: 86_400_000 } });
    expect(result).toMatchObject({ queued: expect.any(Number) });
    await waitFor(() => jobsFor("community.post").length >= 1, 10_000, "the scheduled job");
    const job = jobsFor("community.post")[0]?.job;
    expect(job?.data.reason).toBe("schedule");
    expect(job?.returnvalue).toMatchObject({ status: "miss" });
    // A short refresh-ahead leaves a fresh entry alone.
    expect(
      await processWarmJob({
        name: WARM_JOB,
        data: { query: "community.post", args: { postId: 3 }, reason: "schedule", refreshAheadMs: 0 },
      }),
    ).toMatchObject({ status: "hit" });
  });

  it("keeps the recent-read index bounded: at most KEYS_PER_TAG keys per tag, expiring", async () => {
    const tag = "test-bounded:1";
    for (let i = 0; i < KEYS_PER_TAG + 30; i++)
      recentReads().note({ query: "community.post", args: { postId: 1000 + i } }, [tag]);
    await recentReads().flush();
    const key = cacheKeys(namespace).recent(tag);
    expect(await raw.zcard(key)).toBe(KEYS_PER_TAG);
    expect(await raw.pttl(key)).toBeGreaterThan(0);
    const newest = await recentReads().under([tag], 500);
    expect(newest).toHaveLength(KEYS_PER_TAG);
    expect(newest.map((r) => (r.args as { postId: number }).postId)).toContain(1000 + KEYS_PER_TAG + 29);
  });

  // Last: its feed read puts every post of page 1 in the recent-read index, which would add keys to
  // the purges of the tests above.
  it("warms the pieces of an assembled page: after a like the feed page is all hits, with the new count", async () => {
    await communityFeed.read({ page: 1 });
    const page = await communityFeed.read({ page: 1 });
    expect(page.status).toBe("hit");
    const post = page.value.posts[0];
    if (!post) throw new Error("the demo feed is empty");
    const liked = await isLikedBy(post.id, alice.id);

    // The like purges post:ID only: one summary to warm (and the post's page), never the list.
    await setLike(alice, post.id, { liked: !liked });
    await waitFor(() => jobsFor("community.post.summary").length >= 1, 10_000, "the summary's warming job");
    expect(jobsFor("community.post.summary").map((f) => [f.job.data.args, f.outcome])).toEqual([
      [{ postId: post.id }, "completed"],
    ]);
    expect(jobsFor("community.feed.page")).toEqual([]);

    const after = await communityFeed.read({ page: 1 });
    expect(after.status).toBe("hit");
    expect(after.value.posts[0]).toMatchObject({ id: post.id, likeCount: post.likeCount + (liked ? -1 : 1) });
  });
});
