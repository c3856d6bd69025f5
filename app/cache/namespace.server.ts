import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "~/db/connection.server";
import { appMeta } from "~/db/schema";

/**
 * The cache namespace of a database: made once, stored in it, read at start-up. Every instance on
 * one database shares it; another database (a fresh DATA_DIR, a test's) gets its own, so entries
 * cached from one never answer for the other in a shared Redis.
 */
export async function loadCacheNamespace(db: Database): Promise<string> {
  await db
    .insert(appMeta)
    .values({ key: "cache_namespace", value: randomBytes(6).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await db.select().from(appMeta).where(eq(appMeta.key, "cache_namespace"));
  if (!row) throw new Error("cache_namespace missing after insert");
  return row.value;
}

/**
 * The cache generation for the Redis whose `run_id` (INFO server) is `runId`
 * (docs/decisions/010-redis-restarts-rotate-the-cache.md). A Redis that restarted — from a
 * snapshot or an AOF that predates the last purges, or a replica promoted before it caught up —
 * has a new run_id, and may hold tag tokens that purges already deleted: entries under them would
 * be valid again. So the first instance that meets a new run_id makes a new generation, and keys
 * move to a prefix nothing was written under. The check and the change are one transaction on
 * the run_id row, so every instance of the database ends up on the same generation. "" (no
 * suffix) until the first change, so existing keys keep their names.
 */
export async function cacheGenerationFor(db: Database, runId: string): Promise<string> {
  return db.transaction(async (tx) => {
    await tx
      .insert(appMeta)
      .values([
        { key: "cache_redis_run_id", value: "" },
        { key: "cache_generation", value: "" },
      ])
      .onConflictDoNothing();
    const [seen] = await tx.select().from(appMeta).where(eq(appMeta.key, "cache_redis_run_id")).for("update");
    const [current] = await tx.select().from(appMeta).where(eq(appMeta.key, "cache_generation"));
    const generation = current?.value ?? "";
    if (seen?.value === runId) return generation;
    // First sight of any Redis: nothing to distrust yet (entries predate this check), remember it.
    if (!seen?.value) {
      await tx.update(appMeta).set({ value: runId }).where(eq(appMeta.key, "cache_redis_run_id"));
      return generation;
    }
    const next = randomBytes(4).toString("base64url");
    await tx.update(appMeta).set({ value: runId }).where(eq(appMeta.key, "cache_redis_run_id"));
    await tx.update(appMeta).set({ value: next }).where(eq(appMeta.key, "cache_generation"));
    return next;
  });
}

/** The key prefix of a namespace in a generation: `ns`, then `ns.g` after the first change. */
export function namespaceInGeneration(namespace: string, generation: string): string {
  return generation === "" ? namespace : `${namespace}.${generation}`;
}
