// `npm run bench:client` (load/bench/client.ts): the browser's figures (docs/client.md), measured
// with the system Chromium against the built app (`npm run build` first), which this script starts
// on a free loopback port with a fresh database. Every loop is bounded (BENCH_CLICKS, BENCH_ROUNDS,
// and an overall BENCH_TIMEOUT_S); the figures are printed, nothing is asserted.
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "@playwright/test";
import playwrightConfig from "../../playwright.config";
import { startServer } from "../../tests/support/server-process";

const CLICKS = Number(process.env.BENCH_CLICKS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 300);
const print = (label: string, value: string) => console.log(`${label.padEnd(50)} ${value}`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
const median = (values: number[]) => percentile(values, 50);
const ms = (n: number) => `${n.toFixed(1)} ms`;

if (!existsSync("build/server/index.js")) {
  console.error("No build: run `npm run build` first.");
  process.exit(1);
}

// The same Chromium and flags as the Playwright projects (never a downloaded browser).
const jsProject = playwrightConfig.projects?.find((p) => p.name === "js");
const launchOptions = jsProject?.use?.launchOptions ?? {};

const server = await startServer({
  REDIS_URL: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/13",
  LOG_LEVEL: "warn",
});
// Whatever happens, the server goes with us.
process.on("exit", () => server.child.kill());
const watchdog = setTimeout(() => {
  console.error(`bench:client took longer than ${TIMEOUT_S} s; stopping`);
  void server.stop().then(() => process.exit(2));
}, TIMEOUT_S * 1000);
let browser: Browser | undefined;

async function signedInContext(): Promise<BrowserContext> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ baseURL: server.url });
  // tsx keeps function names with a `__name` helper that page.evaluate code then calls in the page.
  await context.addInitScript({ content: "window.__name = (fn) => fn;" });
  const login = await context.request.post("/login", {
    form: { email: "alice@example.com", password: "password", redirectTo: "/" },
    maxRedirects: 0,
  });
  if (login.status() !== 302) throw new Error(`sign-in failed: ${login.status()}`);
  return context;
}

async function newPost(context: BrowserContext, title: string): Promise<number> {
  const response = await context.request.post("/community/api/posts", { form: { title, body: `Body of ${title}` } });
  if (response.status() !== 201) throw new Error(`new post failed: ${response.status()}`);
  return Number(((await response.json()) as { id: number }).id);
}

/** Waits in the page until the like count settles (no navigation, no fetcher, no pending button). */
async function settle(page: Page) {
  await page.waitForTimeout(100);
  await page.waitForFunction(() => {
    const button = document.querySelector<HTMLButtonElement>('button[name="intent"][value="like"]');
    return button !== null && !button.disabled && document.querySelector(".busy") === null;
  });
}

/** Click → first animation frame where `[data-testid="like-count"]` shows another text. */
async function likePaint(context: BrowserContext) {
  const page = await context.newPage();
  const postId = await newPost(context, `Bench likes ${Date.now()}`);
  await page.goto(`/community/posts/${postId}`);
  await settle(page);
  const samples: number[] = [];
  for (let i = 0; i < CLICKS; i++) {
    const armed = page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const count = () => document.querySelector('[data-testid="like-count"]')?.textContent;
          const before = count();
          const button = document.querySelector('button[name="intent"][value="like"]');
          button?.addEventListener(
            "click",
            (event) => {
              const clickedAt = event.timeStamp;
              const frame = () => {
                const now = performance.now();
                if (count() !== before) resolve(now - clickedAt);
                else if (now - clickedAt > 10_000) resolve(Number.NaN);
                else requestAnimationFrame(frame);
              };
              requestAnimationFrame(frame);
            },
            { once: true, capture: true },
          );
        }),
    );
    armed.catch(() => undefined); // rethrown below; no unhandled rejection meanwhile
    await page.locator('button[name="intent"][value="like"]').click();
    const sample = await armed;
    if (Number.isFinite(sample)) samples.push(sample);
    await settle(page);
  }
  await page.close();
  return samples;
}

/** A write in tab A (API fetch: its response purges and broadcasts) → tab B shows the new count. */
async function crossTab(context: BrowserContext) {
  const postId = await newPost(context, `Bench tabs ${Date.now()}`);
  const [a, b] = [await context.newPage(), await context.newPage()];
  await a.goto("/");
  await b.goto(`/community/posts/${postId}`);
  await settle(b);
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const updated = b.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const count = () => document.querySelector('[data-testid="like-count"]')?.textContent;
          const before = count();
          const started = performance.now();
          const frame = () => {
            if (count() !== before) resolve(performance.timeOrigin + performance.now());
            else if (performance.now() - started > 10_000) resolve(Number.NaN);
            else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        }),
    );
    updated.catch(() => undefined); // rethrown below
    const purgedAt = await a.evaluate(
      async ([id, liked]) => {
        const form = new FormData();
        form.set("liked", liked);
        await fetch(`/community/api/posts/${id}/like`, { method: "POST", body: form });
        // The wrapper purged and broadcast before this line ran.
        return performance.timeOrigin + performance.now();
      },
      [String(postId), i % 2 === 0 ? "true" : "false"] as const,
    );
    const shownAt = await updated;
    if (Number.isFinite(shownAt)) samples.push(shownAt - purgedAt);
    await settle(b);
  }
  await a.close();
  await b.close();
  return samples;
}

/** In-page: click the link to `href` (a plain click: no hover, so no intent prefetch) → its h1 shows `title`. */
function timedNavigation(page: Page, href: string, title: string): Promise<number> {
  return page.evaluate(
    ([target, heading]) =>
      new Promise<number>((resolve) => {
        const link = document.querySelector<HTMLAnchorElement>(`a[href="${target}"]`);
        if (!link) return resolve(Number.NaN);
        const started = performance.now();
        const frame = () => {
          const h1 = document.querySelector("main h1")?.textContent;
          if (h1 === heading) resolve(performance.now() - started);
          else if (performance.now() - started > 10_000) resolve(Number.NaN);
          else requestAnimationFrame(frame);
        };
        link.click();
        requestAnimationFrame(frame);
      }),
    [href, title] as const,
  );
}

async function backToFeed(page: Page) {
  await page.locator('a[href="/community"]').first().click();
  await page.waitForSelector('[data-testid="feed"]');
  await quiet(page);
}

/** Lets background revalidations (stale-while-revalidate) finish before the next measurement. */
function quiet(page: Page) {
  return page.waitForTimeout(300);
}

/** Uncached vs cached (localStorage) and not-prefetched vs prefetched navigations feed → post. */
async function navigations(context: BrowserContext) {
  const posts: { id: number; title: string }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const title = `Bench nav ${i} ${Date.now()}`;
    posts.push({ id: await newPost(context, title), title });
  }
  // Writes purge; wait out the bypass window so the prefetch figures measure prefetching.
  await new Promise((r) => setTimeout(r, 5_500));
  const page = await context.newPage();
  await page.goto("/community");
  await quiet(page);
  const clearCache = () =>
    page.evaluate(() => {
      for (const key of Object.keys(localStorage)) if (key.startsWith("quill:cache:e:")) localStorage.removeItem(key);
    });
  const uncached: number[] = [];
  const cached: number[] = [];
  const prefetched: number[] = [];
  for (const post of posts) {
    const href = `/community/posts/${post.id}`;
    await clearCache();
    uncached.push(await timedNavigation(page, href, post.title));
    await quiet(page);
    await backToFeed(page);
    cached.push(await timedNavigation(page, href, post.title));
    await quiet(page);
    await backToFeed(page);
    // Prefetched: hover (intent prefetch), wait for it, then a plain click, with no local entry.
    await clearCache();
    // (The idle predictor may have prefetched it already: then no new request comes.)
    const request = page
      .waitForRequest((r) => r.url().includes(`/community/posts/${post.id}.data?_routes=routes`), { timeout: 1_000 })
      .catch(() => undefined);
    await page.locator(`a[href="${href}"]`).hover();
    await request;
    await quiet(page);
    prefetched.push(await timedNavigation(page, href, post.title));
    await page.mouse.move(0, 0);
    await quiet(page);
    await backToFeed(page);
  }
  await page.close();
  const ok = (list: number[]) => list.filter(Number.isFinite);
  return { uncached: ok(uncached), cached: ok(cached), prefetched: ok(prefetched) };
}

try {
  browser = await chromium.launch(launchOptions);
  const context = await signedInContext();
  console.log(`bench:client against ${server.url} (Chromium ${browser.version()})`);

  const likes = await likePaint(context);
  print(
    `click → like-count paint (${likes.length} clicks)`,
    `p50 ${ms(percentile(likes, 50))}   p95 ${ms(percentile(likes, 95))}`,
  );

  const tabs = await crossTab(context);
  print(
    `cross-tab purge → update (${tabs.length} writes)`,
    `p50 ${ms(percentile(tabs, 50))}   p95 ${ms(percentile(tabs, 95))}`,
  );

  const nav = await navigations(context);
  const [u, c, p] = [median(nav.uncached), median(nav.cached), median(nav.prefetched)];
  print(`navigation feed → post, uncached (median of ${nav.uncached.length})`, ms(u));
  print(`navigation feed → post, cached (median of ${nav.cached.length})`, `${ms(c)}   ratio ${(c / u).toFixed(2)}`);
  print(
    `navigation feed → post, prefetched (median of ${nav.prefetched.length})`,
    `${ms(p)}   ratio ${(p / u).toFixed(2)} (vs not prefetched)`,
  );
} finally {
  clearTimeout(watchdog);
  await browser?.close();
  await server.stop();
}
