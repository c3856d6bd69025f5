import type { ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import type { Server } from "node:http";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { pinoHttp } from "pino-http";
import type { ViteDevServer } from "vite";
import { parseConfigOrExit } from "../app/config.server";
import type { ProcessServices } from "../app/services.server";
import { ensureRedis } from "./ensure-redis";
import { flashPurgeCookie } from "./flash-purge";
import { httpMetrics, routeTree } from "./http-metrics";
import { metricsAllowed } from "./metrics-access";
import { QUEUE_DASHBOARD_PATH, queueDashboard } from "./queue-dashboard";
import { expressHandler } from "./remix-handler";
import { bodyLimit, crossSiteGuard, securityHeaders } from "./security";

/** What the app's composition root hands us, through the build's entry.server.tsx. */
type AppEntry = ProcessServices;

const SHUTDOWN_GRACE_MS = 10_000;

const cfg = parseConfigOrExit();

// Logger after config: it reads LOG_LEVEL through the validated configuration.
const { logger } = await import("../app/lib/logger.server");

const redisChild: ChildProcess | undefined = await ensureRedis(cfg.redisUrl, cfg.dataDir, (msg) => logger.info(msg));

// Signals are handled from here on, so a stop during start-up still stops our Redis child.
let server: Server | undefined;
let entry: AppEntry | undefined;
let workers: { stop(): Promise<void> } | undefined;
let vite: ViteDevServer | undefined;
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: no new connections, finishing requests in flight");
  const force = setTimeout(() => {
    logger.warn("requests still running after the grace period; closing them");
    server?.closeAllConnections();
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearTimeout(force);
  await workers?.stop().catch((error: unknown) => logger.error({ err: error }, "error while stopping the worker"));
  await entry?.stopServices().catch((error: unknown) => logger.error({ err: error }, "error while closing resources"));
  await vite?.close();
  redisChild?.kill();
  logger.info("stopped");
  logger.flush?.();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

// `npm run dev` serves the app from source through Vite; otherwise the built app is served.
if (process.argv.includes("--dev")) {
  const { createServer } = await import("vite");
  const ours = new Set([...process.listeners("SIGTERM"), ...process.listeners("SIGINT")]);
  vite = await createServer({ server: { middlewareMode: true }, appType: "custom" });
  // Vite adds its own SIGTERM handler that exits at once; ours closes the pools first.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    for (const listener of process.listeners(signal)) if (!ours.has(listener)) process.off(signal, listener);
  }
}
const devServer = vite;

async function loadBuild(): Promise<ServerBuild> {
  if (devServer) return (await devServer.ssrLoadModule("virtual:remix/server-build")) as ServerBuild;
  // @ts-expect-error -- exists after `npm run build`
  return (await import("../build/server/index.js")) as ServerBuild;
}

const initialBuild = await loadBuild().catch((error: unknown) => {
  logger.fatal({ err: error }, "Cannot load the app build: run `npm run build` first (npm start does)");
  process.exit(1);
});
entry = (initialBuild.entry.module as unknown as { services: AppEntry }).services;
await entry.startServices().catch((error: unknown) => {
  logger.fatal({ err: error }, (error as Error).message);
  redisChild?.kill();
  process.exit(1);
});
const appEntry = entry;
// The warming worker and the outbox relay run here unless WORKERS=off (then run `npm run worker`).
if (cfg.workers === "inline") workers = appEntry.startWorkers();

const app = express();
app.disable("x-powered-by");
// Whose X-Forwarded-For to believe for req.ip (rate limits): nobody unless TRUST_PROXY says.
app.set("trust proxy", cfg.trustProxy);
app.use(securityHeaders);
app.use(compression());
app.use(
  pinoHttp({
    logger,
    autoLogging: { ignore: (req) => /^\/(assets|healthz|readyz|metrics)|favicon/.test(req.url ?? "") },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info",
  }),
);

// Every request's duration by route id and X-Cache (the build's routes; static files excluded).
const routes = routeTree(initialBuild.routes);
const measure = httpMetrics(routes, appEntry.observeHttpRequest, {
  "/healthz": "healthz",
  "/readyz": "readyz",
  "/metrics": "metrics",
});
app.use((req, res, next) => (/^\/assets\/|^\/favicon/.test(req.path) ? next() : measure(req, res, next)));

app.get("/healthz", (_req, res) => {
  res.json({ ok: true });
});
app.get("/readyz", async (req, res) => {
  const state = await appEntry.readiness();
  // The details (database path, Redis URL, errors) only for the callers /metrics allows.
  const details = metricsAllowed(req.socket.remoteAddress, req.headers, cfg.metricsToken);
  res
    .status(state.ok ? 200 : 503)
    .set("Cache-Control", "no-store")
    .json(details ? state : { ok: state.ok });
});

// Prometheus metrics (no user data: route ids, query names, counts, buckets), for loopback callers
// or a METRICS_TOKEN bearer only (docs/operations.md#scraping-metrics).
app.get("/metrics", async (req, res) => {
  if (!metricsAllowed(req.socket.remoteAddress, req.headers, cfg.metricsToken)) {
    res.status(403).type("text/plain").send("forbidden: loopback or METRICS_TOKEN only\n");
    return;
  }
  const text = await appEntry.metricsText();
  res.set({ "Content-Type": appEntry.metricsContentType, "Cache-Control": "no-store" }).send(text);
});

// BODY_LIMIT: a declared body beyond it is refused here, before Remix (docs/security.md).
app.use(bodyLimit(cfg.bodyLimitBytes));
app.use(crossSiteGuard);
// A document POST's purged tags ride to the next page in a cookie (docs/client.md).
app.use(flashPurgeCookie({ secure: cfg.isProduction }));

const warmQueue = appEntry.warmQueueHandle()?.queue;
if (warmQueue) app.use(QUEUE_DASHBOARD_PATH, queueDashboard(warmQueue, appEntry.actorOfCookie));

if (devServer) {
  app.use(devServer.middlewares);
} else {
  app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
  // The build's other public files, known at start: asking the disk on every page request (a
  // `stat` that misses) showed as 4 % of the CPU of response cache replays.
  const publicFiles = new Set(readdirSync("build/client").filter((name) => name !== "assets"));
  const serveFile = express.static("build/client", { maxAge: "1h" });
  app.use((req, res, next) => (publicFiles.has(req.path.split("/")[1] ?? "") ? serveFile(req, res, next) : next()));
}

// Built apps answer anonymous GETs from the response cache when they can (docs/caching.md); the
// dev server renders every request from source.
const remix = createRequestHandler(devServer ? loadBuild : initialBuild, cfg.env);
const { handler, answer } = devServer
  ? { handler: remix, answer: undefined }
  : appEntry.cacheResponses(remix, initialBuild);
app.all(
  "*",
  expressHandler(
    handler,
    (req) => appEntry.createLoadContext(req.ip ?? req.socket.remoteAddress ?? "unknown", req),
    answer,
  ),
);

server = app.listen(cfg.port, cfg.host, () => {
  logger.info(`Listening on http://localhost:${cfg.port} (${cfg.env})`);
});
// Longer than any client's idle keep-alive, so a client never reuses a socket we are closing
// (ECONNRESET on its next request); headersTimeout must exceed it.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
