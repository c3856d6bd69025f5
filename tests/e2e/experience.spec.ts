import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Browser, Locator, Page } from "@playwright/test";
import { expect, type Session, test } from "./fixtures";
import { newChapter, newScene, newStory } from "./studio-data";
import { PASSWORD, unique, users } from "./support";

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
 * Every rule broken on the page, in light (colours with `colours`) and, with `dark`, in dark: the
 * second run checks colours only, on the same load — the rest does not depend on the colour scheme.
 * axe runs in the page itself (legacy mode): the default finishes each run in a new blank page of
 * the context, a page opened and closed per check; these pages have no frames, so the result is the same.
 */
async function audit(page: Page, path: string, { colours, dark }: { colours: boolean; dark: boolean }) {
  const found: Violation[] = [];
  for (const scheme of dark ? (["light", "dark"] as const) : (["light"] as const)) {
    await page.emulateMedia({ colorScheme: scheme });
    const builder = new AxeBuilder({ page }).setLegacyMode();
    if (scheme === "dark") builder.withRules(["color-contrast", "link-in-text-block"]);
    else {
      // Two rules beyond the WCAG 2.1 tags: the accessible name must contain the visible label
      // (axe ships it as experimental, so off by default), and WCAG 2.2's 24 px target size.
      const rules: Record<string, { enabled: boolean }> = {
        "label-content-name-mismatch": { enabled: true },
        "target-size": { enabled: true },
      };
      // Colours do not depend on JavaScript, and contrast is axe's slowest rule: checked in one project.
      if (!colours) for (const rule of ["color-contrast", "link-in-text-block"]) rules[rule] = { enabled: false };
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
        violations.push(
          ...(await audit(page, path, { colours: javaScriptEnabled, dark: javaScriptEnabled && darkToo.has(path) })),
        );
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

test("the editor: a reload right after typing raises no false conflict (3 of 3); Ctrl+S saves; offline and a 5xx say so in words and colours of their own, and Retry now saves", async ({
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
  const api = `**/studio/api/scenes/${sceneId}`;
  const answered = () =>
    page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith(`/scenes/${sceneId}`));
  const saved = answered();
  await box.press("Control+s");
  expect((await saved).status()).toBe(200);
  const status = page.getByTestId("save-status");
  await expect(status).toHaveText("Saved");
  await expect(page.getByTestId("saved-at")).toContainText("Last saved");
  const savedColour = await status.evaluate((el) => getComputedStyle(el).color);
  const retry = page.getByRole("button", { name: "Retry now" });
  await expect(retry).toHaveCount(0);

  // Offline: the status says so in its own colour, with Retry now; while the server still cannot
  // be reached (back online, the editor's own try is answered by no one) it stays so; once the
  // server answers, Retry now saves. The clock is paused: no timer retries by itself.
  await page.context().setOffline(true);
  await box.fill("Written offline.");
  await box.press("Control+s");
  await expect(status).toHaveText("Offline — kept locally");
  await expect(status).not.toHaveCSS("color", savedColour);
  await expect(retry).toBeVisible();
  let unanswered = 0;
  await page.route(api, (route) => {
    unanswered++;
    return route.abort("internetdisconnected");
  });
  await page.context().setOffline(false);
  await retry.press("Enter");
  await expect.poll(() => unanswered).toBeGreaterThan(0);
  await expect(status).toHaveText("Offline — kept locally");
  await page.unroute(api);
  const reconnected = answered();
  await retry.press("Enter");
  expect((await reconnected).status()).toBe(200);
  await expect(status).toHaveText("Saved");
  await expect(status).toHaveCSS("color", savedColour);
  await expect(retry).toHaveCount(0);

  // A 5xx: "Not saved" in the error colour, plain words (never the server's raw "Internal error"),
  // Retry now; once the server answers again, Retry now saves.
  await page.route(api, (route) =>
    route.fulfill({ status: 500, contentType: "application/json", body: JSON.stringify({ error: "Internal error" }) }),
  );
  await box.fill("Written while the server fails.");
  await box.press("Control+s");
  await expect(status).toHaveText("Not saved — kept locally");
  await expect(status).not.toHaveCSS("color", savedColour);
  await expect(page.getByRole("alert")).toHaveText(
    "The server could not save it (error 500). Your text is kept on this device; trying again in a few seconds.",
  );
  await expect(page.getByText("Internal error")).toHaveCount(0);
  await page.unroute(api);
  const recovered = answered();
  await retry.press("Enter");
  const answer = await recovered;
  expect(answer.status()).toBe(200);
  expect(((await answer.json()) as { content: string }).content).toBe("Written while the server fails.");
  await expect(status).toHaveText("Saved");
  await expect(status).toHaveCSS("color", savedColour);
  await expect(page.getByRole("alert")).toHaveCount(0);
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

/**
 * Presses Tab (Shift+Tab with `back`) until `target` has focus — how a keyboard user reaches a
 * control. Fails if it is never reached, or if focus falls to the body on the way (the next Tab
 * would leave the page).
 */
async function tabTo(page: Page, target: Locator, { back = false, max = 80 } = {}) {
  const element = await target.elementHandle();
  const where = () =>
    page.evaluate((el) => ({ there: el === document.activeElement, tag: document.activeElement?.tagName }), element);
  try {
    for (let presses = 0; presses <= max; presses++) {
      const focus = await where();
      if (focus.there) return;
      if (presses > 0) expect(focus.tag, "focus fell to the body").not.toBe("BODY");
      await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    }
    throw new Error(`not reached by ${back ? "Shift+Tab" : "Tab"} in ${max} presses: ${target}`);
  } finally {
    await element.dispose();
  }
}

/** The first document load is hydrated (a key pressed before would post or follow a link without JavaScript). */
async function hydrated(page: Page) {
  await page.waitForFunction(() => {
    const main = document.querySelector("main");
    return "__remixRouter" in window && main !== null && Object.keys(main).some((k) => k.startsWith("__reactProps"));
  });
}

test("keyboard alone: sign-in, new story, chapters, reorder, delete's confirmation, new scene, reply — focus lands where the user works", async ({
  browser,
  baseURL,
  javaScriptEnabled,
  aliceRequest,
}) => {
  test.skip(!javaScriptEnabled, "focus management is JavaScript's; without it the browser starts at the top");
  test.setTimeout(120_000);
  // Only keys: Tab, Shift+Tab, Enter, Space and typing; no clicks. A wrong password is part of the
  // walk, so the context has an address of its own for the login limit (TRUST_PROXY believes loopback).
  const context = await browser.newContext({
    baseURL,
    javaScriptEnabled: true,
    extraHTTPHeaders: {
      "X-Forwarded-For": `10.14.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`,
    },
  });
  const page = await context.newPage();
  const keys = page.keyboard;
  const h1 = page.getByRole("heading", { level: 1 });
  const main = page.getByRole("main");
  const postTitle = unique("Walked post");
  expect(
    (await aliceRequest.post("/community/api/posts", { data: { title: postTitle, body: "Reply to me." } })).status(),
  ).toBe(201);
  try {
    // Sign-in: the header's link, a wrong password (the password is emptied and focused, both
    // fields marked invalid), then the right one: the studio's heading has focus.
    await page.goto("/");
    await hydrated(page);
    await tabTo(page, page.getByRole("banner").getByRole("link", { name: "Log in" }));
    await keys.press("Enter");
    await expect(h1).toHaveText("Log in");
    await expect(h1).toBeFocused();
    await keys.press("Tab");
    await expect(page.getByLabel("Email")).toBeFocused();
    await keys.type(users.alice);
    await keys.press("Tab");
    await keys.type("not the password");
    await keys.press("Tab");
    await expect(page.getByRole("button", { name: "Log in" })).toBeFocused();
    await keys.press("Enter");
    await expect(page.getByRole("alert")).toHaveText("That email and password do not match an account.");
    const password = page.getByLabel("Password");
    await expect(password).toBeFocused();
    await expect(password).toHaveValue("");
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await keys.type(PASSWORD);
    await keys.press("Enter");
    await expect(h1).toHaveText("Your stories");
    await expect(h1).toBeFocused();
    await expect(page.getByTestId("signed-in-as")).toContainText("Alice");

    // A new story: a blank title (spaces pass the browser's `required`) is refused with focus on
    // the field; then the story's page opens with its heading focused.
    const newStory = page.getByRole("form", { name: "New story" });
    const storyTitle = unique("Walked story");
    await tabTo(page, newStory.getByLabel("Title"));
    await keys.type("   ");
    await tabTo(page, newStory.getByRole("button", { name: "Create story" }));
    await keys.press("Enter");
    await expect(newStory.getByText("Title is required")).toBeVisible();
    await expect(newStory.getByLabel("Title")).toBeFocused();
    await expect(newStory.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");
    await keys.press("ControlOrMeta+a");
    await keys.type(storyTitle);
    await tabTo(page, newStory.getByRole("button", { name: "Create story" }));
    await keys.press("Space");
    await expect(h1).toHaveText(storyTitle);
    await expect(h1).toBeFocused();

    // Two chapters, each added with Enter in the title field: the form is a new one after each, so
    // focus goes to the page's heading (never the body), and the chapter is in the list.
    const chapters = page.getByRole("list", { name: "Chapters" });
    const first = unique("First");
    const second = unique("Second");
    for (const [title, count] of [
      [first, 1],
      [second, 2],
    ] as const) {
      await tabTo(page, page.getByRole("form", { name: "Add a chapter" }).getByLabel("Title"));
      await keys.type(title);
      await keys.press("Enter");
      await expect(chapters.getByRole("link")).toHaveCount(count);
      await expect(h1).toBeFocused();
    }
    await expect(chapters.getByRole("link")).toHaveText([first, second]);

    // Reorder: Move up keeps focus on the moved row's button (now at the top, so aria-disabled but
    // focusable), and the new position is announced.
    const up = page.getByRole("button", { name: `Move up “${second}”` });
    await tabTo(page, up);
    await keys.press("Space");
    await expect(chapters.getByRole("link")).toHaveText([second, first]);
    await expect(up).toBeFocused();
    await expect(up).toHaveAttribute("aria-disabled", "true");
    await expect(page.locator("#announcer")).toHaveText(`“${second}” is now chapter 1 of 2.`);
    // Enter on a button that cannot act does nothing (and keeps focus).
    await keys.press("Enter");
    await expect(up).toBeFocused();
    await expect(chapters.getByRole("link")).toHaveText([second, first]);

    // Delete goes to its confirmation page (heading focused); "Cancel, keep it" comes back.
    await tabTo(page, page.getByRole("button", { name: `Delete “${first}”` }));
    await keys.press("Enter");
    await expect(h1).toHaveText(`Delete chapter “${first}”?`);
    await expect(h1).toBeFocused();
    await tabTo(page, page.getByRole("link", { name: "Cancel, keep it" }));
    await keys.press("Enter");
    await expect(h1).toHaveText(storyTitle);
    await expect(h1).toBeFocused();
    await expect(chapters.getByRole("link")).toHaveText([second, first]);

    // A new scene: the chapter's page (heading focused), the add-scene form, then the new scene's
    // editor with focus in its text box; what is typed there is saved.
    await tabTo(page, chapters.getByRole("link", { name: second }));
    await keys.press("Enter");
    await expect(h1).toHaveText(second);
    await expect(h1).toBeFocused();
    const sceneTitle = unique("Walked scene");
    await tabTo(page, page.getByRole("form", { name: "Add a scene" }).getByLabel("Title"));
    await keys.type(sceneTitle);
    await keys.press("Enter");
    const text = page.getByRole("form", { name: "Scene" }).getByLabel("Text");
    await expect(text).toBeFocused();
    await expect(main).toContainText(sceneTitle);
    await keys.type("Written by keyboard alone.");
    await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 10_000 });
    await expect(page.getByTestId("live-word-count")).toHaveText("4 words");

    // A reply: back to the header's Community link, the post, the reply form; the reply is posted
    // and focus stays on the form's button.
    await tabTo(page, page.getByRole("banner").getByRole("link", { name: "Community", exact: true }), { back: true });
    await keys.press("Enter");
    await expect(h1).toHaveText("Community");
    await expect(h1).toBeFocused();
    await tabTo(page, main.getByRole("link", { name: postTitle }));
    await keys.press("Enter");
    await expect(h1).toHaveText(postTitle);
    await expect(h1).toBeFocused();
    await tabTo(page, page.getByRole("textbox", { name: "Your reply" }));
    await keys.type("Replied by keyboard alone.");
    const reply = page.getByRole("button", { name: "Reply", exact: true });
    await tabTo(page, reply);
    await keys.press("Enter");
    await expect(page.getByTestId("reply").filter({ hasText: "Replied by keyboard alone." })).toHaveCount(1);
    await expect(page.getByTestId("reply").filter({ hasText: "Replied by keyboard alone." })).not.toHaveAttribute(
      "data-pending",
    );
    await expect(page.getByRole("heading", { level: 2, name: "1 reply" })).toBeVisible();
    await expect(page.getByRole("textbox", { name: "Your reply" })).toHaveValue("");
    await expect(reply).toBeFocused();
  } finally {
    await context.close();
  }
});
