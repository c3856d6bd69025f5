import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { unique } from "./support";

/**
 * The studio pages, run by both projects: with JavaScript (Remix forms) and without it (plain form
 * posts and full page loads). Every test writes its own uniquely named stories, so tests can run in
 * parallel, in both projects, against one server.
 */

/** Creates a story through the /studio form and leaves the page on its editor; returns its path. */
async function createStory(page: Page, title: string, summary = ""): Promise<string> {
  await page.goto("/studio");
  const form = page.getByRole("form", { name: "New story" });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Summary").fill(summary);
  await form.getByRole("button", { name: "Create story" }).click();
  await expect(page).toHaveURL(/\/studio\/stories\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  return new URL(page.url()).pathname;
}

async function addChapter(page: Page, title: string) {
  const form = page.getByRole("form", { name: "Add a chapter" });
  await form.getByLabel("Title").fill(title);
  await form.getByRole("button", { name: "Add chapter" }).click();
  // Wait for the new row: with JavaScript the form is only cleared once the page has reloaded its data.
  await expect(chapterLinks(page).filter({ hasText: title })).toHaveCount(1);
}

/** On a chapter page: adds a scene, which opens its editor. */
async function addScene(page: Page, title: string): Promise<string> {
  const form = page.getByRole("form", { name: "Add a scene" });
  await form.getByLabel("Title").fill(title);
  await form.getByRole("button", { name: "Add scene" }).click();
  await expect(page).toHaveURL(/\/studio\/scenes\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  return new URL(page.url()).pathname;
}

const chapterLinks = (page: Page) => page.getByRole("list", { name: "Chapters" }).getByRole("link");
const sceneLinks = (page: Page) => page.getByRole("list", { name: "Scenes" }).getByRole("link");
const storyRow = (page: Page, title: string) =>
  page.getByRole("list", { name: "Your stories" }).getByRole("listitem").filter({ hasText: title });

test("an anonymous visitor is sent to log in, with the way back", async ({ page }) => {
  await page.goto("/studio");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fstudio$/);
  await page.goto("/studio/stories/1");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fstudio%2Fstories%2F1$/);
});

test("create a story, edit it and publish it", async ({ alicePage: page }) => {
  test.slow(); // a long flow of page loads and form posts
  const title = unique("Harbour Lights");
  const path = await createStory(page, title, "A first summary.");
  const storyId = path.split("/").at(-1);

  await page.goto("/studio");
  const row = storyRow(page, title);
  await expect(row.locator(".badge")).toHaveText("draft");
  await expect(row).toContainText("0 chapters");
  await expect(row.getByRole("link", { name: `Read “${title}”` })).toHaveCount(0);

  await row.getByRole("link", { name: title }).click();
  await expect(page).toHaveURL(path);
  await expect(page.getByRole("link", { name: "Open the reading view" })).toHaveCount(0);
  const details = page.getByRole("form", { name: "Story details" });
  await expect(details.getByLabel("Summary")).toHaveValue("A first summary.");

  const renamed = unique("Harbour Lights, revised");
  await details.getByLabel("Title").fill(renamed);
  await details.getByLabel("Summary").fill("A keeper of harbour lights.");
  await details.getByLabel("Status").selectOption("published");
  await details.getByRole("button", { name: "Save story" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText(renamed);
  await expect(page.getByRole("link", { name: "Open the reading view" })).toHaveAttribute(
    "href",
    `/stories/${storyId}`,
  );
  await page.reload();
  await expect(details.getByLabel("Title")).toHaveValue(renamed);
  await expect(details.getByLabel("Summary")).toHaveValue("A keeper of harbour lights.");
  await expect(details.getByLabel("Status")).toHaveValue("published");

  await page.goto("/studio");
  const published = storyRow(page, renamed);
  await expect(published.locator(".badge")).toHaveText("published");
  await expect(published.getByRole("link", { name: `Read “${renamed}”` })).toHaveAttribute(
    "href",
    `/stories/${storyId}`,
  );
});

test("add, rename, reorder and delete chapters", async ({ alicePage: page }) => {
  test.slow(); // a long flow of page loads and form posts
  const storyTitle = unique("Chaptered");
  const path = await createStory(page, storyTitle);
  const [a, b, c] = [unique("Arrival"), unique("Bells"), unique("Crossing")];
  for (const title of [a, b, c]) await addChapter(page, title);
  await expect(chapterLinks(page)).toHaveText([a, b, c]);

  const renamed = unique("Bells at dusk");
  const rowB = page.getByRole("list", { name: "Chapters" }).getByRole("listitem").nth(1);
  await rowB.getByRole("textbox", { name: "Title" }).fill(renamed);
  await rowB.getByRole("button", { name: "Rename" }).click();
  await expect(chapterLinks(page)).toHaveText([a, renamed, c]);

  await page.getByRole("button", { name: `Move up “${c}”` }).click();
  await expect(chapterLinks(page)).toHaveText([a, c, renamed]);
  await page.getByRole("button", { name: `Move down “${a}”` }).click();
  await expect(chapterLinks(page)).toHaveText([c, a, renamed]);
  await expect(page.getByRole("button", { name: `Move up “${c}”` })).toBeDisabled();
  await expect(page.getByRole("button", { name: `Move down “${renamed}”` })).toBeDisabled();

  // Delete asks first, saying what goes with the chapter (issue 14).
  await page.getByRole("button", { name: `Delete “${a}”` }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Delete chapter “${a}”?`);
  await expect(page.getByTestId("delete-loses")).toContainText("no scenes");
  await page.getByRole("button", { name: "Delete chapter" }).click();
  await expect(page.getByTestId("deleted-notice")).toHaveText(`Deleted chapter “${a}”.`);
  await expect(chapterLinks(page)).toHaveText([c, renamed]);

  // The order is stored, not just shown.
  await page.goto(path);
  await expect(chapterLinks(page)).toHaveText([c, renamed]);
  await page.goto("/studio");
  await expect(storyRow(page, storyTitle)).toContainText("2 chapters");

  // The chapter page leads back to its story.
  await page.goto(path);
  await chapterLinks(page).filter({ hasText: renamed }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(renamed);
  const chapterForm = page.getByRole("form", { name: "Chapter details" });
  const retitled = unique("Bells, again");
  await chapterForm.getByLabel("Title").fill(retitled);
  await chapterForm.getByLabel("Summary").fill("The bells ring for no one.");
  await chapterForm.getByRole("button", { name: "Save chapter" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(retitled);
  await page.reload();
  await expect(chapterForm.getByLabel("Summary")).toHaveValue("The bells ring for no one.");
  await page.locator(".breadcrumbs").getByRole("link", { name: storyTitle }).click();
  await expect(page).toHaveURL(path);
  await expect(chapterLinks(page)).toHaveText([c, retitled]);
});

test("add, edit, reorder and delete scenes", async ({ alicePage: page }) => {
  test.slow(); // a long flow of page loads and form posts
  await createStory(page, unique("Scenic"));
  const chapter = unique("Chapter of scenes");
  await addChapter(page, chapter);
  await chapterLinks(page).filter({ hasText: chapter }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(chapter);
  const chapterPath = new URL(page.url()).pathname;

  const first = unique("Dawn");
  await addScene(page, first);
  await expect(page.getByTestId("word-count")).toHaveText("0 words");
  const editor = page.getByRole("form", { name: "Scene" });
  const edited = unique("Dawn, rewritten");
  await editor.getByLabel("Title").fill(edited);
  await editor.getByLabel("Text").fill("The lamps along the quay\ncame on one by one.");
  await editor.getByRole("button", { name: "Save scene" }).click();
  await expect(page.getByTestId("word-count")).toHaveText("10 words");
  await expect(page.getByText("Saved", { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(edited);
  await page.reload();
  await expect(editor.getByLabel("Text")).toHaveValue("The lamps along the quay\ncame on one by one.");

  // Breadcrumbs: story › chapter.
  await page.locator(".breadcrumbs").getByRole("link", { name: chapter }).click();
  await expect(page).toHaveURL(chapterPath);
  const second = unique("Noon");
  const secondPath = await addScene(page, second);
  await page.goto(chapterPath);
  const third = unique("Dusk");
  await addScene(page, third);
  await page.goto(chapterPath);
  await expect(sceneLinks(page)).toHaveText([edited, second, third]);
  await expect(page.getByRole("list", { name: "Scenes" })).toContainText("10 words");

  // Previous and next follow the chapter's order.
  await page.goto(secondPath);
  await expect(page.getByRole("link", { name: `Previous: ${edited}` })).toBeVisible();
  await page.getByRole("link", { name: `Next: ${third}` }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(third);

  await page.goto(chapterPath);
  await page.getByRole("button", { name: `Move up “${third}”` }).click();
  await expect(sceneLinks(page)).toHaveText([edited, third, second]);
  await page.getByRole("button", { name: `Move down “${edited}”` }).click();
  await expect(sceneLinks(page)).toHaveText([third, edited, second]);
  await page.getByRole("button", { name: `Delete “${edited}”` }).click();
  await expect(page.getByTestId("delete-loses")).toContainText("10 words");
  await page.getByRole("button", { name: "Delete scene" }).click();
  await expect(sceneLinks(page)).toHaveText([third, second]);

  // Deleting from the editor goes back to the chapter.
  await page.goto(secondPath);
  await page.getByRole("button", { name: "Delete scene" }).click();
  await page.getByRole("button", { name: "Delete scene" }).click(); // the confirmation page's
  await expect(page).toHaveURL((url) => url.pathname === chapterPath);
  await expect(sceneLinks(page)).toHaveText([third]);
  await page.reload();
  await expect(sceneLinks(page)).toHaveText([third]);
});

test("an empty title shows the error next to the field and keeps what was typed", async ({ alicePage: page }) => {
  test.slow(); // a long flow of page loads and form posts
  const title = unique("Validated");
  await createStory(page, title);

  const details = page.getByRole("form", { name: "Story details" });
  await details.getByLabel("Title").fill("   ");
  await details.getByLabel("Summary").fill("A summary I do not want to type twice.");
  await details.getByRole("button", { name: "Save story" }).click();
  const titleField = details.getByRole("textbox", { name: "Title" });
  await expect(titleField).toHaveAttribute("aria-invalid", "true");
  await expect(titleField).toHaveAccessibleDescription("Title is required");
  await expect(details.getByLabel("Summary")).toHaveValue("A summary I do not want to type twice.");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  // Only the form that failed shows it.
  await expect(page.getByRole("alert")).toHaveCount(1);

  const chapter = unique("Untitled soon");
  await addChapter(page, chapter);
  const row = page.getByRole("list", { name: "Chapters" }).getByRole("listitem").first();
  await row.getByRole("textbox", { name: "Title" }).fill(" ");
  await row.getByRole("button", { name: "Rename" }).click();
  await expect(row.getByRole("textbox", { name: "Title" })).toHaveAccessibleDescription("Title is required");
  await expect(chapterLinks(page)).toHaveText([chapter]);

  await chapterLinks(page).first().click();
  await addScene(page, unique("Scene"));
  const editor = page.getByRole("form", { name: "Scene" });
  await editor.getByLabel("Title").fill(" ");
  await editor.getByLabel("Text").fill("Words that must not be lost.");
  await editor.getByRole("button", { name: "Save scene" }).click();
  await expect(editor.getByRole("textbox", { name: "Title" })).toHaveAccessibleDescription("Title is required");
  await expect(editor.getByLabel("Text")).toHaveValue("Words that must not be lost.");
  await expect(page.getByText("Saved", { exact: true })).toHaveCount(0);
  await editor.getByLabel("Title").fill("Found a title");
  await editor.getByRole("button", { name: "Save scene" }).click();
  await expect(page.getByTestId("word-count")).toHaveText("6 words");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Found a title");
});

test("bob can neither open nor change alice's story, chapter or scene", async ({ alicePage, bobPage }) => {
  test.slow(); // a long flow of page loads and form posts
  // Find alice's pages through the UI.
  await alicePage.goto("/studio");
  await alicePage.getByRole("link", { name: "The Lighthouse Keeper", exact: true }).click();
  await expect(alicePage.getByRole("heading", { level: 1 })).toHaveText("The Lighthouse Keeper");
  const storyPath = new URL(alicePage.url()).pathname;
  await chapterLinks(alicePage).first().click();
  await expect(alicePage).toHaveURL(/\/studio\/chapters\/\d+$/);
  const chapterPath = new URL(alicePage.url()).pathname;
  const chapterTitle = await alicePage.getByRole("heading", { level: 1 }).textContent();
  await sceneLinks(alicePage).first().click();
  await expect(alicePage).toHaveURL(/\/studio\/scenes\/\d+$/);
  const scenePath = new URL(alicePage.url()).pathname;
  const sceneText = await alicePage.getByRole("form", { name: "Scene" }).getByLabel("Text").inputValue();

  await bobPage.goto("/studio");
  await expect(bobPage.getByRole("link", { name: "Salt and Static", exact: true })).toBeVisible();
  await expect(bobPage.getByRole("link", { name: "The Lighthouse Keeper", exact: true })).toHaveCount(0);

  for (const path of [storyPath, chapterPath, scenePath]) {
    const response = await bobPage.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(bobPage.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  }

  const attempts: [string, Record<string, string>][] = [
    [storyPath, { intent: "update-story", title: "Taken by bob", status: "draft" }],
    [storyPath, { intent: "add-chapter", title: "Bob's chapter" }],
    [chapterPath, { intent: "update-chapter", title: "Bob was here" }],
    [scenePath, { intent: "save-scene", title: "Bob's scene", content: "gone" }],
    [scenePath, { intent: "delete-scene" }],
  ];
  for (const [path, form] of attempts) {
    const response = await bobPage.request.post(path, { form, maxRedirects: 0 });
    expect(response.status(), `${form.intent} on ${path}`).toBe(403);
  }

  // Nothing changed.
  await alicePage.goto(storyPath);
  const details = alicePage.getByRole("form", { name: "Story details" });
  await expect(details.getByLabel("Title")).toHaveValue("The Lighthouse Keeper");
  await expect(details.getByLabel("Status")).toHaveValue("published");
  await expect(chapterLinks(alicePage).filter({ hasText: "Bob's chapter" })).toHaveCount(0);
  await alicePage.goto(chapterPath);
  await expect(alicePage.getByRole("heading", { level: 1 })).toHaveText(chapterTitle ?? "");
  await alicePage.goto(scenePath);
  await expect(alicePage.getByRole("form", { name: "Scene" }).getByLabel("Text")).toHaveValue(sceneText);
});

test("ids that name nothing give the not-found page", async ({ alicePage: page }) => {
  for (const path of ["/studio/stories/abc", "/studio/stories/999999999", "/studio/chapters/0", "/studio/scenes/-1"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  }
});

test("studio form posts redirect with the tags they changed, or answer 400", async ({ alicePage: page }) => {
  const created = await page.request.post("/studio?index", {
    form: { intent: "create-story", title: unique("Posted"), summary: "" },
    maxRedirects: 0,
  });
  expect(created.status()).toBe(302);
  const location = created.headers().location ?? "";
  expect(location).toMatch(/^\/studio\/stories\/\d+$/);
  const storyId = location.split("/").at(-1);
  expect(created.headers()["x-cache-invalidate"]).toContain(`story:${storyId}`);

  const updated = await page.request.post(location, {
    form: { intent: "update-story", title: unique("Posted again"), summary: "", status: "draft" },
    maxRedirects: 0,
  });
  expect(updated.status()).toBe(302);
  expect(updated.headers().location).toBe(location);
  expect(updated.headers()["x-cache-invalidate"]).toContain(`story:${storyId}`);

  const invalid = await page.request.post(location, { form: { intent: "update-story", title: "" }, maxRedirects: 0 });
  expect(invalid.status()).toBe(400);
  const unknown = await page.request.post(location, { form: { intent: "make-coffee" }, maxRedirects: 0 });
  expect(unknown.status()).toBe(400);
});

test("without JavaScript, a scene form loaded before another save is refused, keeping the text", async ({
  alicePage: page,
  javaScriptEnabled,
}) => {
  test.skip(javaScriptEnabled, "with JavaScript the editor autosaves: drafts.spec covers its conflicts");
  test.slow(); // a long flow of page loads and form posts
  await createStory(page, unique("Two windows"));
  const chapter = unique("Chapter");
  await addChapter(page, chapter);
  await chapterLinks(page).filter({ hasText: chapter }).click();
  const scenePath = await addScene(page, unique("Scene"));
  const other = await page.context().newPage();
  await other.goto(scenePath);

  const editor = page.getByRole("form", { name: "Scene" });
  await editor.getByLabel("Text").fill("Saved in the first window.");
  await editor.getByRole("button", { name: "Save scene" }).click();
  await expect(page.getByText("Saved", { exact: true })).toBeVisible();

  const stale = other.getByRole("form", { name: "Scene" });
  await stale.getByLabel("Text").fill("Written in the second window.");
  await stale.getByRole("button", { name: "Save scene" }).click();
  await expect(other.getByRole("alert")).toContainText("saved somewhere else");
  await expect(stale.getByLabel("Text")).toHaveValue("Written in the second window.");
  await page.reload();
  await expect(editor.getByLabel("Text")).toHaveValue("Saved in the first window.");

  // Saving again, knowingly, replaces it.
  await stale.getByRole("button", { name: "Save scene" }).click();
  await expect(other.getByText("Saved", { exact: true })).toBeVisible();
  await page.reload();
  await expect(editor.getByLabel("Text")).toHaveValue("Written in the second window.");
});
