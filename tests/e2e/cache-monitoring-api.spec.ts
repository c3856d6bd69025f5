import { expect, test } from "./fixtures";

/**
 * GET/POST /studio/api/cache/monitoring and the cluster view of GET /studio/api/cache/metrics, over
 * HTTP as an admin, a non-admin and anonymously (docs/api.md).
 */
test.describe("the cache monitoring API", () => {
  test("answers 401 anonymously and 403 to non-admins", async ({ request, aliceRequest }) => {
    expect((await request.get("/studio/api/cache/monitoring")).status()).toBe(401);
    expect((await aliceRequest.get("/studio/api/cache/monitoring")).status()).toBe(403);
    expect((await aliceRequest.post("/studio/api/cache/monitoring", { data: { intent: "thresholds" } })).status()).toBe(
      403,
    );
  });

  test("gives admins the health summary, active alerts, thresholds and history", async ({ adminRequest }) => {
    const response = await adminRequest.get("/studio/api/cache/monitoring");
    expect(response.status()).toBe(200);
    expect(response.headers()["cache-control"]).toBe("private, no-store");
    const body = await response.json();
    expect(body).toMatchObject({
      health: { status: expect.stringMatching(/^(ok|info|warning|error|critical)$/) },
      active: expect.any(Array),
      history: expect.any(Array),
      thresholds: { windowMinutes: expect.any(Number), minReads: expect.any(Number) },
    });
    expect(Object.keys(body.thresholds.rules).sort()).toEqual(
      [
        "error_rate",
        "hit_rate",
        "invalidation_rate",
        "outbox_backlog_age_s",
        "p95_latency_ms",
        "stale_hits",
        "warm_failures",
      ].sort(),
    );
    expect(body.thresholds.rules.hit_rate.levels).toMatchObject({ warning: 0.7, critical: 0.5 });
  });

  test("refuses bad input with 400 and field errors; an unknown alert is 404", async ({ adminRequest }) => {
    const bad = await adminRequest.post("/studio/api/cache/monitoring", {
      data: { intent: "thresholds", windowMinutes: 0, "hit_rate.warning": "lots" },
    });
    expect(bad.status()).toBe(400);
    const { fieldErrors } = await bad.json();
    expect(Object.keys(fieldErrors).sort()).toEqual(["hit_rate.warning", "windowMinutes"]);
    const noIntent = await adminRequest.post("/studio/api/cache/monitoring", { data: {} });
    expect(noIntent.status()).toBe(400);
    expect((await noIntent.json()).fieldErrors).toHaveProperty("intent");
    const unknown = await adminRequest.post("/studio/api/cache/monitoring", {
      form: { intent: "acknowledge", alertId: "999999" },
    });
    expect(unknown.status()).toBe(404);
  });

  test("the metrics API gains the cluster view", async ({ adminRequest }) => {
    await adminRequest.get("/community");
    // Every process publishes every 5 s (and the run starts by flushing the e2e Redis).
    const metrics = async () => (await adminRequest.get("/studio/api/cache/metrics")).json();
    await expect
      .poll(async () => (await metrics()).cluster?.instances.length ?? 0, { timeout: 15_000 })
      .toBeGreaterThan(0);
    const body = await metrics();
    expect(body).toHaveProperty("queries");
    expect(body).toHaveProperty("audit.audited");
    expect(body.cluster).toMatchObject({
      instances: expect.any(Array),
      totals: { reads: expect.any(Number), latency: { p95Ms: expect.any(Number) } },
      series: expect.any(Array),
    });
    expect(body.cluster.instances.length).toBeGreaterThanOrEqual(1);
    // (DELETE, which resets this instance's counters, is tested in cache-api.spec.ts: running it here
    // too would reset them under that test, which runs in parallel.)
    expect(body.cluster.totals.reads).toBeGreaterThan(0);
  });

  test("POST /studio/api/cache/purge: admins purge named tags (X-Cache-Invalidate), others are refused", async ({
    adminRequest,
    aliceRequest,
  }) => {
    const purged = await adminRequest.post("/studio/api/cache/purge", { data: { tags: ["community:feed"] } });
    expect(purged.status()).toBe(200);
    expect(purged.headers()["x-cache-invalidate"]).toBe("community:feed");
    expect(await purged.json()).toMatchObject({ tags: ["community:feed"] });
    const bad = await adminRequest.post("/studio/api/cache/purge", { form: { tags: "not a tag!" } });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).fieldErrors).toHaveProperty("tags");
    expect((await aliceRequest.post("/studio/api/cache/purge", { data: { tags: ["community:feed"] } })).status()).toBe(
      403,
    );
  });
});
