// `npm run db:migrate`: applies the checked-in SQL migrations to DATABASE_URL, or to the PGlite
// database under DATA_DIR. The server does the same on every start; this is for deploy pipelines.
import { config } from "~/config.server";
import { openDatabase } from "~/db/connection.server";

const cfg = config();
const handle = await openDatabase(cfg.databaseUrl ? { url: cfg.databaseUrl } : { dataDir: cfg.dataDir });
console.log(`migrations applied: ${handle.kind} ${handle.location}`);
await handle.close();
