import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * The app to load: the production build (`npm run build`; built first when missing) served by
 * server/index.ts as its own process, on a fresh SEED_SCALE=large database (PGlite in a temp
 * DATA_DIR, or the Postgres of DATABASE_URL), with its own redis-server (started by the server
 * itself on a free port, see server/ensure-redis.ts) and its warming worker inline. The same
 * approach as tests/support/server-process.ts, without importing test code.
 *
 * NODE_ENV stays unset: with NODE_ENV=production the session cookie is `Secure`, and neither k6
 * nor the runner sends a Secure cookie back over plain http on loopback.
 */
export interface Target {
  url: string;
  /** When build/server/index.js was written: which build this app serves (the server reads it once, at start). */
  builtAt: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}

export interface TargetOptions {
  cacheMode?: "on" | "off";
  seedScale?: "small" | "large";
  port?: number;
  log?: (line: string) => void;
  /** Rebuild even when build/ exists. */
  build?: boolean;
  /** The Postgres to seed and use; "" for PGlite. Default: DATABASE_URL. */
  databaseUrl?: string;
  /** A PGlite directory to use and keep (seeded by the first app that uses it); default: a temporary one. */
  dataDir?: string;
  /** More of the app's environment (NODE_ENV, RESPONSE_CACHE, CACHE_L1_MB…). */
  env?: Record<string, string>;
}

export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (options.build || !existsSync("build/server/index.js")) {
    log("load: building the app (npm run build)…");
    const built = spawnSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
    if (built.status !== 0) throw new Error("npm run build failed");
  }
  const port = options.port ?? (await freePort());
  const redisPort = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "quill-load-"));
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_REDIS_URL: "",
    DATABASE_URL: options.databaseUrl ?? process.env.DATABASE_URL ?? "",
    SEED_SCALE: options.seedScale ?? "large",
    SEED_DEMO: "1",
    CACHE_MODE: options.cacheMode ?? "on",
    LOG_LEVEL: process.env.LOAD_LOG_LEVEL ?? "warn",
    ...options.env,
  };
  const builtAt = statSync("build/server/index.js").mtime.toISOString();
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr?.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let finished = false;
  void exited.then(() => {
    finished = true;
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = () =>
    fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  const deadline = Date.now() + 240_000;
  while (!finished && Date.now() < deadline && !(await ready())) await new Promise((r) => setTimeout(r, 250));
  if (finished || Date.now() >= deadline) {
    child.kill("SIGKILL");
    throw new Error(`the app did not become ready at ${url}:\n${output.slice(-4000)}`);
  }
  log(
    `load: app ready at ${url} (CACHE_MODE=${env.CACHE_MODE}, NODE_ENV=${env.NODE_ENV ?? "unset"}, SEED_SCALE=${env.SEED_SCALE}, ` +
      `${env.DATABASE_URL ? "Postgres" : "PGlite"}, Redis on ${redisPort}, build of ${builtAt}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    url,
    builtAt,
    child,
    async stop() {
      if (finished) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
