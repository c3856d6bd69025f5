import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * Makes sure a Redis answers at `url` for a local run: when nothing listens on a loopback address
 * and `redis-server` is on the PATH, starts one (in memory, files under DATA_DIR/redis) as our
 * child, stopped with us. Returns the child, or undefined when Redis was already there or none
 * could be started — the app then runs without a cache and says so.
 */
export async function ensureRedis(url: string, dataDir: string, log: (msg: string) => void) {
  const target = new URL(url);
  const port = Number(target.port || 6379);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  if (await answers(host, port)) return undefined;
  const loopback = host === "localhost" || host === "::1" || host.startsWith("127.");
  if (!loopback) return undefined;
  if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) {
    log(`No Redis at ${host}:${port} and no redis-server on the PATH`);
    return undefined;
  }
  const dir = path.join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      host === "localhost" ? "127.0.0.1" : host,
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "allkeys-lru",
    ],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 50; i++) {
    if (await answers(host, port)) {
      log(`Started redis-server on ${host}:${port} (files under ${dir}); it stops with this process`);
      return child;
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  log(`Could not start redis-server on ${host}:${port}`);
  return undefined;
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 500 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}
