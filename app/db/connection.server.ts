import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema";

/** One query API over both drivers: the model layer never knows which one it talks to. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  kind: "pglite" | "postgres";
  /** Where it lives, without credentials (for logs and /readyz). */
  location: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Checked-in SQL migrations, resolved from the project root (npm scripts run there). */
export const migrationsFolder = path.resolve(process.cwd(), "app/db/migrations");

/** An arbitrary constant: the advisory lock that serializes migrations across processes. */
const MIGRATION_LOCK = 74_201_117;

export type DatabaseTarget = { url: string } | { dataDir: string } | { memory: true };

/** Opens the database named by `target` and applies pending migrations. */
export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if ("url" in target) {
    const client = postgres(target.url, { max: 10, onnotice: () => {}, connect_timeout: 5 });
    const db = drizzlePostgres({ client, schema }) as unknown as Database;
    // The web server and `npm run worker` may start together: one migrates, the other waits.
    const lock = await client.reserve();
    try {
      await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
      await migratePostgres(db as never, { migrationsFolder });
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
      lock.release();
    }
    const u = new URL(target.url);
    return {
      db,
      kind: "postgres",
      location: `postgres://${u.host}${u.pathname}`,
      ping: async () => void (await db.execute(sql`select 1`)),
      close: () => client.end({ timeout: 5 }),
    };
  }
  let dir: string | undefined;
  if ("dataDir" in target) {
    dir = path.join(target.dataDir, "pglite");
    await mkdir(dir, { recursive: true });
  }
  const client = new PGlite(dir);
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  await migratePglite(db as never, { migrationsFolder });
  return {
    db,
    kind: "pglite",
    location: dir ?? "memory",
    ping: async () => void (await db.execute(sql`select 1`)),
    close: () => client.close(),
  };
}

let current: DatabaseHandle | undefined;

/** Makes `handle` the database every model function uses. */
export function setDatabase(handle: DatabaseHandle | undefined): void {
  current = handle;
}

export function currentDatabase(): DatabaseHandle | undefined {
  return current;
}

/** The database of this process; opened by the server (or a test) before any request. */
export function db(): Database {
  if (!current) throw new Error("The database is not open yet: call openDatabase() and setDatabase() first");
  return current.db;
}
