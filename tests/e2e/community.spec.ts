import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { unique } from "./support";

/**
 * The community pages: feed, new post, post page with likes and replies. Every test runs with
 * JavaScript on and off, in parallel with other tests, so each one makes its own posts and never
 * counts what others may add.
 */

/** Creates a post through the real page form (a document POST) and checks the redirect. */
async function createPost(request: APIRequestContext, title: string, body = `Body of ${title}`) {
  const response = await request.post("/community?index", {
    form: { intent: "create-post", title, body },
    maxRedirects: 0,
  });
  expect(response.status(), "a new post redirects (post/redirect/get)").toBe(302);
  expect(response.headers().location).toBe("/community");
  expect(response.headers()["x-cache-invalidate"]).toContain("community:feed");
}

/** The feed entry of the post titled `title`. */
function feedItem(page: Page, title: string) {
  return page.getByTestId("feed-item").filter({ has: page.getByRole("link", { name: title, exact: true }) });
}

/**
 * Goes to the feed page that lists the post titled `title`: a fresh post is on page 1, unless
 * tests running alongside posted many since, so look a few pages further when need be.
 */
async function gotoFeedWith(page: Page, title: string) {
  for (let n = 1; n <= 5; n++) {
    await page.goto(n === 1 ? "/community" : `/community?page=${n}`);
    if ((await page.getByRole("link", { name: title, exact: true }).count()) > 0) return;
  }
  throw new Error(`"${title}" is not in the first pages of the feed`);
}

/** Opens a post from the feed; returns its id. */
async function openPost(page: Page, title: string): Promise<number> {
  await gotoFeedWith(page, title);
  await page.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  const match = /\/community\/posts\/(\d+)$/.exec(new URL(page.url()).pathname);
  expect(match, "the post page URL names the post").not.toBeNull();
  return Number(match?.[1]);
}

test.describe("anonymous visitors", () => {
  test("read the feed and a post but get no forms", async ({ page, aliceRequest }) => {
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    page.on("console", (message) => {
      // A missing favicon is not this page's fault.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
        consoleErrors.push(message.text());
      }
    });
    const title = unique("Anonymous can read");
    await createPost(aliceRequest, title, "First paragraph.\nSecond paragraph.");

    await gotoFeedWith(page, title);
    await expect(page.getByRole("heading", { level: 1, name: "Community" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Log in to post" })).toHaveAttribute(
      "href",
      "/login?redirectTo=/community",
    );
    await expect(page.locator("form")).toHaveCount(0);
    await expect(page.getByTestId("page-of")).toHaveText(/^Page \d+ of \d+$/);

    const item = feedItem(page, title);
    await expect(item).toContainText("by Alice");
    await expect(item.getByTestId("like-count")).toHaveText("0 likes");
    await expect(item.getByTestId("reply-count")).toHaveText("0 replies");
    await expect(item.locator("time")).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);

    await item.getByRole("link", { name: title }).click();
    await expect(page).toHaveURL(/\/community\/posts\/\d+$/);
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    await expect(page.getByTestId("post-author")).toHaveText("Alice");
    await expect(page.locator("article p", { hasText: "paragraph." })).toHaveText([
      "First paragraph.",
      "Second paragraph.",
    ]);
    await expect(page.getByTestId("like-count")).toHaveText("0 likes");
    const path = new URL(page.url()).pathname;
    await expect(page.getByRole("link", { name: "Log in to like and reply" })).toHaveAttribute(
      "href",
      `/login?${new URLSearchParams({ redirectTo: path })}`,
    );
    await expect(page.locator("form")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /like/i })).toHaveCount(0);
    expect(consoleErrors, "no errors (hydration mismatches included) in the console").toEqual([]);
  });

  test("see the likes and replies others made", async ({ page }) => {
    // The demo data has a post with a like and a reply; counts may have grown since, never shrunk.
    // The demo posts are the oldest: on the last page (a page past the end shows the last).
    await page.goto("/community?page=100000");
    const seeded = feedItem(page, "What are you writing this week?");
    await expect(seeded.getByTestId("like-count")).toHaveText(/^[1-9]\d* likes?$/);
    await expect(seeded.getByTestId("reply-count")).toHaveText(/^[1-9]\d* repl(y|ies)$/);
    await seeded.getByRole("link").click();
    await expect(page.getByTestId("reply").first()).toContainText("The lamps along the quay came on one by one.");
  });

  test("a POST to a post page goes to the login page", async ({ page, aliceRequest }) => {
    const title = unique("Anonymous cannot like");
    await createPost(aliceRequest, title);
    const id = await openPost(page, title);

    const forms: Record<string, string>[] = [
      { intent: "like", liked: "true" },
      { intent: "reply", body: "Sneaky" },
      { intent: "bogus" },
    ];
    for (const form of forms) {
      const response = await page.request.post(`/community/posts/${id}`, { form, maxRedirects: 0 });
      expect(response.status(), `anonymous ${form.intent}`).toBe(302);
      expect(response.headers().location).toBe(
        `/login?${new URLSearchParams({ redirectTo: `/community/posts/${id}` })}`,
      );
    }
    const response = await page.request.post("/community?index", {
      form: { intent: "create-post", title: "Sneaky", body: "Sneaky" },
      maxRedirects: 0,
    });
    expect(response.status(), "anonymous new post").toBe(302);
    expect(response.headers().location).toMatch(/^\/login\?redirectTo=/);

    await page.reload();
    await expect(page.getByTestId("like-count")).toHaveText("0 likes");
    await expect(page.getByTestId("reply")).toHaveCount(0);
  });
});

test.describe("signed-in members", () => {
  test("alice posts and her post comes first in the feed", async ({ alicePage: page }) => {
    // First, that is, above every post that was there before: tests running alongside may post
    // between her post and the page that shows it, so "index 0" is not asserted.
    await page.goto("/community");
    const before = await page.getByTestId("feed-item").first().getByRole("link").first().textContent();
    expect(before).toBeTruthy();

    const title = unique("Alice asks");
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Body").fill("Does anyone else write at night?\nI do.");
    await page.getByRole("button", { name: "Post", exact: true }).click();

    await expect(page).toHaveURL(/\/community$/);
    const titles = page.getByTestId("feed-item").getByRole("heading").getByRole("link");
    await expect(feedItem(page, title)).toBeVisible();
    const all = await titles.allTextContents();
    const previousFirst = all.indexOf(before ?? "");
    expect(all.indexOf(title)).toBeGreaterThanOrEqual(0);
    if (previousFirst >= 0) expect(all.indexOf(title)).toBeLessThan(previousFirst);
    await expect(feedItem(page, title)).toContainText("by Alice");
    await expect(feedItem(page, title)).toContainText("Does anyone else write at night?");
    // The form is ready for the next post.
    await expect(page.getByLabel("Title")).toHaveValue("");
    await expect(page.getByLabel("Body")).toHaveValue("");
  });

  test("an empty title or body shows its error next to the field and keeps the rest", async ({ alicePage: page }) => {
    await page.goto("/community");
    const body = unique("A body without a title");
    await page.getByLabel("Body").fill(body);
    await page.getByRole("button", { name: "Post", exact: true }).click();

    const title = page.getByRole("textbox", { name: /^Title/ });
    await expect(title).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#title-error")).toHaveText("Title is required");
    await expect(title).toHaveAttribute("aria-describedby", "title-error");
    await expect(page.getByRole("textbox", { name: /^Body/ })).toHaveValue(body);
    await expect(page.locator("#body-error")).toHaveCount(0);

    const kept = unique("A title without a body");
    await title.fill(kept);
    await page.getByRole("textbox", { name: /^Body/ }).fill("   ");
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await expect(page.locator("#body-error")).toHaveText("Body is required");
    await expect(page.getByRole("textbox", { name: /^Title/ })).toHaveValue(kept);
    await expect(page.locator("#title-error")).toHaveCount(0);

    // Nothing was posted.
    await page.goto("/community");
    await expect(page.getByRole("link", { name: kept })).toHaveCount(0);
    await expect(page.getByText(body)).toHaveCount(0);
  });

  test("bob likes a post, then unlikes it", async ({ bobPage: page, aliceRequest }) => {
    const title = unique("Like me");
    await createPost(aliceRequest, title);
    const id = await openPost(page, title);

    await expect(page.getByTestId("like-count")).toHaveText("0 likes");
    await page.getByRole("button", { name: "Like", exact: true }).click();
    await expect(page.getByTestId("like-count")).toHaveText("1 like");
    const unlike = page.getByRole("button", { name: "Like", exact: true, pressed: true });
    await expect(unlike).toBeVisible();
    await expect(unlike).toHaveAttribute("aria-pressed", "true");

    // The feed shows the like too.
    await gotoFeedWith(page, title);
    await expect(feedItem(page, title).getByTestId("like-count")).toHaveText("1 like");
    await page.goto(`/community/posts/${id}`);

    await page.getByRole("button", { name: "Like", exact: true, pressed: true }).click();
    await expect(page.getByTestId("like-count")).toHaveText("0 likes");
    await expect(page.getByRole("button", { name: "Like", exact: true, pressed: false })).toBeVisible();
  });

  test("liking states the wanted state, so a repeated submit changes nothing", async ({
    bobPage: page,
    aliceRequest,
  }) => {
    const title = unique("Double like");
    await createPost(aliceRequest, title);
    const id = await openPost(page, title);

    for (let i = 0; i < 2; i++) {
      const response = await page.request.post(`/community/posts/${id}`, {
        form: { intent: "like", liked: "true" },
        maxRedirects: 0,
      });
      expect(response.status()).toBe(302);
      expect(response.headers().location).toBe(`/community/posts/${id}`);
      expect(response.headers()["x-cache-invalidate"]).toContain(`post:${id}`);
    }
    await page.reload();
    await expect(page.getByTestId("like-count")).toHaveText("1 like");
    await expect(page.getByRole("button", { name: "Like", exact: true, pressed: true })).toBeVisible();

    // alice likes it too: two likes, and each of them sees their own button state.
    const response = await aliceRequest.post(`/community/posts/${id}`, {
      form: { intent: "like", liked: "true" },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(302);
    await page.reload();
    await expect(page.getByTestId("like-count")).toHaveText("2 likes");
    await page.getByRole("button", { name: "Like", exact: true, pressed: true }).click();
    await expect(page.getByTestId("like-count")).toHaveText("1 like");
    await expect(page.getByRole("button", { name: "Like", exact: true, pressed: false })).toBeVisible();
  });

  test("bob replies, the reply shows and the feed counts it", async ({ bobPage: page, aliceRequest }) => {
    const title = unique("Reply to me");
    await createPost(aliceRequest, title);
    await openPost(page, title);
    await expect(page.getByTestId("reply")).toHaveCount(0);

    // An empty reply is refused next to the field.
    await page.getByRole("button", { name: "Reply", exact: true }).click();
    await expect(page.locator("#body-error")).toHaveText("Reply is required");
    await expect(page.getByRole("textbox", { name: /^Your reply/ })).toHaveAttribute("aria-invalid", "true");

    const first = unique("First reply");
    await page.getByRole("textbox", { name: /^Your reply/ }).fill(first);
    await page.getByRole("button", { name: "Reply", exact: true }).click();
    await expect(page.getByTestId("reply")).toHaveCount(1);
    await expect(page.getByTestId("reply").first()).toContainText("Bob");
    await expect(page.getByTestId("reply").first()).toContainText(first);
    await expect(page.getByRole("heading", { level: 2, name: "1 reply" })).toBeVisible();
    await expect(page.getByRole("textbox", { name: /^Your reply/ })).toHaveValue("");
    await expect(page.locator("#body-error")).toHaveCount(0);

    const second = unique("Second reply");
    await page.getByRole("textbox", { name: /^Your reply/ }).fill(second);
    // The reply shows at once (optimistic); leaving the page before the server has answered would
    // cancel the POST, and the feed would rightly count one reply. So wait for the answer.
    const answered = page.waitForResponse(
      (r) => r.request().method() === "POST" && r.url().includes("/community/posts/"),
    );
    await page.getByRole("button", { name: "Reply", exact: true }).click();
    // Oldest first.
    await expect(page.getByTestId("reply")).toHaveCount(2);
    await expect(page.getByTestId("reply").nth(0)).toContainText(first);
    await expect(page.getByTestId("reply").nth(1)).toContainText(second);
    // A fetcher's answer (200), or without JavaScript the redirect after the form post.
    expect((await answered).status()).toBeLessThan(400);

    await gotoFeedWith(page, title);
    await expect(feedItem(page, title).getByTestId("reply-count")).toHaveText("2 replies");
  });
});

test.describe("feed pages", () => {
  test("twenty posts to a page, with Older and Newer links", async ({ alicePage: page }) => {
    const label = unique("Pager");
    const titles = Array.from({ length: 21 }, (_, i) => `${label} #${i + 1}`);
    for (const title of titles) await createPost(page.request, title);

    await page.goto("/community");
    await expect(page.getByTestId("feed-item")).toHaveCount(20);
    const pageOf = page.getByTestId("page-of");
    await expect(pageOf).toHaveText(/^Page 1 of ([2-9]|\d\d+)$/);
    // The oldest of the 21 has twenty newer posts above it, so it is not on page 1.
    await expect(page.getByRole("link", { name: titles[0], exact: true })).toHaveCount(0);
    await expect(page.getByRole("link", { name: /Newer/ })).toHaveCount(0);

    await page.getByRole("link", { name: /Older/ }).click();
    await expect(page).toHaveURL(/\/community\?page=2$/);
    await expect(pageOf).toHaveText(/^Page 2 of ([2-9]|\d\d+)$/);
    expect(await page.getByTestId("feed-item").count()).toBeGreaterThan(0);

    await page.getByRole("link", { name: /Newer/ }).click();
    await expect(page).toHaveURL(/\/community$/);
    await expect(pageOf).toHaveText(/^Page 1 of ([2-9]|\d\d+)$/);

    // Past the end: the last page.
    const last = await page.goto("/community?page=100000");
    expect(last?.status()).toBe(200);
    await expect(pageOf).toHaveText(/^Page (\d+) of \1$/);
    await expect(page.getByRole("link", { name: /Older/ })).toHaveCount(0);
    await expect(page.getByRole("link", { name: /Newer/ })).toBeVisible();
  });

  for (const bad of ["abc", "0", "-3", "1.5", "", "99999999999999999999"]) {
    test(`?page=${bad || "(empty)"} does not crash`, async ({ page }) => {
      const response = await page.goto(`/community?page=${encodeURIComponent(bad)}`);
      expect(response?.status()).toBe(200);
      await expect(page.getByRole("heading", { level: 1, name: "Community" })).toBeVisible();
      await expect(page.getByTestId("page-of")).toHaveText(/^Page \d+ of \d+$/);
    });
  }
});

test.describe("missing posts", () => {
  for (const id of ["999999999", "abc", "0"]) {
    test(`/community/posts/${id} is a 404 page`, async ({ page }) => {
      const response = await page.goto(`/community/posts/${id}`);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
    });
  }

  test("liking a post that does not exist is a 404, not a crash", async ({ bobPage: page }) => {
    const response = await page.request.post("/community/posts/999999999", {
      form: { intent: "like", liked: "true" },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(404);
  });
});
