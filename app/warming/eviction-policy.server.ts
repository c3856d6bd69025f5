import type { Redis } from "ioredis";

/**
 * Each Redis must evict (or not) as its role needs (docs/design.md#warming). The policy belongs to the server,
 * not to a database number, so one Redis cannot serve both roles unless it never evicts at all.
 * - The queue needs `noeviction`: an evicted job, lock or dedup key is lost work.
 * - The cache may evict anything (a lost token only makes entries misses, see tagged-store), and
 *   must be able to: with a memory limit and `noeviction`, every cache write fails once it is full.
 */
export interface RedisPolicy {
  policy: string;
  /** Bytes; 0 is no limit. */
  maxmemory: number;
}

export function policyProblem(role: "cache" | "queue", { policy, maxmemory }: RedisPolicy): string | undefined {
  if (role === "queue") {
    return policy === "noeviction"
      ? undefined
      : `the queue Redis has maxmemory-policy ${policy}: BullMQ needs noeviction, or jobs are lost`;
  }
  if (policy.startsWith("allkeys-")) return undefined;
  if (policy === "noeviction" && maxmemory === 0) return undefined;
  if (policy === "noeviction") {
    return `the cache Redis has maxmemory ${maxmemory} with noeviction: once full, every cache write fails (use allkeys-lru)`;
  }
  return `the cache Redis has maxmemory-policy ${policy}: tag tokens have no TTL, so only allkeys-* policies can evict them (use allkeys-lru)`;
}

export async function readPolicy(redis: Redis): Promise<RedisPolicy> {
  const [policy, maxmemory] = await Promise.all([
    redis.config("GET", "maxmemory-policy") as Promise<string[]>,
    redis.config("GET", "maxmemory") as Promise<string[]>,
  ]);
  return { policy: policy[1] ?? "unknown", maxmemory: Number(maxmemory[1] ?? 0) };
}

/** The problems of both Redis servers for their roles; one that cannot be read is skipped. */
export async function evictionPolicyProblems(redis: {
  cache?: Redis;
  queue?: Redis;
}): Promise<{ problems: string[]; unchecked: string[] }> {
  const problems: string[] = [];
  const unchecked: string[] = [];
  for (const role of ["cache", "queue"] as const) {
    const client = redis[role];
    if (!client || client.status !== "ready") {
      unchecked.push(`${role}: not connected`);
      continue;
    }
    try {
      const problem = policyProblem(role, await readPolicy(client));
      if (problem) problems.push(problem);
    } catch (error) {
      // Managed Redis services often disable CONFIG.
      unchecked.push(`${role}: ${(error as Error).message}`);
    }
  }
  return { problems, unchecked };
}
