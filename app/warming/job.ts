import { z } from "zod";
import { type Query, queryRegistry } from "~/cache/define-query.server";
import type { ReadRef } from "./recent-reads.server";

/**
 * The warming queue's jobs (docs/design.md#warming), shared by the app (which adds them) and the worker (which
 * runs them). Data is checked with these schemas on both ends.
 */

/**
 * One queue per database: its name carries the cache namespace, so deployments (or test runs)
 * sharing a queue Redis never run each other's jobs against the wrong database.
 */
export function warmQueueName(namespace: string): string {
  return `warm-${namespace}`;
}

export const WARM_JOB = "warm";
export const WARM_HOTTEST_JOB = "warm-hottest";
export const WARM_SCHEDULER_ID = "warm-hottest";

/** Re-run one declared query so that the next reader hits. */
export const WarmJobData = z.object({
  query: z.string().min(1).max(200),
  args: z.unknown(),
  userId: z.number().int().positive().optional(),
  /** `purge`: a purge emptied the key (load now); `schedule`: keep a hot key from expiring. */
  reason: z.enum(["purge", "schedule"]),
  /** When the purge happened (epoch ms), for the purge-to-warmed delay. */
  purgedAt: z.number().int().positive().optional(),
  /** `schedule`: refresh unless the entry stays fresh at least this long. */
  refreshAheadMs: z.number().int().min(0).optional(),
});
export type WarmJobData = z.infer<typeof WarmJobData>;

/** The scheduler's job: find the hottest keys and queue a warming job for each. */
export const WarmHottestData = z.object({
  limit: z.number().int().min(1).max(10_000),
  /** Refresh a key now unless its entry stays fresh at least this long. */
  refreshAheadMs: z.number().int().min(0),
});
export type WarmHottestData = z.infer<typeof WarmHottestData>;

/**
 * The one check of a read before it is warmed, made by the producer (which then does not queue it)
 * and by the worker (which then fails the job for good): the declared query, its arguments parsed
 * by the query's own schema, and a user for a user-scoped query.
 */
export function resolveRead(
  read: ReadRef,
): { ok: true; query: Query<z.ZodType, z.ZodType>; args: unknown } | { ok: false; problem: string } {
  const query = queryRegistry.get(read.query);
  if (!query) return { ok: false, problem: `unknown query "${read.query}"` };
  const args = query.argsSchema.safeParse(read.args);
  if (!args.success) {
    return {
      ok: false,
      problem: `bad arguments for ${read.query}: ${args.error.issues.map((i) => i.message).join("; ")}`,
    };
  }
  if (query.scope === "user" && read.userId === undefined) {
    return { ok: false, problem: `${read.query} is user-scoped: a userId is required` };
  }
  return { ok: true, query, args: args.data };
}
