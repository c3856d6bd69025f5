import type { BrowserContext, Page } from "@playwright/test";
import { expect, test as signedIn } from "./fixtures";
import { newScene } from "./studio-data";
import { unique } from "./support";

const test = signedIn.extend<{
  /** What the server has: the editor of a fresh context, signed in as alice, with no local drafts. */
  serverText: (sceneId: number) => Promise<string>;
}>({
  serverText: async ({ browser, baseURL, aliceSession }, use) => {
    await use(async (sceneId) => {
      const context = await browser.newContext({ baseURL, storageState: aliceSession });
      try {
        const page = await context.newPage();
        await page.goto(`/studio/scenes/${sceneId}`);
        return await text(page).inputValue();
      } finally {
        await context.close();
      }
    });
  },
});

/**
 * Drafts (docs/design.md#optimistic-ui-and-drafts, docs/optimistic-ui.md): the scene editor
 * autosaves, keeps unsaved text in localStorage until the server has it, brings it back after a
 * crash, says when it is offline, and never lets two tabs overwrite each other silently. JavaScript
 * only: without it the editor is a plain form (studio.spec covers that).
 */
test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "drafts need JavaScript");
// Each test waits for real autosaves and checks the server from a fresh browser context.
test.beforeEach(() => test.slow());

const text = (page: Page) => page.getByRole("form", { name: "Scene" }).getByLabel("Text");
const status = (page: Page) => page.getByTestId("save-status");

/** The drafts this page's origin keeps, by key. */
function drafts(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const found: Record<string, string> = {};
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i) ?? "";
      if (key.startsWith("quill:draft:")) found[key] = localStorage.getItem(key) ?? "";
    }
    return found;
  });
}

/**
 * Blocks every autosave of the context's pages, those sent while a page closes included (a
 * context route outlives the page): the server never hears of them. Returns the unblock.
 */
async function blockSaves(context: BrowserContext, sceneId: number) {
  const url = `**/studio/api/scenes/${sceneId}`;
  await context.route(url, (route) => route.abort("internetdisconnected"));
  return () => context.unroute(url);
}

test("typing autosaves after a pause, and the draft is dropped once the server has it", async ({
  alicePage: page,
  serverText,
}) => {
  const sceneId = await newScene(page.request);
  await page.goto(`/studio/scenes/${sceneId}`);
  await expect(status(page)).toHaveCount(0);

  await text(page).fill("Autosaved without a click.");
  // Kept locally at once, under the user's and the scene's key.
  expect(Object.keys(await drafts(page))).toEqual([
    expect.stringMatching(new RegExp(`^quill:draft:\\d+:scene:${sceneId}$`)),
  ]);
  await expect(status(page)).toHaveText("Saved");
  await expect(page.getByTestId("word-count")).toHaveText("4 words");
  expect(await drafts(page)).toEqual({});
  await page.reload();
  await expect(text(page)).toHaveValue("Autosaved without a click.");
  expect(await serverText(sceneId)).toBe("Autosaved without a click.");
});

test("text typed before a crash comes back on the next visit and reaches the server", async ({
  alicePage: page,
  serverText,
}) => {
  const context = page.context();
  const sceneId = await newScene(page.request);
  await page.goto(`/studio/scenes/${sceneId}`);
  const unblock = await blockSaves(context, sceneId);
  const typed = `Typed just before the crash. ${unique("marker")}`;
  await text(page).fill(typed);
  // Kept locally at once, before any autosave could run.
  expect(Object.values(await drafts(page)).join()).toContain(typed);
  // A real crash of the tab's renderer: no unload, no visibilitychange, no last-gasp save.
  const cdp = await context.newCDPSession(page);
  const crashed = page.waitForEvent("crash");
  void cdp.send("Page.crash").catch(() => {}); // never answers: the session dies with the renderer
  await crashed;
  await page.close({ runBeforeUnload: false });
  expect(await serverText(sceneId), "the server never got it").not.toBe(typed);
  await unblock();

  const again = await context.newPage();
  await again.goto(`/studio/scenes/${sceneId}`);
  await expect(text(again)).toHaveValue(typed);
  await expect(status(again)).toHaveText("Saved");
  expect(await drafts(again)).toEqual({});
  expect(await serverText(sceneId)).toBe(typed);
});

test("navigating away mid-pause keeps the text and saves it", async ({ alicePage: page, serverText }) => {
  const sceneId = await newScene(page.request);
  await page.goto(`/studio/scenes/${sceneId}`);
  const typed = `Left in a hurry. ${unique("marker")}`;
  await text(page).fill(typed);
  await page.locator(".breadcrumbs a").last().click();
  await expect(page).toHaveURL(/\/studio\/chapters\/\d+$/, { timeout: 15_000 });
  await expect.poll(() => serverText(sceneId), { timeout: 20_000 }).toBe(typed);
  await expect.poll(() => drafts(page), { timeout: 10_000 }).toEqual({});
});

test("offline: says so, keeps the text locally, and saves once back online", async ({
  alicePage: page,
  serverText,
}) => {
  const context = page.context();
  const sceneId = await newScene(page.request);
  await page.goto(`/studio/scenes/${sceneId}`);
  await context.setOffline(true);
  await text(page).fill("Written on a train.");
  await expect(status(page)).toHaveText("Offline — kept locally");
  expect(Object.values(await drafts(page)).join()).toContain("Written on a train.");
  // The heading and word count are the server's again: nothing was saved.
  await expect(page.getByTestId("word-count")).toHaveText("0 words");

  await context.setOffline(false);
  await expect(status(page)).toHaveText("Saved");
  await expect(page.getByTestId("word-count")).toHaveText("4 words");
  expect(await serverText(sceneId)).toBe("Written on a train.");
});

test("two tabs on one scene: the later save is told of the conflict, nothing is overwritten", async ({
  alicePage: page,
  serverText,
}) => {
  const context = page.context();
  const sceneId = await newScene(page.request);
  const tabA = page;
  const tabB = await context.newPage();
  await tabA.goto(`/studio/scenes/${sceneId}`);
  await tabB.goto(`/studio/scenes/${sceneId}`);

  // Each tab is brought to the front before use: a background tab gets no animation frames,
  // which Playwright's actionability checks wait for.
  await tabA.bringToFront();
  await text(tabA).fill("Tab A was first.");
  await tabA.getByRole("button", { name: "Save scene" }).click();
  await expect(status(tabA)).toHaveText("Saved");

  await tabB.bringToFront();
  await text(tabB).fill("Tab B came second.");
  await tabB.getByRole("button", { name: "Save scene" }).click();
  await expect(status(tabB)).toHaveText("Not saved: changed elsewhere");
  await expect(tabB.getByTestId("conflict")).toContainText("saved somewhere else");
  await expect(text(tabB)).toHaveValue("Tab B came second.");
  expect(await serverText(sceneId), "tab A's save stands").toBe("Tab A was first.");
  // Typing more does not sneak a save through either.
  await tabB.bringToFront();
  await text(tabB).fill("Tab B came second, and insists.");
  await tabB.waitForTimeout(1500);
  expect(await serverText(sceneId)).toBe("Tab A was first.");

  // B decides: keep mine.
  await tabB.bringToFront();
  await tabB.getByRole("button", { name: "Keep mine (replace theirs)" }).click();
  await expect(status(tabB)).toHaveText("Saved");
  await expect(tabB.getByTestId("conflict")).toHaveCount(0);
  expect(await serverText(sceneId)).toBe("Tab B came second, and insists.");

  // And A, still on its old version, is told in turn; it takes B's text.
  await tabA.bringToFront();
  await text(tabA).fill("Tab A again.");
  await expect(status(tabA)).toHaveText("Not saved: changed elsewhere");
  await tabA.getByRole("button", { name: "Load the saved version" }).click();
  await expect(text(tabA)).toHaveValue("Tab B came second, and insists.");
  await expect(status(tabA)).toHaveText("Saved");
  expect(await drafts(tabA)).toEqual({});
});
