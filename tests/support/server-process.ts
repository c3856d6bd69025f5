import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** A free TCP port on loopback (nothing listens there once this returns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Whether `redis-server` is installed (tests that start their own Redis need it). */
export const redisServerAvailable = (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

export interface SpawnedScript {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Every process started here: none may outlive the test file, not even one whose test timed out
 * before it could stop it (Vitest ends its workers without running "exit" handlers). Benchmarks
 * import this too, outside Vitest: they stop what they start.
 */
const children = new Set<ChildProcess>();
if (process.env.VITEST) {
  const { afterAll } = await import("vitest");
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });
}

/** Runs one of the project's TypeScript entry points (through tsx) with `env` over ours. */
export function spawnScript(script: string, env: Record<string, string>, args: string[] = []): SpawnedScript {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `server/index.ts` as a real process, serving the build (made by the Vitest global setup),
 * on a free port with a fresh DATA_DIR, and waits until it listens or exits.
 */
export async function startServer(env: Record<string, string>, args: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "quill-server-"));
  // A PGlite of its own, as before, but copied from a migrated and seeded one instead of made by
  // initdb, migrations and the demo seed at each start (10–25 s of each start on the busy 2-core
  // machine, about 20 starts a run). The copy has no cache namespace yet: the server makes its own.
  // TEST_SERVER_FRESH_DATA=1 makes each one from scratch as before (to compare, or to rule this out).
  const copy = process.env.VITEST && process.env.TEST_SERVER_FRESH_DATA !== "1";
  if (copy && !env.DATABASE_URL && !env.SEED_SCALE && env.DATA_DIR === undefined) {
    cpSync(await seededDataDir(), dataDir, { recursive: true });
  }
  const { child, output, exited } = spawnScript(
    "server/index.ts",
    // The app's own default L1 (the in-process tests run without one: vitest.config.ts).
    {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      LOG_LEVEL: "info",
      CACHE_L1_MB: "64",
      ...env,
    },
    args,
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  let finished = false;
  void exited.then(() => {
    finished = true;
    // Its PGlite files (and any Redis it started) go with it: nothing else uses them.
    if (env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
  });
  const listening = () =>
    fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  while (!finished && Date.now() < deadline && !(await listening())) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    output,
    exited,
    async stop(signal = "SIGTERM") {
      if (!finished) child.kill(signal);
      return exited;
    },
  };
}

/** What a seeded data directory depends on: the migrations, the schema and the seed. */
function seedFingerprint(): string {
  const hash = createHash("sha256");
  const migrations = "app/db/migrations";
  for (const name of readdirSync(migrations, { recursive: true }).map(String).sort()) {
    const file = path.join(migrations, name);
    if (name.endsWith(".sql") || name.endsWith(".json")) hash.update(name).update(readFileSync(file));
  }
  for (const file of ["app/db/schema.ts", "app/db/seed.server.ts", "package-lock.json"])
    hash.update(readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}

let seeded: Promise<string> | undefined;

/**
 * A DATA_DIR whose PGlite is migrated and holds the demo seed, made once per Vitest run (the forks'
 * parent process) and content of the migrations, schema and seed, in the OS temp dir, then only
 * copied: its rows are as new as a freshly seeded server's. The server still runs its migrations on
 * it (a no-op on a current copy) and skips the seed (the database is not empty). Two forks making it
 * at once: the first rename wins, the other's copy goes. Older runs' copies are removed.
 */
function seededDataDir(): Promise<string> {
  seeded ??= (async () => {
    const prefix = "quill-seeded-data-";
    const final = path.join(os.tmpdir(), `${prefix}${seedFingerprint()}-${process.ppid}`);
    if (existsSync(path.join(final, "pglite"))) return final;
    for (const name of readdirSync(os.tmpdir())) {
      const old = path.join(os.tmpdir(), name);
      if (name.startsWith(prefix) && old !== final && Date.now() - statSync(old).mtimeMs > 3_600_000) {
        rmSync(old, { recursive: true, force: true });
      }
    }
    const building = mkdtempSync(path.join(os.tmpdir(), "quill-seeding-"));
    // From the migrated snapshot (no initdb, the slow part), into the directory the server opens.
    const { openSnapshotPglite } = await import("./pglite-snapshot");
    const { seedDemo } = await import("../../app/db/seed.server");
    const handle = await openSnapshotPglite(path.join(building, "pglite"));
    await seedDemo(handle.db);
    await handle.close();
    try {
      renameSync(building, final);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another process made it first
    }
    return final;
  })();
  return seeded;
}
