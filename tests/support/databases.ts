import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "~/db/connection.server";

/**
 * The databases the integration tests run against: an in-memory PGlite always, and the Postgres
 * server named by DATABASE_URL when there is one (CI sets it). Each test file gets a database of
 * its own (a fresh PGlite, or a fresh Postgres database dropped afterwards).
 */
export interface TestDatabase {
  name: "pglite" | "postgres";
  open(): Promise<DatabaseHandle>;
}

export const testDatabases: TestDatabase[] = [
  { name: "pglite", open: () => openDatabase({ memory: true }) },
  ...(process.env.DATABASE_URL
    ? [{ name: "postgres" as const, open: () => openScratchPostgres(process.env.DATABASE_URL as string) }]
    : []),
];

async function openScratchPostgres(url: string): Promise<DatabaseHandle> {
  const scratch = await createScratchPostgres(url);
  const handle = await openDatabase({ url: scratch.url });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

/** A new, empty database on the Postgres server of `url`, for one test file (or its processes). */
export async function createScratchPostgres(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    async drop() {
      const cleanup = postgres(url, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
