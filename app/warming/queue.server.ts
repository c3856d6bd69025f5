import { createHash, randomUUID } from "node:crypto";
import { remember } from "@epic-web/remember";
import { type JobsOptions, Queue } from "bullmq";
import { Redis } from "ioredis";
import { failFastOptions, redactUrl } from "~/cache/redis.server";
import { logger } from "~/lib/logger.server";
import { withTimeout } from "~/lib/with-timeout";
import { setQueueDepthSource, warmCounters } from "~/monitoring/warm-metrics.server";
import { resolveRead, WARM_JOB, type WarmJobData, warmQueueName } from "./job";
import { encodeRead, type ReadRef, recentReads } from "./recent-reads.server";

/**
 * The producer side of warming (docs/design.md#warming). A save must never wait on Redis (docs/decisions/003-fail-open.md): the queue's
 * connection is fail-fast like the cache's, a job is only added while it is ready, an add that
 * does not answer within ADD_TIMEOUT_MS is given up, and invalidate() does not await any of it.
 * A warming job that could not be queued costs the next reader one miss, nothing more.
 */

/** Retries with exponential backoff and jitter; finished jobs are kept for a while, not forever. */
export const WARM_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 500, jitter: 0.5 },
  removeOnComplete: { age: 60 * 60, count: 1000 },
  removeOnFail: { age: 7 * 24 * 60 * 60, count: 5000 },
};

/** One purge warms at most this many keys (the most recently read, KEYS_PER_TAG per tag). */
const MAX_KEYS_PER_PURGE = 200;
const ADD_TIMEOUT_MS = 1000;
/**
 * Per key, the first purge in a window warms at once; later ones in the same window are delayed
 * to its end and merge into one job (deduplication). A burst of writes to one scene is then two
 * jobs, the first one right away, the last one after the burst: never one per write.
 */
export const WARM_WINDOW_MS = 1000;

interface QueueHandle {
  queue: Queue;
  connection: Redis;
  namespace: string;
  url: string;
}

const holder = remember("warming.queue", (): { __warmQueue?: QueueHandle; __warmInFlight: Set<Promise<void>> } => ({
  __warmInFlight: new Set(),
}));

function inFlight(): Set<Promise<void>> {
  return holder.__warmInFlight;
}

/** Opens this process's warming queue (once); start-up never waits for its Redis. */
export function openWarmQueue(url: string, namespace: string): Queue {
  if (holder.__warmQueue) return holder.__warmQueue.queue;
  const connection = new Redis(url, {
    ...failFastOptions,
    enableAutoPipelining: false,
    connectionName: "warm-producer",
  });
  connection.on("error", () => {}); // state is read from `status`; the cache connection logs outages
  const queue = new Queue(warmQueueName(namespace), { connection, defaultJobOptions: WARM_JOB_OPTIONS });
  queue.on("error", (error) => logger.debug({ err: error }, "warming queue"));
  holder.__warmQueue = { queue, connection, namespace, url };
  // The dashboard's queue-depth chart (docs/operations.md): jobs not yet done, while Redis answers.
  setQueueDepthSource(async () => {
    if (connection.status !== "ready") return undefined;
    const counts = await withTimeout(queue.getJobCounts("waiting", "delayed", "active", "prioritized"), 1000);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  });
  return queue;
}

/** The queue while its Redis answers, else undefined. */
export function warmQueue(): Queue | undefined {
  const handle = holder.__warmQueue;
  return handle?.connection.status === "ready" ? handle.queue : undefined;
}

/** The queue even while its Redis is away (the dashboard, shutdown). */
export function warmQueueHandle(): { queue: Queue; connection: Redis } | undefined {
  return holder.__warmQueue;
}

export function warmQueueStatus(): { state: "ready" | "connecting" | "down" | "off"; url?: string } {
  const handle = holder.__warmQueue;
  if (!handle) return { state: "off" };
  const status = handle.connection.status;
  const state = status === "ready" ? "ready" : status === "connecting" || status === "connect" ? "connecting" : "down";
  return { state, url: redactUrl(handle.url) };
}

export async function closeWarmQueue(): Promise<void> {
  await settleWarming();
  const handle = holder.__warmQueue;
  holder.__warmQueue = undefined;
  if (!handle) return;
  await handle.queue.close().catch(() => {});
  handle.connection.disconnect();
}

/** At most one running and one waiting job per key: BullMQ deduplication on this id. */
function dedupId(read: ReadRef): string {
  return createHash("sha1").update(encodeRead(read)).digest("base64url");
}

/**
 * Queues one warming job per read: at most one running and one waiting per key (deduplication,
 * keeping the last add when one runs), throttled per WARM_WINDOW_MS. Resolves to how many jobs
 * were added; never throws and never waits longer than ADD_TIMEOUT_MS.
 */
export async function queueWarming(
  reads: readonly ReadRef[],
  how: Pick<WarmJobData, "reason" | "purgedAt" | "refreshAheadMs">,
): Promise<number> {
  if (reads.length === 0) return 0;
  const counters = warmCounters();
  const handle = holder.__warmQueue;
  if (!handle || handle.connection.status !== "ready") {
    counters.unavailable += 1;
    return 0;
  }
  const valid = reads.filter((read) => {
    const resolved = resolveRead(read);
    if (!resolved.ok) {
      counters.rejected += 1;
      logger.warn({ read, problem: resolved.problem }, "warming: not queued");
    }
    return resolved.ok;
  });
  if (valid.length === 0) return 0;
  try {
    return await withTimeout(addJobs(handle, valid, how), ADD_TIMEOUT_MS);
  } catch (error) {
    counters.unavailable += 1;
    logger.warn({ err: error }, "warming: could not queue jobs (the next readers miss instead)");
    return 0;
  }
}

async function addJobs(
  { queue, connection, namespace }: QueueHandle,
  reads: readonly ReadRef[],
  how: Pick<WarmJobData, "reason" | "purgedAt" | "refreshAheadMs">,
): Promise<number> {
  const ids = reads.map(dedupId);
  // One round trip: open each key's window (SET NX), or learn how long the open one still lasts.
  const windows = connection.pipeline();
  for (const id of ids) {
    const key = `qw:${namespace}:window:${id}`;
    windows.set(key, "1", "PX", WARM_WINDOW_MS, "NX").pttl(key);
  }
  const replies = (await windows.exec()) ?? [];
  const jobs = reads.map((read, i) => {
    const opened = replies[2 * i]?.[1] === "OK";
    const remaining = Number(replies[2 * i + 1]?.[1] ?? 0);
    const data: WarmJobData = { query: read.query, args: read.args, userId: read.userId, ...how };
    const opts = {
      jobId: randomUUID(),
      delay: opened ? 0 : Math.max(0, remaining),
      deduplication: { id: ids[i] as string, keepLastIfActive: true },
    };
    return { name: WARM_JOB, data, opts };
  });
  const added = await queue.addBulk(jobs);
  // A deduplicated add answers with the job already there, so its id is not the one we chose.
  const fresh = added.filter((job, i) => job.id === jobs[i]?.opts.jobId).length;
  const counters = warmCounters();
  counters.queued += fresh;
  counters.deduplicated += added.length - fresh;
  return fresh;
}

/**
 * After a purge: queue warming for the shared keys read recently under the purged tags. Runs in
 * the background (a save never waits on it); settleWarming() waits for the ones in flight.
 *
 * Not the user-scoped ones: such an entry has one reader, so warming it costs the database load
 * that reader's miss would, only sooner, and a like fanned out to every reader's own "liked"
 * entry of the post (three jobs in four under the load mix, enough to starve the worker).
 */
export function warmAfterPurge(tags: readonly string[], purgedAt = Date.now()): void {
  if (tags.length === 0 || !warmQueue()) {
    if (tags.length > 0) warmCounters().unavailable += 1;
    return;
  }
  const task = (async () => {
    // This process's latest reads first, so a key read just before the purge is warmed too.
    await recentReads().flush();
    const reads = await recentReads().under(tags, MAX_KEYS_PER_PURGE);
    const shared = reads.filter((read) => read.userId === undefined);
    await queueWarming(shared, { reason: "purge", purgedAt });
  })()
    .catch((error: unknown) => logger.warn({ err: error, tags }, "warming: could not look up what to warm"))
    .finally(() => inFlight().delete(task));
  inFlight().add(task);
}

/** Waits for the warming requests still being queued (shutdown, tests). */
export async function settleWarming(): Promise<void> {
  await Promise.allSettled([...inFlight()]);
}
