// `npm run db:seed`: the demo accounts and data (once: skipped when users exist), and with
// SEED_SCALE=large a data set big enough for load tests and benchmarks.
import { config } from "~/config.server";
import { openDatabase } from "~/db/connection.server";
import { isEmpty, seedDemo, seedLarge } from "~/db/seed.server";

const cfg = config();
const handle = await openDatabase(cfg.databaseUrl ? { url: cfg.databaseUrl } : { dataDir: cfg.dataDir });
const started = performance.now();
if (await isEmpty(handle.db)) {
  await seedDemo(handle.db, console.log);
  if (cfg.seedScale === "large") await seedLarge(handle.db, console.log);
  console.log(`seeded ${handle.kind} ${handle.location} in ${Math.round(performance.now() - started)} ms`);
} else {
  console.log(`${handle.kind} ${handle.location} already has users: nothing seeded (use a fresh DATA_DIR or database)`);
}
await handle.close();
