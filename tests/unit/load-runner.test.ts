import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The Node runner as a process (its module-resolution hook needs a Node process of its own), on
 * fixture scripts in load/runner/fixtures, against a local server that answers 200.
 */
let server: Server;
let baseUrl = "";
beforeAll(async () => {
  server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function runFixture(name: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const args = ["--import", "tsx", "load/runner/cli.ts", "run", "--quiet", "-e", `BASE_URL=${baseUrl}`];
  for (const [k, v] of Object.entries(env)) args.push("-e", `${k}=${v}`);
  args.push(`load/runner/fixtures/${name}.ts`);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

describe("the Node runner", () => {
  it("exits 99 when a deliberately broken check fails its threshold", async () => {
    const { code, output } = await runFixture("broken-check");
    expect(output).toMatch(/thresholds on metrics 'checks' have been crossed: rate==1/);
    expect(code).toBe(99);
  });

  it("stops at once on an abortOnFail threshold, with exit 99", async () => {
    const started = Date.now();
    const { code, output } = await runFixture("abort-on-fail");
    expect(code).toBe(99);
    expect(output).toMatch(/abortOnFail/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("refuses k6's blocking sleep() with a clear message", async () => {
    const { code, output } = await runFixture("unsupported-sleep");
    expect(code).toBe(107);
    expect(output).toMatch(/k6 sleep\(\) is not supported by the Node runner.*k6\/timers setTimeout/);
  });

  it("refuses a k6 module it does not have", async () => {
    const { code, output } = await runFixture("unsupported-module");
    expect(code).toBe(107);
    expect(output).toMatch(/does not support the module "k6\/ws"/);
  });

  it("refuses an executor it does not have", async () => {
    const { code, output } = await runFixture("unsupported-executor");
    expect(code).toBe(107);
    expect(output).toMatch(/executor "per-vu-iterations" is not supported/);
  });

  it("hands handleSummary k6's summary shape, as recorded from k6", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "quill-summary-")), "summary.json");
    const { code } = await runFixture("summary-shape", { SUMMARY_PATH: file });
    expect(code).toBe(0);
    const ours = JSON.parse(readFileSync(file, "utf8"));
    const recorded = JSON.parse(readFileSync("load/runner/fixtures/k6-summary.recorded.json", "utf8"));
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(ours)).toEqual(expect.arrayContaining(keys(recorded)));
    expect(keys(ours.root_group)).toEqual(keys(recorded.root_group));
    expect(keys(ours.options)).toEqual(keys(recorded.options));
    expect(keys(ours.state)).toEqual(keys(recorded.state));
    expect(keys(ours.root_group.checks[0])).toEqual(keys(recorded.root_group.checks[0]));
    expect(ours.root_group.checks[0]).toMatchObject({ name: "status is 200", path: "::status is 200", fails: 0 });
    // Every metric the recorded run has, with the same type, unit and value names.
    for (const [name, metric] of Object.entries<{
      type: string;
      contains: string;
      values: object;
      thresholds?: object;
    }>(recorded.metrics)) {
      const mine = ours.metrics[name];
      expect(mine, name).toBeDefined();
      expect({ name, type: mine.type, contains: mine.contains }).toEqual({
        name,
        type: metric.type,
        contains: metric.contains,
      });
      expect(keys(mine.values), name).toEqual(keys(metric.values));
      if (metric.thresholds) expect(keys(mine.thresholds), name).toEqual(keys(metric.thresholds));
    }
    expect(ours.metrics.checks.thresholds["rate==1"]).toEqual({ ok: true });
    expect(ours.metrics.http_reqs.values.count).toBeGreaterThan(0);
  });
});
