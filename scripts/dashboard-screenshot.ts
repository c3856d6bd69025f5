// `npm run screenshot:dashboard` (after `npm run build`): starts the built app on a fresh PGlite,
// reads and writes for a while as the demo users (so the charts have points), then photographs
// /admin/cache with the system Chromium into docs/images/cache-dashboard.png (the README's).
import { mkdirSync } from "node:fs";
import { chromium } from "@playwright/test";
import { startServer } from "../tests/support/server-process";

const OUT = "docs/images/cache-dashboard.png";
const TRAFFIC_MS = Number(process.env.TRAFFIC_MS ?? 45_000);

const server = await startServer({ LOG_LEVEL: "warn", CACHE_AUDIT_RATE: "1", WARM_INTERVAL: "0" });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const signIn = await page.request.post("/login", {
    form: { email: "admin@example.com", password: "password", redirectTo: "/" },
    maxRedirects: 0,
  });
  if (signIn.status() !== 302) throw new Error(`sign-in failed: ${signIn.status()}`);

  // Reads of the feed and of posts, a like now and then (purges, misses, warming).
  const created = await page.request.post("/community/api/posts", {
    form: { title: "A post for the dashboard", body: "Read many times." },
  });
  const { id: postId } = (await created.json()) as { id: number };
  const until = Date.now() + TRAFFIC_MS;
  for (let i = 0; Date.now() < until; i++) {
    await page.request.get("/community");
    await page.request.get(`/community/posts/${postId}`);
    if (i % 15 === 0) await page.request.post(`/community/api/posts/${postId}/like`);
    await new Promise((r) => setTimeout(r, 50));
  }

  await page.goto("/admin/cache");
  await page.locator("[data-chart] canvas").nth(4).waitFor();
  await page.waitForTimeout(500);
  mkdirSync("docs/images", { recursive: true });
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await server.stop();
}
