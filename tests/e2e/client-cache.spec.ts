import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { signIn, unique, users } from "./support";

/**
 * The browser's localStorage cache (docs/client.md): entries carry their X-Cache-Tags, writes purge
 * them in every tab, a document POST purges through the flash cookie, logout clears them, cached
 * data shows at once while fresh data loads, and a prefetch never hides a later write.
 */

interface Entry {
  key: string;
  tags: string[];
  storedAt: number;
}

/** The cache entries in the page's localStorage (shared by all pages of a context). */
function entries(page: Page): Promise<Entry[]> {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .filter((key) => key.startsWith("quill:cache:e:"))
      .map((key) => {
        const value = localStorage.getItem(key) ?? "";
        const meta = JSON.parse(value.slice(0, value.indexOf("\n"))) as { t: string[]; s: number };
        return { key, tags: meta.t, storedAt: meta.s };
      }),
  );
}

const withTag = (list: Entry[], tag: string) => list.filter((e) => e.tags.includes(tag));

async function newPost(request: APIRequestContext, title: string): Promise<number> {
  const response = await request.post("/community/api/posts", { form: { title, body: `Body of ${title}` } });
  expect(response.status()).toBe(201);
  return Number(((await response.json()) as { id: number }).id);
}

/** Opens a page as a document and waits until the hydrated page stored its data. */
async function visit(page: Page, path: string, tag: string) {
  await page.goto(path);
  await expect.poll(async () => withTag(await entries(page), tag).length, { message: `${path} is cached` }).toBe(1);
}

function likeCount(page: Page) {
  return page.getByTestId("like-count").first();
}

test.describe("client cache (JavaScript)", () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "the local cache needs JavaScript");

  test("a like in tab A purges its tags from localStorage and tab B shows the new count without a reload", async ({
    alicePage: page,
  }) => {
    const context = page.context();
    const liked = await newPost(page.request, unique("Two tabs"));
    const other = await newPost(page.request, unique("Untouched"));
    const tabA = page;
    const tabB = await context.newPage();
    await visit(tabA, "/studio", "user:1:stories");
    await visit(tabA, `/community/posts/${other}`, `post:${other}`);
    await visit(tabA, `/community/posts/${liked}`, `post:${liked}`);
    await visit(tabB, `/community/posts/${liked}`, `post:${liked}`);
    await tabB.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await expect(likeCount(tabB)).toHaveText("0 likes");

    const before = await entries(tabA);
    const clickedAt = await tabA.evaluate(() => Date.now());
    // Tab B notes (epoch ms, sub-ms) the first animation frame that shows another count.
    const changed = tabB.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const text = () => document.querySelector('[data-testid="like-count"]')?.textContent;
          const first = text();
          const frame = () => {
            if (text() !== first) resolve(performance.timeOrigin + performance.now());
            else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        }),
    );
    const response = tabA.waitForResponse(
      (r) => r.request().method() === "POST" && r.url().includes(`/community/posts/${liked}`),
    );
    await tabA.getByRole("button", { name: "Like", exact: true }).click();
    expect((await response).headers()["x-cache-invalidate"]).toContain(`post:${liked}`);
    await expect(likeCount(tabB)).toHaveText("1 like");
    // From the moment tab A had the response headers (the purge) to tab B's frame: ≤ 500 ms.
    const purgedAt = await tabA.evaluate((id) => {
      const [entry] = performance
        .getEntriesByType("resource")
        .filter(
          (e) => e.name.includes(`/community/posts/${id}.data`) && !e.name.includes("_routes"),
        ) as PerformanceResourceTiming[];
      return entry ? performance.timeOrigin + entry.responseStart : Number.NaN;
    }, liked);
    const delay = (await changed) - purgedAt;
    test.info().annotations.push({ type: "purge → other tab", description: `${delay.toFixed(1)} ms` });
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(500);
    expect(await tabB.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    const after = await entries(tabA);
    // Entries with the liked post's tag were removed (any now present were stored after the like).
    expect(withTag(before, `post:${liked}`).length).toBeGreaterThan(0);
    for (const entry of withTag(after, `post:${liked}`)) expect(entry.storedAt).toBeGreaterThanOrEqual(clickedAt);
    // Entries with other tags stay, untouched.
    for (const tag of ["user:1:stories", `post:${other}`]) {
      expect(withTag(before, tag).length, tag).toBeGreaterThan(0);
      expect(withTag(after, tag), tag).toEqual(withTag(before, tag));
    }
  });

  test("a reply posted from another tab through the API reaches this tab", async ({ bobPage: page }) => {
    const context = page.context();
    const postId = await newPost(page.request, unique("Reply across tabs"));
    await visit(page, `/community/posts/${postId}`, `post:${postId}`);
    const writer = await context.newPage();
    await writer.goto("/");
    const body = unique("A reply from tab B");
    const status = await writer.evaluate(
      async ([id, text]) => {
        const form = new FormData();
        form.set("body", text);
        return (await fetch(`/community/api/posts/${id}/replies`, { method: "POST", body: form })).status;
      },
      [String(postId), body] as const,
    );
    expect(status).toBe(201);
    // The like test holds the 500 ms line; a reply costs the server more (a new row, a cold read).
    await expect(page.getByText(body)).toBeVisible({ timeout: 1_000 });
  });

  test("a JavaScript-off POST purges the flash cookie's tags on the next JavaScript page", async ({
    browser,
    alicePage: page,
    baseURL,
  }) => {
    const context = page.context();
    const postId = await newPost(page.request, unique("Flash cookie"));
    await visit(page, "/studio", "user:1:stories");
    await visit(page, `/community/posts/${postId}`, `post:${postId}`);

    const noJs: BrowserContext = await browser.newContext({
      baseURL,
      javaScriptEnabled: false,
      storageState: { cookies: await context.cookies(), origins: [] },
    });
    try {
      const plain = await noJs.newPage();
      await plain.goto(`/community/posts/${postId}`);
      await plain.getByRole("button", { name: "Like", exact: true }).click();
      await expect(likeCount(plain)).toHaveText("1 like");
      const flash = (await noJs.cookies()).find((c) => c.name === "quill_purge");
      expect(decodeURIComponent(flash?.value ?? "")).toContain(`post:${postId}`);
      await context.addCookies([flash as NonNullable<typeof flash>]);
    } finally {
      await noJs.close();
    }

    const studio = withTag(await entries(page), "user:1:stories");
    await page.goto("/");
    await expect.poll(async () => withTag(await entries(page), `post:${postId}`).length).toBe(0);
    expect(withTag(await entries(page), "user:1:stories")).toEqual(studio);
    await expect.poll(async () => (await context.cookies()).some((c) => c.name === "quill_purge")).toBe(false);
  });

  // Logging out ends the session on the server: these tests sign in themselves, so the worker's
  // shared alice session stays live for the others.
  test("logging out clears the local cache", async ({ page }) => {
    await signIn(page, users.alice);
    await visit(page, "/studio", "user:1:stories");
    const drafts = "quill:draft:test";
    await page.evaluate((key) => localStorage.setItem(key, "kept"), drafts);
    expect((await entries(page)).length).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
    expect(await entries(page)).toEqual([]);
    expect(await page.evaluate((key) => localStorage.getItem(key), drafts)).toBe("kept");
  });

  test("logging out without JavaScript clears the cache on the next JavaScript page", async ({
    browser,
    page,
    baseURL,
  }) => {
    await signIn(page, users.alice);
    const context = page.context();
    await visit(page, "/studio", "user:1:stories");
    const noJs = await browser.newContext({
      baseURL,
      javaScriptEnabled: false,
      storageState: { cookies: await context.cookies(), origins: [] },
    });
    try {
      const plain = await noJs.newPage();
      await plain.goto("/");
      await plain.getByRole("button", { name: "Log out" }).click();
      await expect(plain.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
      await context.clearCookies();
      await context.addCookies(await noJs.cookies());
    } finally {
      await noJs.close();
    }
    await page.goto("/community");
    // The page is anonymous now: the owner changed, so alice's entries are gone.
    await expect.poll(async () => withTag(await entries(page), "user:1:stories").length).toBe(0);
  });

  test("cached data renders at once on back-navigation, then the fresh data replaces it", async ({ bobPage: page }) => {
    const title = unique("Back and forth");
    const postId = await newPost(page.request, title);
    await visit(page, `/community/posts/${postId}`, `post:${postId}`);
    await expect(likeCount(page)).toHaveText("0 likes");
    await page.getByRole("link", { name: "← Community" }).click();
    await expect(page.getByRole("heading", { name: "Community", level: 1 })).toBeVisible();

    // A write this browser never sees (another device): only revalidation can bring it.
    const like = await page.request.post(`/community/api/posts/${postId}/like`, { form: { liked: "true" } });
    expect(like.status()).toBe(200);
    let released = false;
    // Only this route's own data request is held (the root loader's is not: it has no clientLoader).
    await page.route(`**/community/posts/${postId}.data?_routes=routes*`, async (route) => {
      await new Promise((r) => setTimeout(r, 4_000));
      released = true;
      await route.continue();
    });
    await page.goBack();
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible({ timeout: 3_000 });
    await expect(likeCount(page)).toHaveText("0 likes");
    expect(released, "the cached page showed while the data request was held").toBe(false);
    await expect(likeCount(page)).toHaveText("1 like", { timeout: 8_000 });
    expect(released).toBe(true);
  });

  test("hover prefetches; a write after the hover still shows after the click", async ({ alicePage: page }) => {
    const context = page.context();
    const used = unique("Prefetched and used");
    const usedId = await newPost(page.request, used);
    const written = unique("Prefetched then written");
    const writtenId = await newPost(page.request, written);
    const writer = await context.newPage();
    await writer.goto("/");

    // Hydrated first: a hover before hydration has no listener to prefetch it.
    await visit(page, "/community", "community:feed");
    const dataRequests: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes(".data")) dataRequests.push(r.url());
    });
    const postData = (id: number) => (u: string) => u.includes(`/community/posts/${id}.data?_routes=routes`);

    // Hover, click: the click uses the prefetched response (no new request for the post).
    const prefetched = page.waitForRequest((r) => postData(usedId)(r.url()));
    await page.getByRole("link", { name: used, exact: true }).hover();
    await prefetched;
    await page.waitForLoadState("networkidle");
    const seen = dataRequests.length;
    await page.getByRole("link", { name: used, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: used })).toBeVisible();
    expect(dataRequests.slice(seen).filter(postData(usedId))).toEqual([]);

    // Hover, write (in another tab), click: the page shows the write at once, never the old data.
    await page.getByRole("link", { name: "← Community" }).click();
    const prefetchedToo = page.waitForRequest((r) => postData(writtenId)(r.url()));
    await page.getByRole("link", { name: written, exact: true }).hover();
    await prefetchedToo;
    const reply = unique("Written after the hover");
    const status = await writer.evaluate(
      async ([id, text]) => {
        const form = new FormData();
        form.set("body", text);
        return (await fetch(`/community/api/posts/${id}/replies`, { method: "POST", body: form })).status;
      },
      [String(writtenId), reply] as const,
    );
    expect(status).toBe(201);
    await page.waitForTimeout(100);
    await page.getByRole("link", { name: written, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: written })).toBeVisible();
    // The post's first render already has the reply (heading and replies render in one commit).
    expect(await page.getByText(reply).count()).toBe(1);
  });
});

test.describe("client cache (no JavaScript)", () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled, "the plain-form path");

  test("a document POST carries its purged tags to the next page in a flash cookie", async ({ bobPage: page }) => {
    const context = page.context();
    const postId = await newPost(page.request, unique("Plain like"));
    await page.goto(`/community/posts/${postId}`);
    await page.getByRole("button", { name: "Like", exact: true }).click();
    await expect(likeCount(page)).toHaveText("1 like");
    const flash = (await context.cookies()).find((c) => c.name === "quill_purge");
    // A like purges the post's own tag only: the feed's pages carry it too (their tags are the union
    // of their posts'), so the browser drops them by it.
    expect(decodeURIComponent(flash?.value ?? "").split(",")).toEqual([`post:${postId}`]);
  });
});
