import { expect, test } from "./fixtures";

test.describe("cache metrics", () => {
  test("GET /studio/api/cache/metrics: admins see the counters, others are refused", async ({
    request: anonymous,
    aliceRequest: alice,
    adminRequest: admin,
  }) => {
    expect((await anonymous.get("/studio/api/cache/metrics")).status()).toBe(401);

    const refused = await alice.get("/studio/api/cache/metrics");
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toEqual({ error: "Admins only" });

    await admin.get("/community");
    await admin.get("/community");
    const response = await admin.get("/studio/api/cache/metrics");
    expect(response.status()).toBe(200);
    expect(response.headers()["cache-control"]).toBe("private, no-store");
    const body = await response.json();
    // The feed page is assembled: its list entry and each post's summary are counted as reads.
    expect(body.queries["community.feed.page"].reads).toBeGreaterThanOrEqual(2);
    expect(body.queries["community.feed.page"].latency.count).toBeGreaterThanOrEqual(2);
    expect(body.queries["community.post.summary"].reads).toBeGreaterThanOrEqual(2);
    expect(body.availability).toMatchObject({ breaker: "closed", recovering: false });
    expect(typeof body.outboxBacklog).toBe("number");

    expect((await alice.delete("/studio/api/cache/metrics")).status()).toBe(403);
    expect(await (await admin.delete("/studio/api/cache/metrics")).json()).toEqual({ reset: true });
    expect((await admin.put("/studio/api/cache/metrics")).status()).toBe(405);
  });

  test("GET /metrics: Prometheus text with per-query reads", async ({ request }) => {
    await request.get("/");
    const response = await request.get("/metrics");
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain("# TYPE quill_cache_reads_total counter");
    expect(text).toMatch(/quill_cache_reads_total\{query="stories.published",status="(hit|miss)"\} \d+/);
    expect(text).toContain("quill_cache_purges_total");
  });
});
