// `npm run worker`: the warming worker, its schedule and the outbox relay, without the web server
// (run the web server with WORKERS=off, or alongside it for more warming capacity). It runs the
// same build as the server (`npm run build` first), so both share the queries' code.
import { parseConfigOrExit } from "../app/config.server";
import type { ProcessServices } from "../app/services.server";
import { serveMetrics } from "../server/metrics-access";

/** What the app's composition root hands us, through the build's entry.server.tsx. */
type WorkerEntry = Pick<
  ProcessServices,
  "startServices" | "stopServices" | "startWorkers" | "metricsText" | "metricsContentType"
>;

const cfg = parseConfigOrExit();
if (!cfg.databaseUrl) {
  console.error(
    "npm run worker needs DATABASE_URL: the embedded database (PGlite) belongs to one process, so " +
      "without a Postgres server the worker runs inside the web server (npm start, WORKERS=inline).",
  );
  process.exit(1);
}

const { logger } = await import("../app/lib/logger.server");

let entry: WorkerEntry;
try {
  const buildPath = "../build/server/index.js"; // made by `npm run build`
  const build = (await import(buildPath)) as { entry: { module: { services: WorkerEntry } } };
  entry = build.entry.module.services;
} catch (error) {
  logger.fatal({ err: error }, "Cannot load the app build: run `npm run build` first");
  process.exit(1);
}

let stopping = false;
let workers: { stop(): Promise<void> } | undefined;
let metricsServer: import("node:http").Server | undefined;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "worker: stopping (running jobs may finish within WORKER_STOP_TIMEOUT)");
  metricsServer?.close();
  await workers?.stop().catch((error: unknown) => logger.error({ err: error }, "error while stopping the worker"));
  await entry.stopServices().catch((error: unknown) => logger.error({ err: error }, "error while closing resources"));
  logger.info("worker: stopped");
  logger.flush?.();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

try {
  await entry.startServices({ role: "worker" });
} catch (error) {
  logger.fatal({ err: error }, (error as Error).message);
  process.exit(1);
}
if (!stopping) workers = entry.startWorkers();

// The worker has no web server: its own /metrics (loopback or METRICS_TOKEN), METRICS_PORT=0 for none.
if (!stopping && cfg.metricsPort > 0) {
  metricsServer = await serveMetrics({
    port: cfg.metricsPort,
    host: cfg.host,
    token: cfg.metricsToken,
    text: entry.metricsText,
    contentType: entry.metricsContentType,
  }).catch((error: unknown) => {
    logger.error({ err: error }, `worker: cannot serve /metrics on port ${cfg.metricsPort}`);
    return undefined;
  });
  if (metricsServer) logger.info(`worker: /metrics on http://${cfg.host}:${cfg.metricsPort}/metrics`);
}
