import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * The public reading view, /stories/:storyId, on the demo data: alice's published "The Lighthouse
 * Keeper" (two chapters of three scenes, each scene the demo text repeated scene + chapter times)
 * and her draft "Notes for a Winter Novel".
 */
const PUBLISHED = "The Lighthouse Keeper";
const DRAFT = "Notes for a Winter Novel";
const DEMO_SENTENCE = "The lamps along the quay came on one by one";

/**
 * Finds the published demo story from the home page list and opens it. The list shows the 20 most
 * recently changed stories, so should tests running alongside have published more, try the first
 * story ids (the demo data comes first in a fresh database).
 */
async function openPublished(page: Page): Promise<number> {
  await page.goto("/");
  const link = page.getByRole("link", { name: PUBLISHED });
  if ((await link.count()) > 0) {
    await link.first().click();
  } else {
    let found = 0;
    for (let id = 1; id <= 30 && found === 0; id++) {
      const response = await page.request.get(`/stories/${id}`);
      if (response.ok() && (await response.text()).includes(`<h1>${PUBLISHED}</h1>`)) found = id;
    }
    expect(found, `"${PUBLISHED}" is readable`).toBeGreaterThan(0);
    await page.goto(`/stories/${found}`);
  }
  await expect(page).toHaveURL(/\/stories\/\d+$/);
  return Number(/\/stories\/(\d+)$/.exec(page.url())?.[1]);
}

/**
 * The id of alice's draft, found as alice: from her studio list when that page links it, else by
 * trying the first story ids (the demo data comes first in a fresh database).
 */
async function draftId(alice: APIRequestContext): Promise<number> {
  const studio = await alice.get("/studio");
  if (studio.ok()) {
    const html = await studio.text();
    const linked = new RegExp(`href="/studio/stories/(\\d+)"[^>]*>(?:<[^>]+>)*\\s*${DRAFT}`).exec(html);
    if (linked) return Number(linked[1]);
  }
  for (let id = 1; id <= 30; id++) {
    const response = await alice.get(`/stories/${id}`);
    if (response.ok() && (await response.text()).includes(`<h1>${DRAFT}</h1>`)) return id;
  }
  throw new Error(`alice's draft "${DRAFT}" was not found`);
}

test("anyone reads a published story: chapters, then their scenes' text, in order", async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  page.on("console", (message) => {
    // A missing favicon is not this page's fault.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      consoleErrors.push(message.text());
    }
  });
  const id = await openPublished(page);
  expect(id).toBeGreaterThan(0);
  await expect(page).toHaveTitle(`${PUBLISHED} — Quill`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(PUBLISHED);
  await expect(page.getByTestId("story-author")).toHaveText("Alice");
  await expect(page.getByText("A keeper counts ships that never arrive.")).toBeVisible();
  await expect(page.getByText("Draft preview")).toHaveCount(0);
  await expect(page.locator("form")).toHaveCount(0);

  await expect(page.locator("article h2, article h3")).toHaveText([
    "Chapter 1",
    "Scene 1",
    "Scene 2",
    "Scene 3",
    "Chapter 2",
    "Scene 1",
    "Scene 2",
    "Scene 3",
  ]);
  await expect(page.getByText("Where it begins.")).toBeVisible();
  await expect(page.getByText("Where it turns.")).toBeVisible();

  // Each scene's text, in the reading column, in order: scene s of chapter c repeats the demo
  // text s + c times.
  const scenes = page.getByTestId("scene");
  await expect(scenes).toHaveCount(6);
  const repeats = [2, 3, 4, 3, 4, 5];
  for (const [index, times] of repeats.entries()) {
    const scene = scenes.nth(index);
    await expect(scene).toHaveClass(/\breading\b/);
    const text = (await scene.locator("p").allTextContents()).join("\n");
    expect(text.split(DEMO_SENTENCE).length - 1, `scene ${index + 1}`).toBe(times);
  }

  // The table of contents links to the chapters.
  const contents = page.getByRole("navigation", { name: "Contents" });
  await expect(contents.getByRole("link")).toHaveText(["Chapter 1", "Chapter 2"]);
  const href = await contents.getByRole("link", { name: "Chapter 2" }).getAttribute("href");
  expect(href).toMatch(/^#chapter-\d+$/);
  await expect(page.locator(href ?? "#missing").getByRole("heading", { level: 2 })).toHaveText("Chapter 2");
  await contents.getByRole("link", { name: "Chapter 2" }).click();
  await expect(page).toHaveURL(new RegExp(`/stories/${id}${href}$`));
  expect(consoleErrors, "no errors (hydration mismatches included) in the console").toEqual([]);
});

test("a signed-in reader sees the same story, on a private page", async ({ page, bobPage }) => {
  const id = await openPublished(page);
  const publicResponse = await page.request.get(`/stories/${id}`);
  expect(publicResponse.headers()["cache-control"] ?? "").not.toContain("private");

  const response = await bobPage.goto(`/stories/${id}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()["cache-control"]).toBe("private, no-store");
  await expect(bobPage.getByRole("heading", { level: 1 })).toHaveText(PUBLISHED);
  await expect(bobPage.getByTestId("scene")).toHaveCount(6);
  await expect(bobPage.getByText("Draft preview")).toHaveCount(0);
});

test("a draft is not found for anonymous visitors", async ({ page, aliceRequest }) => {
  const id = await draftId(aliceRequest);
  const response = await page.goto(`/stories/${id}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
  await expect(page.getByText(DRAFT)).toHaveCount(0);
  await expect(page).not.toHaveTitle(new RegExp(DRAFT));
});

test("a draft is not found for other authors", async ({ bobPage: page, aliceRequest }) => {
  const id = await draftId(aliceRequest);
  const response = await page.goto(`/stories/${id}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
  await expect(page.getByText(DRAFT)).toHaveCount(0);
});

test("its author previews her draft, marked as such", async ({ alicePage: page, aliceRequest }) => {
  const id = await draftId(aliceRequest);
  const response = await page.goto(`/stories/${id}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(DRAFT);
  await expect(page.getByTestId("draft-preview")).toContainText("Draft preview");
  await expect(page.getByTestId("draft-preview").getByRole("link")).toHaveAttribute("href", `/studio/stories/${id}`);
  await expect(page.locator("article h2")).toHaveText(["Chapter 1", "Chapter 2"]);
  await expect(page.getByTestId("scene")).toHaveCount(6);
});

for (const id of ["999999999", "abc", "0", "1e3"]) {
  test(`/stories/${id} is a 404 page`, async ({ page }) => {
    const response = await page.goto(`/stories/${id}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
  });
}
