import { type Job, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { z } from "zod";
import { logger } from "~/lib/logger.server";
import { ModelError } from "~/models/errors";
import { recordWarmed, warmCounters } from "~/monitoring/warm-metrics.server";
import { resolveRead, WARM_HOTTEST_JOB, WARM_JOB, WarmHottestData, WarmJobData, warmQueueName } from "./job";
import { queueWarming } from "./queue.server";
import { recentReads } from "./recent-reads.server";
// Every declared query registers itself on import: the worker runs them by name.
import "~/queries/index.server";

/**
 * The warming worker (docs/design.md#warming): re-runs a declared query so that the next reader
 * hits. A purge's job loads unless the entry is already valid under the tags' current tokens (a
 * reader refilled it after the purge: the job's work is done); a schedule's job loads when the
 * entry would go stale within its refresh-ahead. Idempotent (BullMQ delivers at least once): the
 * cache's compare-and-set store keeps whichever load saw the latest tags.
 */

export interface WarmResult {
  status: string;
  dbMs: number;
}

/** Runs one job. Bad data fails it for good (UnrecoverableError); anything else is retried. */
export async function processWarmJob(job: Pick<Job, "name" | "data">): Promise<WarmResult | { queued: number }> {
  switch (job.name) {
    case WARM_JOB:
      return warmOne(job.data);
    case WARM_HOTTEST_JOB:
      return warmHottest(job.data);
    default:
      throw new UnrecoverableError(`unknown job name "${job.name}"`);
  }
}

function parse<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "data"}: ${i.message}`);
  throw new UnrecoverableError(`bad job data: ${reasons.join("; ")}`);
}

async function warmOne(data: unknown): Promise<WarmResult> {
  const job = parse(WarmJobData, data);
  const resolved = resolveRead(job);
  if (!resolved.ok) throw new UnrecoverableError(resolved.problem);
  const { query, args } = resolved;
  let result: Awaited<ReturnType<typeof query.read>>;
  try {
    result = await query.read(args, {
      userId: job.userId,
      track: false,
      // A valid entry is a hit only if it was stored after the purge: the purge deleted the tokens
      // any older entry was stored under. Under load a reader often gets there first.
      refreshAheadMs: job.reason === "purge" ? 0 : (job.refreshAheadMs ?? 0),
    });
  } catch (error) {
    // Gone or no longer allowed (a deleted story, say): there is nothing to warm, ever.
    if (error instanceof ModelError) throw new UnrecoverableError(`${job.query}: ${error.message}`);
    throw error;
  }
  if (result.status === "bypass") throw new Error("the cache's Redis is not usable; retrying later");
  recordWarmed(job.purgedAt === undefined ? undefined : Date.now() - job.purgedAt);
  return { status: result.status, dbMs: Math.round(result.dbMs * 100) / 100 };
}

async function warmHottest(data: unknown): Promise<{ queued: number }> {
  const { limit, refreshAheadMs } = parse(WarmHottestData, data);
  const hottest = await recentReads().hottest(limit);
  const queued = await queueWarming(
    hottest.map((h) => h.read),
    { reason: "schedule", refreshAheadMs },
  );
  warmCounters().done += 1;
  return { queued };
}

export interface WarmWorkerOptions {
  url: string;
  namespace: string;
  concurrency: number;
}

/**
 * Starts a worker on the warming queue. Its connection waits for Redis as long as it takes
 * (`maxRetriesPerRequest: null`, as BullMQ requires): a worker has nobody waiting on it.
 */
export function startWarmWorker({ url, namespace, concurrency }: WarmWorkerOptions): Worker {
  const connection = new Redis(url, { maxRetriesPerRequest: null, connectionName: "warm-worker" });
  connection.on("error", () => {});
  const worker = new Worker(warmQueueName(namespace), processWarmJob, {
    connection,
    concurrency,
    // Jobs take milliseconds: a worker that died (SIGKILL, crash) has its jobs run again within
    // about lockDuration + stalledInterval, instead of BullMQ's default 30 s + 30 s.
    lockDuration: 5_000,
    stalledInterval: 2_500,
    maxStalledCount: 2,
  });
  worker.on("failed", (job, error) => {
    const final = !job || error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    const counters = warmCounters();
    if (final) counters.failed += 1;
    else counters.retried += 1;
    logger[final ? "warn" : "debug"](
      { job: job?.id, name: job?.name, attempts: job?.attemptsMade, reason: error.message },
      final ? "warming job failed" : "warming job failed; retrying with backoff",
    );
  });
  worker.on("error", (error) => logger.debug({ err: error }, "warming worker"));
  // The connection is ours, not BullMQ's to close: drop it once the worker has closed.
  worker.on("closed", () => connection.disconnect());
  return worker;
}

/**
 * Stops taking jobs and waits up to `timeoutMs` for the running ones. Past the limit they are
 * cancelled (their locks lapse, and another worker runs them again: nothing is lost).
 */
export async function stopWarmWorker(worker: Worker, timeoutMs: number): Promise<"drained" | "timed out"> {
  let timer: NodeJS.Timeout | undefined;
  const closed = worker.close().then(() => "drained" as const);
  const outcome = await Promise.race([
    closed,
    new Promise<"timed out">((resolve) => {
      timer = setTimeout(() => resolve("timed out"), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (outcome === "timed out") {
    worker.cancelAllJobs("shutting down");
    await Promise.race([worker.close(true), new Promise((resolve) => setTimeout(resolve, 1000))]);
  }
  return outcome;
}
