import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchPostgres } from "../support/databases";
import { type Family, parsePrometheusText } from "../support/prometheus-text";
import { freePort, type RunningServer, type SpawnedScript, spawnScript, startServer } from "../support/server-process";

const TOKEN = "metrics-token-for-the-test-0123";

/** This machine's first non-loopback IPv4 address: a caller there is not local. */
function outsideAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

function bucketSeries(families: Map<string, Family>, family: string) {
  return families.get(family)?.samples.filter((s) => s.name === `${family}_bucket`) ?? [];
}

/** The real server's /metrics: strict exposition text with buckets, for loopback or the token only. */
describe("GET /metrics on the web server", { timeout: 120_000 }, () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    server = await startServer({ HOST: "0.0.0.0", METRICS_TOKEN: TOKEN });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server?.stop("SIGKILL"));

  it("answers a loopback caller with valid text: read, purge, warm and HTTP histograms by route id", async () => {
    const first = await fetch(`${server.url}/community`);
    expect(first.status).toBe(200);
    await first.text(); // the request is measured once its response has finished
    const second = await fetch(`${server.url}/community`);
    await second.text();
    const xCache = second.headers.get("x-cache");
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain;/);
    expect(response.headers.get("content-type")).toMatch(/version=0\.0\.4/);
    const families = parsePrometheusText(await response.text());
    expect(bucketSeries(families, "quill_cache_read_duration_seconds").length).toBeGreaterThan(0);
    expect(families.get("quill_cache_purge_duration_seconds")?.type).toBe("histogram");
    expect(families.get("quill_warm_delay_seconds")?.type).toBe("histogram");
    const http = bucketSeries(families, "quill_http_request_duration_seconds");
    const community = http.filter((s) => s.labels.route === "routes/community._index" && s.labels.le === "+Inf");
    expect(community.reduce((n, s) => n + s.value, 0)).toBe(2);
    expect(community.map((s) => s.labels.x_cache)).toContain(xCache);
    expect(families.has("nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("refuses a loopback request that came through a proxy, unless it has the token", async () => {
    const proxied = await fetch(`${server.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(proxied.status).toBe(403);
    const withToken = await fetch(`${server.url}/metrics`, {
      headers: { "x-forwarded-for": "203.0.113.9", authorization: `Bearer ${TOKEN}` },
    });
    expect(withToken.status).toBe(200);
  });

  const outside = outsideAddress();
  it.runIf(outside)("refuses a non-loopback caller without the token, and lets it in with it", async () => {
    const url = `http://${outside}:${port}/metrics`;
    const refused = await fetch(url);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toMatch(/quill_/);
    expect((await fetch(url, { headers: { authorization: "Bearer not-the-token-at-all-00" } })).status).toBe(403);
    const allowed = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(allowed.status).toBe(200);
    parsePrometheusText(await allowed.text());
  });
});

// `npm run worker` needs a Postgres server (PGlite belongs to one process).
const postgresUrl = process.env.DATABASE_URL;
describe.runIf(postgresUrl)("GET /metrics on npm run worker (METRICS_PORT)", { timeout: 120_000 }, () => {
  let scratch: { url: string; drop(): Promise<void> };
  let worker: SpawnedScript;
  let port: number;
  beforeAll(async () => {
    scratch = await createScratchPostgres(postgresUrl as string);
    port = await freePort();
    worker = spawnScript("workers/main.ts", {
      DATABASE_URL: scratch.url,
      HOST: "0.0.0.0",
      METRICS_PORT: String(port),
      METRICS_TOKEN: TOKEN,
      LOG_LEVEL: "info",
      WARM_INTERVAL: "0",
    });
    const deadline = Date.now() + 60_000;
    while (!/worker: \/metrics on/.test(worker.output()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    worker?.child.kill("SIGKILL");
    await worker?.exited;
    await scratch?.drop();
  });

  it("serves its own registry to loopback, refuses others without the token", async () => {
    expect(worker.output()).toMatch(/worker: \/metrics on/);
    const local = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(local.status).toBe(200);
    const families = parsePrometheusText(await local.text());
    expect(families.get("quill_warm_delay_seconds")?.type).toBe("histogram");
    expect(families.has("quill_warm_jobs_done_total")).toBe(true);
    const outside = outsideAddress();
    if (outside) {
      expect((await fetch(`http://${outside}:${port}/metrics`)).status).toBe(403);
      const allowed = await fetch(`http://${outside}:${port}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(allowed.status).toBe(200);
    }
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });
});
