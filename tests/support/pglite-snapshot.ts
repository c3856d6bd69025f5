import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { type Database, type DatabaseHandle, migrationsFolder } from "~/db/connection.server";
import * as schema from "~/db/schema";

/**
 * An in-memory PGlite with the project's migrations applied, like `openDatabase({ memory: true })`,
 * but started from a snapshot of an already migrated data directory, kept in the OS temp dir and
 * keyed by the migrations' content. Creating a PGlite cluster (initdb in WebAssembly) takes 5–15 s
 * on a busy 2-core machine; loading the snapshot takes a fraction of that. Mutation testing runs a
 * test file once per mutant, so this is most of its time. The migrations still run (a no-op on a
 * current snapshot), so a stale snapshot cannot go unnoticed.
 */
export async function openSnapshotPglite(dataDir?: string): Promise<DatabaseHandle> {
  const file = snapshotFile();
  const snapshot = existsSync(file) ? readFileSync(file) : undefined;
  // In `dataDir` when given (a server's DATA_DIR/pglite, tests/support/server-process.ts), else in memory.
  const options = snapshot ? { loadDataDir: new Blob([snapshot]) } : {};
  const client = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  const db = drizzle({ client, schema }) as unknown as Database;
  await migrate(db as never, { migrationsFolder });
  if (!snapshot) {
    const dump = Buffer.from(await (await client.dumpDataDir("none")).arrayBuffer());
    const partial = `${file}.${process.pid}.${Date.now()}`;
    writeFileSync(partial, dump);
    renameSync(partial, file); // atomic: a concurrent reader never sees half a file
  }
  return {
    db,
    kind: "pglite",
    location: dataDir ?? "memory",
    ping: async () => void (await db.execute(sql`select 1`)),
    close: () => client.close(),
  };
}

/** The snapshot's path: one per PGlite version and content of the migrations folder. */
function snapshotFile(): string {
  const hash = createHash("sha256");
  hash.update(readFileSync(path.join(process.cwd(), "node_modules/@electric-sql/pglite/package.json")));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(entry.name).update(readFileSync(full));
    }
  };
  walk(migrationsFolder);
  return path.join(os.tmpdir(), `quill-pglite-${hash.digest("hex").slice(0, 16)}.tar`);
}
