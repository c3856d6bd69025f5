import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../support/server-process";

/**
 * Issue 11, item 1: one anonymous 100 MB POST took the process from 0.65 to 1.76 GB. Now a body
 * over BODY_LIMIT is a 413 — declared (refused before Remix) or streamed without a length (stopped
 * where it is read) — and the server process's memory barely moves while three arrive at once.
 */
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ LOG_LEVEL: "warn" });
}, 120_000);
afterAll(async () => {
  await server?.stop("SIGKILL");
});

const MB = 1024 * 1024;

/** The server process's resident memory in bytes (Linux); 0 once it is gone. */
function rss(): number {
  try {
    const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
  } catch {
    return 0;
  }
}

/**
 * POSTs `size` bytes of form body in 64 KiB chunks, with a Content-Length or chunked, and stops
 * sending once the answer came (as a client would). Resolves to the status and the bytes sent.
 */
function postHuge(path: string, size: number, declared: boolean): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
    if (declared) headers["Content-Length"] = String(size);
    const request = http.request(url, { method: "POST", headers });
    const chunk = Buffer.from(`email=${"a".repeat(64 * 1024 - 6)}`);
    let sent = 0;
    let answered: number | undefined;
    request.on("response", (response) => {
      answered = response.statusCode ?? 0;
      resolve({ status: answered, sent });
      request.destroy();
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (answered !== undefined) resolve({ status: answered, sent });
      // The server closed the connection with our body still coming: the kernel resets it and the
      // answer in flight can be lost (seen once in CI, under load). A refusal all the same: 0.
      else if (error.code === "EPIPE" || error.code === "ECONNRESET") resolve({ status: 0, sent });
      else reject(error);
    });
    // With a length the answer comes before any body byte is read: wait for it, as curl does.
    const start = declared ? () => setTimeout(write, 500) : () => write();
    const write = () => {
      while (sent < size && answered === undefined) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once("drain", write);
      }
      if (answered === undefined) request.end();
    };
    request.flushHeaders();
    start();
  });
}

describe("the body limit", { timeout: 120_000 }, () => {
  it("answers three 100 MB forms at once with 413, the process growing < 50 MB", async () => {
    // Warm up (the first requests load code and fill pools), then measure.
    for (let i = 0; i < 3; i++) await fetch(`${server.url}/login`).then((r) => r.arrayBuffer());
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 20);
    let results: { status: number; sent: number }[];
    try {
      results = await Promise.all([
        postHuge("/login", 100 * MB, true),
        postHuge("/login", 100 * MB, false),
        postHuge("/community/api/posts", 100 * MB, false),
      ]);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rss());
    const growth = peak - before;
    console.log(
      `body limit: statuses ${results.map((r) => r.status).join(", ")}; sent ${results.map((r) => (r.sent / MB).toFixed(1)).join(", ")} MB before the answer; RSS ${(before / MB).toFixed(1)} MB → peak ${(peak / MB).toFixed(1)} MB (+${(growth / MB).toFixed(1)} MB)`,
    );
    // The page form answers 413 (declared or streamed); the anonymous API write its 401 first
    // (docs/api.md). A connection reset before the answer arrived (0) is a refusal too, but at
    // least one 413 must have come through.
    const expected = [413, 413, 401];
    for (const [i, r] of results.entries()) expect([expected[i], 0]).toContain(r.status);
    expect(results.some((r) => r.status === 413)).toBe(true);
    for (const r of results) expect(r.sent).toBeLessThan(20 * MB);
    expect(growth).toBeLessThan(50 * MB);
    // Still serving.
    expect((await fetch(`${server.url}/login`)).status).toBe(200);
  });

  it("takes its limit from BODY_LIMIT", async () => {
    const small = await startServer({ BODY_LIMIT: "64kb", LOG_LEVEL: "warn" });
    try {
      const form = (n: number) =>
        fetch(`${small.url}/login`, {
          method: "POST",
          body: new URLSearchParams({ email: "x".repeat(n), password: "x" }),
        }).then((r) => r.status);
      expect(await form(60 * 1024)).toBe(400);
      expect(await form(70 * 1024)).toBe(413);
    } finally {
      await small.stop("SIGKILL");
    }
  });
});
