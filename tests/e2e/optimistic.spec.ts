import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { newChapter, newScene, newStory } from "./studio-data";
import { unique } from "./support";

/**
 * Optimistic fetcher state (docs/design.md#optimistic-ui-and-drafts, docs/optimistic-ui.md): likes,
 * replies and new posts show at once, a failed action rolls back with its error shown and the input
 * kept, and no frame shows the old value while a like is on its way
 * (docs/decisions/007-optimistic-overlay.md). JavaScript only: without it the same forms post and
 * redirect (community.spec).
 */
test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "optimistic UI needs JavaScript");

/** Creates a post through the JSON API; returns its id. */
async function newPost(request: APIRequestContext, title: string): Promise<number> {
  const response = await request.post("/community/api/posts", { data: { title, body: `Body of ${title}` } });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { id: number }).id;
}

/** Holds every POST to `path` (single fetch posts to `<path>.data`) until `release` is called. */
async function holdPosts(page: Page, path: string) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(
    (url) => url.pathname === `${path}.data`,
    async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      await gate;
      await route.continue().catch(() => {}); // an aborted request (a newer click) is gone
    },
  );
  return () => release();
}

/** Answers every POST to `path` with a 500, as a server in trouble would. */
async function failPosts(page: Page, path: string) {
  await page.route(
    (url) => url.pathname === `${path}.data`,
    (route) =>
      route.request().method() === "POST"
        ? route.fulfill({ status: 500, contentType: "text/plain", body: "Internal Server Error" })
        : route.continue(),
  );
}

/**
 * Records the text of `selector` on every animation frame, with the frame time, and the time of
 * every click on `clickSelector` (in the capture phase, before the app sees it).
 */
async function startFrameRecorder(page: Page, selector: string, clickSelector: string) {
  await page.evaluate(
    ([sel, clickSel]) => {
      const w = window as unknown as { frames_: { t: number; text: string }[]; clicks_: number[] };
      w.frames_ = [];
      w.clicks_ = [];
      document.addEventListener(
        "click",
        (event) => {
          if ((event.target as Element).closest(clickSel ?? "")) w.clicks_.push(performance.now());
        },
        true,
      );
      // The time the callback runs, not the frame's start time: a click handled earlier in the
      // same frame is painted by this frame, so it must show here.
      const tick = () => {
        w.frames_.push({ t: performance.now(), text: document.querySelector(sel ?? "")?.textContent ?? "" });
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    },
    [selector, clickSelector],
  );
}

async function recorded(page: Page) {
  return page.evaluate(() => {
    const w = window as unknown as { frames_: { t: number; text: string }[]; clicks_: number[] };
    return { frames: w.frames_, clicks: w.clicks_ };
  });
}

const likeButton = 'button[name="intent"][value="like"]';

test("a like shows before the server answers, within one frame of the click", async ({
  bobPage: page,
  aliceRequest,
}) => {
  const id = await newPost(aliceRequest, unique("Quick like"));
  await page.goto(`/community/posts/${id}`);
  await expect(page.getByTestId("like-count")).toHaveText("0 likes");
  const release = await holdPosts(page, `/community/posts/${id}`);
  await startFrameRecorder(page, '[data-testid="like-count"]', likeButton);

  await page.getByRole("button", { name: "Like", exact: true }).click();
  // The action is still held: whatever shows now is the optimistic value.
  await expect(page.getByTestId("like-count")).toHaveText("1 like");
  await expect(page.getByRole("button", { name: "Like", exact: true, pressed: true })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  const { frames, clicks } = await recorded(page);
  const click = clicks[0] ?? Number.NaN;
  // The first frame callback after the click, that is the frame that paints it, must show it.
  const firstAfter = frames.find((f) => f.t > click);
  expect(firstAfter?.text, "the first frame after the click").toBe("1 like");

  // Reload only once the server has answered: a reload while the POST is still held would cancel
  // it, and the page would rightly show no like (the pressed button is optimistic, not an answer).
  const answered = page.waitForResponse(
    (r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/community/posts/${id}.data`,
  );
  release();
  await answered;
  await expect(page.getByRole("button", { name: "Like", exact: true, pressed: true })).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("like-count")).toHaveText("1 like");
});

test("ten rapid like/unlike clicks: no frame shows a stale count, and the end state is the server's", async ({
  bobPage: page,
  aliceRequest,
}) => {
  const id = await newPost(aliceRequest, unique("Rapid likes"));
  await page.goto(`/community/posts/${id}`);
  await expect(page.getByTestId("like-count")).toHaveText("0 likes");
  await startFrameRecorder(page, '[data-testid="like-count"]', likeButton);

  const button = page.locator(likeButton);
  // As fast as Playwright clicks: each click aborts the fetcher's previous submission.
  for (let i = 0; i < 10; i++) await button.click();
  // Ten clicks from "not liked": back to not liked. Let every answer and revalidation land.
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(300);
  const { frames, clicks } = await recorded(page);
  expect(clicks).toHaveLength(10);
  for (let i = 0; i < clicks.length; i++) {
    const wanted = i % 2 === 0 ? "1 like" : "0 likes";
    const from = clicks[i] ?? 0;
    const until = clicks[i + 1] ?? Number.POSITIVE_INFINITY;
    const during = frames.filter((f) => f.t > from && f.t < until);
    const wrong = during.filter((f) => f.text !== wanted);
    expect(wrong, `after click ${i + 1} every frame shows "${wanted}"`).toEqual([]);
  }

  expect(frames.filter((f) => f.t > (clicks[9] ?? 0)).length, "frames after the last click").toBeGreaterThan(5);
  await page.reload();
  await expect(page.getByTestId("like-count")).toHaveText("0 likes");
  await expect(page.getByRole("button", { name: "Like", exact: true })).toHaveAttribute("aria-pressed", "false");
});

test("a like that fails rolls back and says so next to the button", async ({ bobPage: page, aliceRequest }) => {
  const id = await newPost(aliceRequest, unique("Failing like"));
  await page.goto(`/community/posts/${id}`);
  await failPosts(page, `/community/posts/${id}`);
  await startFrameRecorder(page, '[data-testid="like-count"]', likeButton);

  await page.getByRole("button", { name: "Like", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("nothing was saved");
  await expect(page.getByTestId("like-count")).toHaveText("0 likes");
  await expect(page.getByRole("button", { name: "Like", exact: true })).toHaveAttribute("aria-pressed", "false");
  // It did show the like while it was on its way.
  const { frames } = await recorded(page);
  expect(frames.some((f) => f.text === "1 like")).toBe(true);
  await page.unroute(`**/community/posts/${id}.data`);
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await page.reload();
  await expect(page.getByTestId("like-count")).toHaveText("0 likes");
});

test("a reply shows at once, marked pending, then for real", async ({ bobPage: page, aliceRequest }) => {
  const id = await newPost(aliceRequest, unique("Quick reply"));
  await page.goto(`/community/posts/${id}`);
  const release = await holdPosts(page, `/community/posts/${id}`);
  const text = unique("An instant reply");
  const box = page.getByRole("textbox", { name: /^Your reply/ });
  await box.fill(text);
  await page.getByRole("button", { name: "Reply", exact: true }).click();

  const pending = page.locator('[data-testid="reply"][data-pending="true"]');
  await expect(pending).toContainText(text);
  await expect(pending).toContainText("sending…");
  await expect(page.getByRole("heading", { level: 2, name: "1 reply" })).toBeVisible();
  release();
  await expect(pending).toHaveCount(0);
  await expect(page.getByTestId("reply")).toHaveCount(1);
  await expect(page.getByTestId("reply").first()).toContainText(text);
  await expect(box).toHaveValue("");
});

test("a reply that fails goes away, shows the error and keeps the text", async ({ bobPage: page, aliceRequest }) => {
  const id = await newPost(aliceRequest, unique("Failing reply"));
  await page.goto(`/community/posts/${id}`);
  await failPosts(page, `/community/posts/${id}`);
  const text = unique("Words I do not want to lose");
  const box = page.getByRole("textbox", { name: /^Your reply/ });
  await box.fill(text);
  await page.getByRole("button", { name: "Reply", exact: true }).click();

  await expect(page.getByRole("alert")).toContainText("nothing was saved");
  await expect(page.getByTestId("reply")).toHaveCount(0);
  await expect(box).toHaveValue(text);
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await page.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(page.getByTestId("reply").filter({ hasText: text })).toHaveCount(1);
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("a fetcher like answers with data and its invalidation headers, not a redirect", async ({
  bobPage: page,
  aliceRequest,
}) => {
  const id = await newPost(aliceRequest, unique("Headers"));
  await page.goto(`/community/posts/${id}`);
  const answer = page.waitForResponse(
    (r) => r.url().includes(`/community/posts/${id}.data`) && r.request().method() === "POST",
  );
  await page.getByRole("button", { name: "Like", exact: true }).click();
  const response = await answer;
  expect(response.status()).toBe(200);
  expect(response.headers()["x-cache-invalidate"]).toContain(`post:${id}`);
  await expect(page).toHaveURL(new RegExp(`/community/posts/${id}$`));
});

test("a new post is prepended to the feed at once, then replaced by the real one", async ({ alicePage: page }) => {
  await page.goto("/community");
  const release = await holdPosts(page, "/community");
  const title = unique("Straight to the top");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Body").fill("Posted before the server said so.");
  await page.getByRole("button", { name: "Post", exact: true }).click();

  const first = page.getByTestId("feed-item").first();
  await expect(first).toHaveAttribute("data-pending", "true");
  await expect(first).toContainText(title);
  await expect(first).toContainText("posting…");
  await expect(page.getByRole("button", { name: "Posting…" })).toBeDisabled();
  release();
  await expect(page.locator('[data-testid="feed-item"][data-pending]')).toHaveCount(0);
  await expect(page.getByTestId("feed-item").getByRole("link", { name: title, exact: true })).toHaveCount(1);
  await expect(page.getByLabel("Title")).toHaveValue("");
  await expect(page).toHaveURL(/\/community$/);
});

test("a new post that fails is taken back, with the error and the text kept", async ({ alicePage: page }) => {
  await page.goto("/community");
  await failPosts(page, "/community");
  const title = unique("Never posted");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Body").fill("Keep me.");
  await page.getByRole("button", { name: "Post", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("nothing was saved");
  await expect(page.locator('[data-testid="feed-item"][data-pending]')).toHaveCount(0);
  await expect(page.getByText(title)).toHaveCount(0);
  await expect(page.getByLabel("Title")).toHaveValue(title);
  await expect(page.getByLabel("Body")).toHaveValue("Keep me.");
});

test.describe("studio", () => {
  const chapterLinks = (page: Page) => page.getByRole("list", { name: "Chapters" }).getByRole("link");

  /** On alice's page: a new story of hers with three chapters, open in the studio. */
  async function storyWithChapters(page: Page) {
    const storyId = await newStory(page.request);
    const titles = [unique("One"), unique("Two"), unique("Three")];
    for (const title of titles) await newChapter(page.request, storyId, title);
    await page.goto(`/studio/stories/${storyId}`);
    await expect(chapterLinks(page)).toHaveText(titles);
    return { storyId, titles };
  }

  test("a chapter rename and a move show at once, before the server answers", async ({ alicePage: page }) => {
    const { storyId, titles } = await storyWithChapters(page);
    const [one, two, three] = titles as [string, string, string];
    const release = await holdPosts(page, `/studio/stories/${storyId}`);

    const renamed = unique("Two, renamed");
    const row = page.getByRole("list", { name: "Chapters" }).getByRole("listitem").nth(1);
    await row.getByRole("textbox", { name: "Title" }).fill(renamed);
    await row.getByRole("button", { name: "Rename" }).click();
    await expect(chapterLinks(page)).toHaveText([one, renamed, three]);

    await page.getByRole("button", { name: `Move up “${three}”` }).click();
    await expect(chapterLinks(page)).toHaveText([one, three, renamed]);
    // A move is relative to the order the server has: the next one waits for this one.
    await expect(page.getByRole("button", { name: `Move down “${one}”` })).toBeDisabled();

    release();
    await page.getByRole("button", { name: `Move down “${one}”` }).click();
    await expect(chapterLinks(page)).toHaveText([three, one, renamed]);
    await page.waitForLoadState("networkidle");
    await expect(chapterLinks(page)).toHaveText([three, one, renamed]);
    await page.reload();
    await expect(chapterLinks(page)).toHaveText([three, one, renamed]);
    expect(titles).toContain(two);
  });

  test("a move or rename that fails goes back, with the error on its row and the title kept", async ({
    alicePage: page,
  }) => {
    const { storyId, titles } = await storyWithChapters(page);
    const [one, two, three] = titles as [string, string, string];
    await failPosts(page, `/studio/stories/${storyId}`);

    await page.getByRole("button", { name: `Move up “${three}”` }).click();
    const rowThree = page.getByRole("list", { name: "Chapters" }).getByRole("listitem").nth(2);
    await expect(rowThree.getByRole("alert")).toContainText("nothing was saved");
    await expect(chapterLinks(page)).toHaveText([one, two, three]);

    const wanted = unique("Never renamed");
    const rowOne = page.getByRole("list", { name: "Chapters" }).getByRole("listitem").first();
    await rowOne.getByRole("textbox", { name: "Title" }).fill(wanted);
    await rowOne.getByRole("button", { name: "Rename" }).click();
    await expect(rowOne.getByRole("alert")).toContainText("nothing was saved");
    await expect(chapterLinks(page)).toHaveText([one, two, three]);
    await expect(rowOne.getByRole("textbox", { name: "Title" })).toHaveValue(wanted);
  });

  test("a scene move on the chapter page shows at once", async ({ alicePage: page }) => {
    const chapterId = await newChapter(page.request, await newStory(page.request));
    const [a, b] = [unique("Scene A"), unique("Scene B")];
    await newScene(page.request, chapterId, a);
    await newScene(page.request, chapterId, b);
    await page.goto(`/studio/chapters/${chapterId}`);
    const sceneLinks = page.getByRole("list", { name: "Scenes" }).getByRole("link");
    await expect(sceneLinks).toHaveText([a, b]);
    const release = await holdPosts(page, `/studio/chapters/${chapterId}`);
    await page.getByRole("button", { name: `Move up “${b}”` }).click();
    await expect(sceneLinks).toHaveText([b, a]);
    // The reload must not cancel the move on its way: wait for the server's answer first.
    const answered = page.waitForResponse(
      (r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/studio/chapters/${chapterId}.data`,
    );
    release();
    await answered;
    await page.reload();
    await expect(sceneLinks).toHaveText([b, a]);
  });
});
