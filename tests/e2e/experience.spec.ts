import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { expect, type Session, test } from "./fixtures";
import { newChapter, newScene, newStory } from "./studio-data";
import { unique } from "./support";

/**
 * Issue 14: the writer's and reader's experience (docs/experience.md). Kept cheap for CI: axe runs
 * over every page in one context per state (signed out, signed in); both Playwright projects run
 * this file, so every page is checked with JavaScript on and off. Colours (contrast) are checked in
 * the js project only, in light on every page and in dark on six pages that between them show
 * every colour pair (the same load: the colour scheme is switched in place).
 */

const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface Violation {
  page: string;
  scheme: string;
  rule: string;
  impact: string;
  targets: string[];
}

/**
 * Every rule broken on the page, in light and (with `dark`) in dark: the second run checks colours
 * only, on the same load — the rest does not depend on the colour scheme.
 */
async function audit(page: Page, path: string, dark: boolean): Promise<Violation[]> {
  const found: Violation[] = [];
  for (const scheme of dark ? (["light", "dark"] as const) : (["light"] as const)) {
    await page.emulateMedia({ colorScheme: scheme });
    const builder = new AxeBuilder({ page });
    if (scheme === "dark") builder.withRules(["color-contrast", "link-in-text-block"]);
    else {
      // Two rules beyond the WCAG 2.1 tags: the accessible name must contain the visible label
      // (axe ships it as experimental, so off by default), and WCAG 2.2's 24 px target size.
      const rules: Record<string, { enabled: boolean }> = {
        "label-content-name-mismatch": { enabled: true },
        "target-size": { enabled: true },
      };
      // Colours do not depend on JavaScript, and contrast is axe's slowest rule: checked in one project.
      if (!dark) for (const rule of ["color-contrast", "link-in-text-block"]) rules[rule] = { enabled: false };
      builder.options({ runOnly: { type: "tag", values: WCAG }, rules });
    }
    const result = await builder.analyze();
    for (const v of result.violations) {
      found.push({
        page: path,
        scheme,
        rule: v.id,
        impact: v.impact ?? "",
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      });
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  return found;
}

const idIn = (html: string, prefix: string) => {
  const match = new RegExp(`href="${prefix}/(\\d+)"`).exec(html);
  if (!match?.[1]) throw new Error(`no ${prefix}/:id link`);
  return Number(match[1]);
};

/**
 * A page as the project sees it. axe runs in the page, so "JavaScript off" here is the app's
 * scripts blocked (the server-rendered page is never hydrated), not the browser's switch, under
 * which axe could not run at all.
 */
async function newContextPage(browser: Browser, baseURL: string | undefined, js: boolean, storage?: Session) {
  // javaScriptEnabled is passed: a context made in a test takes the project's options otherwise.
  const context = await browser.newContext({ baseURL, storageState: storage, javaScriptEnabled: true });
  if (!js) {
    await context.route("**/*", (route) =>
      route.request().resourceType() === "script" ? route.abort("blockedbyclient") : route.fallback(),
    );
  }
  return { context, page: await context.newPage() };
}

/** A post of alice's with a reply of hers: the owner's tools show on its page. */
async function ownPost(request: APIRequestContext, title = unique("Own post")) {
  const created = await request.post("/community/api/posts", { data: { title, body: "A post to check." } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const reply = await request.post(`/community/api/posts/${id}/replies`, { data: { body: "My own reply." } });
  expect(reply.status()).toBe(201);
  const { id: replyId } = (await reply.json()) as { id: number };
  return { id, replyId, title };
}

test("axe: every page, signed out and signed in, light and dark: no WCAG 2.1 A/AA violation", async ({
  browser,
  request,
  baseURL,
  javaScriptEnabled,
  aliceSession,
  aliceRequest,
}) => {
  // axe takes 1–5 s a page on a busy 2-core machine: 13 pages, and dark mode in one project only.
  test.setTimeout(240_000);
  const story = idIn(await (await request.get("/")).text(), "/stories");
  const post = idIn(await (await request.get("/community")).text(), "/community/posts");
  const storyId = await newStory(aliceRequest);
  const chapterId = await newChapter(aliceRequest, storyId);
  const sceneId = await newScene(aliceRequest, chapterId);
  await aliceRequest.patch(`/studio/api/scenes/${sceneId}`, { data: { content: "Words to count here." } });
  const mine = await ownPost(aliceRequest);

  const signedOut = ["/", "/login", "/community", `/community/posts/${post}`, `/stories/${story}`, "/no-such-page"];
  // Signed in, the pages that differ from the signed-out ones (the community and reading pages add
  // only the header's user and the like and reply forms, checked on the own post's page).
  const signedIn = [
    "/studio",
    `/studio/stories/${storyId}`,
    `/studio/chapters/${chapterId}`,
    `/studio/scenes/${sceneId}`,
    `/studio/chapters/${chapterId}/delete`,
    "/account",
    `/community/posts/${mine.id}`,
  ];
  const darkToo = new Set([
    "/",
    `/community/posts/${post}`,
    `/studio/stories/${storyId}`,
    `/studio/scenes/${sceneId}`,
    `/studio/chapters/${chapterId}/delete`,
    `/community/posts/${mine.id}`,
  ]);
  const violations: Violation[] = [];
  for (const [paths, storage] of [
    [signedOut, undefined],
    [signedIn, aliceSession],
  ] as const) {
    const { context, page } = await newContextPage(browser, baseURL, javaScriptEnabled, storage);
    try {
      for (const path of paths) {
        if (process.env.AXE_TRACE) console.log(`axe: ${path} ${new Date().toISOString()}`);
        await page.goto(path);
        // Colours are CSS only, the same with or without JavaScript: the js project checks them, in
        // dark on the pages that between them show every colour pair (the variables are shared).
        violations.push(...(await audit(page, path, javaScriptEnabled && darkToo.has(path))));
      }
    } finally {
      await context.close();
    }
  }
  const summary = violations.map((v) => `${v.page} (${v.scheme}): ${v.rule} [${v.impact}] ${v.targets.join(" | ")}`);
  console.log(`axe: ${violations.length} violation(s) over ${signedOut.length + signedIn.length} pages`);
  expect(summary, "axe violations (WCAG 2.1 A/AA)").toEqual([]);
});

test("a phone (390 px): every control is a 44 px target, and the signed-in header keeps to one line", async ({
  browser,
  baseURL,
  javaScriptEnabled,
  aliceSession,
  aliceRequest,
}) => {
  test.skip(!javaScriptEnabled, "layout is the same without JavaScript: checked once");
  const storyId = await newStory(aliceRequest);
  const chapterId = await newChapter(aliceRequest, storyId);
  await newScene(aliceRequest, chapterId);
  const context = await browser.newContext({
    baseURL,
    storageState: aliceSession,
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  const small: string[] = [];
  try {
    for (const path of ["/studio", `/studio/stories/${storyId}`, `/studio/chapters/${chapterId}`, "/community"]) {
      await page.goto(path);
      const header = await page.locator("header.nav").boundingBox();
      expect(header?.height ?? 0, `header height on ${path}`).toBeLessThanOrEqual(100);
      const found = await page.evaluate(() => {
        const out: string[] = [];
        const controls = document.querySelectorAll<HTMLElement>(
          "button, input:not([type=hidden]), select, textarea, summary, a[href]",
        );
        for (const el of controls) {
          const box = el.getBoundingClientRect();
          if (box.width === 0 && box.height === 0) continue; // not shown (a skip link off screen)
          if (el.closest(".visually-hidden")) continue;
          // A link inside a sentence is exempt (WCAG 2.5.8 "inline"); a title link in a list needs 24 px.
          const isLink = el.tagName === "A";
          const inText =
            isLink && el.closest("p, li, h2, h3, .muted") !== null && !el.closest(".nav, .breadcrumbs, .pager");
          if (el.classList.contains("skip-link")) continue;
          const need = inText ? 24 : 44;
          if (Math.max(box.height, inText ? 0 : box.width) < need && box.height < need) {
            out.push(
              `${el.tagName.toLowerCase()} "${(el.textContent ?? "").trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)} (needs ${need})`,
            );
          }
        }
        return out;
      });
      small.push(...found.map((f) => `${path}: ${f}`));
    }
  } finally {
    await context.close();
  }
  expect(small, "targets under the minimum").toEqual([]);
});

test("the editor: a reload right after typing raises no false conflict (3 of 3), and Ctrl+S saves", async ({
  alicePage: page,
  javaScriptEnabled,
}) => {
  test.skip(!javaScriptEnabled, "the autosaving editor needs JavaScript");
  const sceneId = await newScene(page.request);
  await page.goto(`/studio/scenes/${sceneId}`);
  const box = page.getByRole("form", { name: "Scene" }).getByLabel("Text");
  // A new, empty scene: its text box has focus.
  await expect(box).toBeFocused();
  let conflicts = 0;
  for (const round of [1, 2, 3]) {
    const words = `Typed then reloaded, round ${round}.`;
    await box.fill(words);
    await page.reload(); // within the autosave pause: the save sent as the page closes lands
    await expect(page.getByTestId("save-status").or(page.getByTestId("conflict")).first()).toBeVisible();
    await expect(page.getByTestId("save-status")).toHaveText("Saved");
    conflicts += await page.getByTestId("conflict").count();
    await expect(box).toHaveValue(words);
  }
  expect(conflicts, "false conflicts after reloads").toBe(0);

  // Ctrl+S saves at once: with the page's clock paused the autosave timer never fires.
  await page.clock.install();
  await page.reload();
  await page.clock.pauseAt(Date.now() + 1000);
  await box.fill("Saved by the keyboard.");
  await expect(page.getByTestId("live-word-count")).toHaveText("4 words");
  const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith(`/scenes/${sceneId}`));
  await box.press("Control+s");
  expect((await saved).status()).toBe(200);
  await expect(page.getByTestId("save-status")).toHaveText("Saved");
  await expect(page.getByTestId("saved-at")).toContainText("Last saved");
});

test("own posts and replies: edited and deleted on the page; others' are refused (403)", async ({
  alicePage: page,
  aliceRequest,
  bobPage,
}) => {
  const mine = await ownPost(aliceRequest);
  // Bob may not change or delete them, through the API or the page's forms.
  const bob = bobPage.request;
  expect((await bob.patch(`/community/api/posts/${mine.id}`, { data: { title: "Bob's now" } })).status()).toBe(403);
  expect((await bob.delete(`/community/api/posts/${mine.id}`)).status()).toBe(403);
  expect((await bob.patch(`/community/api/replies/${mine.replyId}`, { data: { body: "Bob's" } })).status()).toBe(403);
  expect((await bob.delete(`/community/api/replies/${mine.replyId}`)).status()).toBe(403);
  const form = await bob.post(`/community/posts/${mine.id}`, {
    form: { intent: "delete-post" },
    maxRedirects: 0,
  });
  expect(form.status()).toBe(403);
  expect((await aliceRequest.patch(`/community/api/posts/${mine.id}`, { data: { title: "" } })).status()).toBe(400);
  await bobPage.goto(`/community/posts/${mine.id}`);
  await expect(bobPage.getByRole("link", { name: "Edit post" })).toHaveCount(0);

  await page.goto(`/community/posts/${mine.id}`);
  const retitled = unique("Retitled");
  await page.getByRole("link", { name: "Edit post" }).click();
  const editForm = page.getByRole("form", { name: "Edit post" });
  await editForm.getByLabel("Title").fill(retitled);
  await editForm.getByRole("button", { name: "Save post" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(retitled);

  await page.getByRole("link", { name: "Edit your reply" }).click();
  const replyForm = page.getByRole("form", { name: "Edit your reply" });
  await replyForm.getByLabel("Your reply").fill("My reply, edited.");
  await replyForm.getByRole("button", { name: "Save reply" }).click();
  await expect(page.getByTestId("reply").filter({ hasText: "My reply, edited." })).toHaveCount(1);

  await page.getByText("Delete your reply").click();
  await page.getByRole("button", { name: "Delete reply" }).click();
  await expect(page.getByTestId("reply")).toHaveCount(0);

  await page.getByText("Delete post").first().click();
  await expect(page.getByTestId("delete-loses")).toContainText("0 replies");
  await page.getByRole("form", { name: "Delete post" }).getByRole("button", { name: "Delete post" }).click();
  await expect(page).toHaveURL(/\/community\?deleted=/);
  await expect(page.getByTestId("deleted-notice")).toContainText(retitled);
  expect((await aliceRequest.get(`/community/posts/${mine.id}`)).status()).toBe(404);
});

test("keyboard: focus lands on the new page's heading, and stays on a moved row's button", async ({
  alicePage: page,
  aliceRequest,
  javaScriptEnabled,
}) => {
  test.skip(!javaScriptEnabled, "focus management is JavaScript's; without it the browser starts at the top");
  const storyId = await newStory(aliceRequest);
  const first = unique("First");
  const second = unique("Second");
  await newChapter(aliceRequest, storyId, first);
  await newChapter(aliceRequest, storyId, second);
  await page.goto("/studio");
  await page.getByRole("link", { name: "Community", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Community" })).toBeFocused();

  await page.goto(`/studio/stories/${storyId}`);
  const up = page.getByRole("button", { name: `Move up “${second}”` });
  await up.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("list", { name: "Chapters" }).getByRole("link")).toHaveText([second, first]);
  // At the top now: the button says it cannot act (aria-disabled) but keeps focus.
  await expect(up).toBeFocused();
  await expect(up).toHaveAttribute("aria-disabled", "true");
  await expect(page.locator("#announcer")).toHaveText(`“${second}” is now chapter 1 of 2.`);

  // The delete goes through its confirmation page, whose heading gets focus.
  await page.getByRole("button", { name: `Delete “${first}”` }).press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toBeFocused();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Delete chapter “${first}”?`);
});
