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
