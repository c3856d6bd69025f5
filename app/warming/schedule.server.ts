import type { Queue } from "bullmq";
import { WARM_HOTTEST_JOB, WARM_SCHEDULER_ID, type WarmHottestData } from "~/warming/job";

/**
 * Scheduled warming (docs/design.md#warming): every `intervalMs`, a job finds the most read keys of the last
 * minutes and queues a warming job for each, which refreshes the key unless it stays fresh for
 * 1.5 intervals more. Hot keys then never expire under a reader. One scheduler per queue, whatever
 * the number of workers: upserting it is idempotent. An interval of 0 removes it.
 */
export async function scheduleHottest(queue: Queue, { intervalMs, hotKeys }: { intervalMs: number; hotKeys: number }) {
  if (intervalMs <= 0 || hotKeys <= 0) {
    await queue.removeJobScheduler(WARM_SCHEDULER_ID);
    return;
  }
  const data: WarmHottestData = { limit: hotKeys, refreshAheadMs: Math.round(intervalMs * 1.5) };
  await queue.upsertJobScheduler(
    WARM_SCHEDULER_ID,
    { every: intervalMs },
    {
      name: WARM_HOTTEST_JOB,
      data,
      opts: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } },
    },
  );
}
