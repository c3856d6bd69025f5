import { readFileSync } from "node:fs";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { expect, type Session, test } from "./fixtures";
import { unique } from "./support";

/**
 * The operators' view in the browser (issue 9): the debug panel (Ctrl+Shift+D), the dashboard
 * (Ctrl+Shift+M and /admin/cache) with its charts and exports, what non-admins get, and the
 * dashboard without JavaScript.
 */

async function newPost(request: APIRequestContext, title: string): Promise<number> {
  const response = await request.post("/community/api/posts", { form: { title, body: `Body of ${title}` } });
  expect(response.status()).toBe(201);
  return Number(((await response.json()) as { id: number }).id);
}

async function pageAs(browser: Browser, session: Session, baseURL: string | undefined, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ baseURL, javaScriptEnabled, storageState: session });
  return { context, page: await context.newPage() };
}

/** The panel's rows: [query, STATUS]. */
async function panelReads(page: Page) {
  return page
    .getByTestId("debug-reads")
    .locator("tbody tr")
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent)));
}

test.describe("debug panel and dashboard (JavaScript)", () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "the keys and charts need JavaScript");

  test("Ctrl+Shift+D on a post page lists its reads with the response's X-Cache; a like in another tab shows as a purge; Escape closes", async ({
    browser,
    baseURL,
    adminSession,
    aliceRequest,
  }) => {
    const { context, page } = await pageAs(browser, adminSession, baseURL, true);
    const postId = await newPost(aliceRequest, unique("Debugged"));
    await page.goto(`/community/posts/${postId}`); // fills the cache
    const response = await page.goto(`/community/posts/${postId}`);
    const xCache = response?.headers()["x-cache"];
    expect(xCache).toBeTruthy();

    await page.keyboard.press("Control+Shift+D");
    const dialog = page.getByRole("dialog", { name: "Cache debug" });
    await expect(dialog).toBeVisible();
    await expect(page.getByTestId("debug-xcache")).toContainText(`X-Cache ${xCache}`);
    const reads = await panelReads(page);
    expect(reads.length).toBeGreaterThan(0);
    // The worst of the listed statuses is the response's X-Cache (MISS > STALE > BYPASS > HIT).
    const statuses = reads.map(([, status]) => status);
    const worst = ["MISS", "STALE", "BYPASS"].find((s) => statuses.includes(s)) ?? "HIT";
    expect(worst).toBe(xCache);
    expect(reads.map(([query]) => query).every((q) => q && q.length > 0)).toBe(true);

    // A like in another tab: its purge reaches this tab (BroadcastChannel) and the panel lists it.
    const other = await context.newPage();
    await other.goto(`/community/posts/${postId}`);
    const liked = other.waitForResponse((r) => r.request().method() === "POST" && r.url().includes(`/posts/${postId}`));
    await other.getByRole("button", { name: "Like", exact: true }).click();
    expect((await liked).headers()["x-cache-invalidate"]).toContain(`post:${postId}`);
    await expect(page.getByTestId("debug-purges")).toContainText(`post:${postId}`);
    await expect(page.getByTestId("debug-purges")).toContainText("another tab");

    // Purge this page's tags (admins): through the API and invalidate(); this tab records it too.
    await page.getByRole("button", { name: "Purge this page's tags" }).click();
    await expect(page.getByTestId("debug-purge-answer")).toContainText(`post:${postId}`);
    await expect(page.getByTestId("debug-purges")).toContainText("POST /studio/api/cache/purge");

    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await context.close();
  });

  test("the panel names each read's tags, lists this tab's prefetches, and reloads bypassing both caches: every read BYPASS", async ({
    browser,
    baseURL,
    adminSession,
    aliceRequest,
  }) => {
    const { context, page } = await pageAs(browser, adminSession, baseURL, true);
    const title = unique("Prefetched for the panel");
    const postId = await newPost(aliceRequest, title);
    await page.goto("/community");
    // Hydrated, the panel's keys set the cookie that asks for each read's tags.
    await expect
      .poll(async () => (await context.cookies()).some((c) => c.name === "quill_debug" && c.value === "1"))
      .toBe(true);
    const prefetched = page.waitForRequest((r) => r.url().includes(`/community/posts/${postId}.data`));
    await page.getByRole("link", { name: title, exact: true }).hover();
    await prefetched;

    await page.keyboard.press("Control+Shift+D");
    const prefetches = page.getByTestId("debug-prefetches");
    await expect(prefetches).toContainText(`/community/posts/${postId}.data`);
    await expect(prefetches.locator("li").first()).toHaveAttribute("data-state", /loading|ready/);

    // Both caches out of the way: a document read through (admin), every read loaded: BYPASS.
    const reloaded = page.waitForResponse(
      (r) => r.request().resourceType() === "document" && r.url().includes("_cache=bypass"),
    );
    await page.getByRole("button", { name: "Reload bypassing both caches" }).click();
    expect((await reloaded).headers()["x-cache"]).toBe("BYPASS");
    await expect(page.getByRole("dialog", { name: "Cache debug" })).toBeVisible(); // reopened
    await expect(page.getByTestId("debug-xcache")).toContainText("X-Cache BYPASS");
    const reads = await panelReads(page);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.map(([, status]) => status)).toEqual(reads.map(() => "BYPASS"));
    // Each read's own tags (the cookie was sent with this document): the feed's list names its tag.
    const tags = await page.getByTestId("debug-read-tags").allTextContents();
    expect(tags.join(" ")).toContain("community:feed");
    expect(tags.some((t) => t.includes("reload to see"))).toBe(false);
    // The prefetch made before the reload belonged to the page the reload left: this tab's list starts over.
    await expect(prefetches).not.toContainText(`/community/posts/${postId}.data`);
    await context.close();
  });

  test("Ctrl+Shift+M opens the dashboard; its charts draw; the JSON and CSV exports download and parse", async ({
    browser,
    baseURL,
    adminSession,
  }) => {
    const { context, page } = await pageAs(browser, adminSession, baseURL, true);
    test.setTimeout(90_000);
    // The cluster keeps one point per 10 s: wait for two with reads, so the lines have something to join.
    await expect
      .poll(
        async () => {
          await page.goto("/community");
          const metrics = await (await page.request.get("/studio/api/cache/metrics")).json();
          return (metrics.cluster?.series ?? []).filter((p: { reads: { hit: number } }) => p.reads.hit > 0).length;
        },
        { timeout: 60_000, intervals: [2_000] },
      )
      .toBeGreaterThanOrEqual(2);
    await page.keyboard.press("Control+Shift+M");
    await expect(page).toHaveURL(/\/admin\/cache$/);
    await expect(page.getByRole("heading", { name: "Cache dashboard" })).toBeVisible();
    await expect(page.locator("[data-chart] canvas")).toHaveCount(6);
    await expect(page.locator('[data-chart="queue-depth"]')).toHaveAttribute("aria-label", "Warming queue depth");
    // The hit-rate line is drawn in its colour (#2563eb), not just the axes.
    const linePixels = () =>
      page.locator('[data-chart="hit-rate"] canvas').evaluate((canvas: HTMLCanvasElement) => {
        const context = canvas.getContext("2d");
        if (!context || canvas.width === 0 || canvas.height === 0) return 0;
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let line = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          const [r = 0, g = 0, b = 0, a = 0] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
          if (a > 200 && r < 90 && g > 70 && g < 140 && b > 200) line += 1;
        }
        return line;
      });
    await expect.poll(linePixels).toBeGreaterThan(10);

    const [csvDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "CSV" }).click(),
    ]);
    expect(csvDownload.suggestedFilename()).toMatch(/^quill-cache-.*\.csv$/);
    const csv = readFileSync((await csvDownload.path()) as string, "utf8").split("\r\n");
    expect(csv[0]).toBe("section,name,reads,hit,miss,stale,bypass,hit_rate,p50_ms,p95_ms,p99_ms,errors");
    expect(csv[1]).toMatch(/^total,cluster,\d+,/);

    const [jsonDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "JSON" }).click(),
    ]);
    expect(jsonDownload.suggestedFilename()).toMatch(/^quill-cache-.*\.json$/);
    const view = JSON.parse(readFileSync((await jsonDownload.path()) as string, "utf8"));
    expect(view).toMatchObject({
      at: expect.any(String),
      cluster: { totals: { reads: expect.any(Number), hitRate: expect.any(Number) }, instances: expect.any(Array) },
      monitoring: { health: { status: expect.any(String) }, active: expect.any(Array), history: expect.any(Array) },
      audit: { audited: expect.any(Number), stale: expect.any(Number) },
    });
    await context.close();
  });

  test("a non-admin gets nothing from either key, and 403 from the page, the export and the API", async ({
    alicePage,
    aliceRequest,
  }) => {
    await alicePage.goto("/community");
    await alicePage.keyboard.press("Control+Shift+D");
    await alicePage.keyboard.press("Control+Shift+M");
    await expect(alicePage.getByRole("dialog")).toHaveCount(0);
    await expect(alicePage).toHaveURL(/\/community$/);
    expect((await alicePage.goto("/admin/cache"))?.status()).toBe(403);
    expect((await aliceRequest.get("/admin/cache/export/json")).status()).toBe(403);
    expect((await aliceRequest.get("/studio/api/cache/monitoring")).status()).toBe(403);
    expect((await aliceRequest.get("/studio/api/cache/metrics")).status()).toBe(403);
  });
});

test.describe("the dashboard without JavaScript", () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled, "plain forms and server-rendered tables");

  test("shows the tables, saves thresholds through a plain form (400 with field errors), acknowledges an alert", async ({
    browser,
    baseURL,
    adminSession,
    adminRequest,
  }) => {
    const { context, page } = await pageAs(browser, adminSession, baseURL, false);
    await page.goto("/admin/cache");
    await expect(page.getByRole("heading", { name: "Cache dashboard" })).toBeVisible();
    await expect(page.getByTestId("per-query")).toBeVisible();
    await expect(page.getByTestId("per-instance")).toBeVisible();

    // A bad threshold: the page answers 400 with the field's error next to the form.
    await page.getByLabel("Window (minutes)").fill("0");
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Save thresholds" }).click(),
    ]);
    expect(bad.status()).toBe(400);
    await expect(page.getByRole("alert")).toContainText("windowMinutes");

    // A forced breach: an info level above any hit rate, with no minimum of reads.
    await page.goto("/admin/cache");
    await page.getByLabel("Minimum reads").fill("0");
    await page.getByLabel("Hit rate info").fill("1.01");
    await page.getByRole("button", { name: "Save thresholds" }).click();
    await expect(page).toHaveURL(/done=thresholds/);
    await adminRequest.get("/community");
    // Fires within one publish (5 s) and one evaluation (5 s).
    await expect
      .poll(
        async () => {
          await page.goto("/admin/cache");
          return page.locator('[data-testid="active-alerts"] tr[data-rule="hit_rate"]').count();
        },
        { timeout: 20_000, intervals: [1_000] },
      )
      .toBe(1);
    const row = page.locator('[data-testid="active-alerts"] tr[data-rule="hit_rate"]');
    await row.getByLabel("Note").fill("seen, no-JS");
    await row.getByRole("button", { name: "Acknowledge" }).click();
    await expect(page).toHaveURL(/done=acknowledge/);
    await expect(page.locator('[data-testid="active-alerts"] tr[data-rule="hit_rate"]')).toContainText(
      "acknowledged by admin@example.com: seen, no-JS",
    );

    // The value recovers (no info level any more; reads still judged): resolved at the next evaluation.
    await page.getByLabel("Hit rate info").fill("");
    await page.getByRole("button", { name: "Save thresholds" }).click();
    await expect(page).toHaveURL(/done=thresholds/);
    await expect
      .poll(
        async () => {
          await page.goto("/admin/cache");
          return page.locator('[data-testid="active-alerts"] tr[data-rule="hit_rate"]').count();
        },
        { timeout: 20_000, intervals: [1_000] },
      )
      .toBe(0);
    await page.getByLabel("Minimum reads").fill("100");
    await page.getByRole("button", { name: "Save thresholds" }).click();
    await expect(page).toHaveURL(/done=thresholds/);
    await context.close();
  });
});
