// `npm run screenshot:readme` (after `npm run build`): starts the built app on a fresh PGlite and
// photographs, with the system Chromium, what the README shows of issue 14: the scene editor
// (desktop) and the community feed (phone, 390 px), each in light and in dark mode, into
// docs/images/experience-<page>-<scheme>.png.
import { mkdirSync } from "node:fs";
import { chromium } from "@playwright/test";
import { startServer } from "../tests/support/server-process";

const server = await startServer({ LOG_LEVEL: "warn", WARM_INTERVAL: "0" });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const written: string[] = [];
try {
  mkdirSync("docs/images", { recursive: true });
  const setup = await browser.newContext({ baseURL: server.url });
  const signIn = await setup.request.post("/login", {
    form: { email: "alice@example.com", password: "password", redirectTo: "/" },
    maxRedirects: 0,
  });
  if (signIn.status() !== 302) throw new Error(`sign-in failed: ${signIn.status()}`);
  const session = await setup.storageState();
  // The first scene of the demo's first story, as its author sees it.
  const studio = await (await setup.request.get("/studio")).text();
  const storyId = /href="\/studio\/stories\/(\d+)"/.exec(studio)?.[1];
  const story = await (await setup.request.get(`/studio/stories/${storyId}`)).text();
  const chapterId = /href="\/studio\/chapters\/(\d+)"/.exec(story)?.[1];
  const chapter = await (await setup.request.get(`/studio/chapters/${chapterId}`)).text();
  const sceneId = /href="\/studio\/scenes\/(\d+)"/.exec(chapter)?.[1];
  if (!sceneId) throw new Error("demo data: no scene found");
  await setup.close();

  const shots = [
    { name: "editor", path: `/studio/scenes/${sceneId}`, viewport: { width: 1100, height: 820 }, mobile: false },
    { name: "feed-phone", path: "/community", viewport: { width: 390, height: 844 }, mobile: true },
  ];
  for (const shot of shots) {
    for (const scheme of ["light", "dark"] as const) {
      const context = await browser.newContext({
        baseURL: server.url,
        storageState: session,
        viewport: shot.viewport,
        isMobile: shot.mobile,
        hasTouch: shot.mobile,
        deviceScaleFactor: 1,
        colorScheme: scheme,
      });
      const page = await context.newPage();
      await page.goto(shot.path);
      await page.waitForLoadState("networkidle");
      if (shot.name === "editor") {
        // Typing: the live word count and the status say where the text stands.
        const box = page.getByRole("form", { name: "Scene" }).getByLabel("Text");
        await box.press("Control+End");
        await box.pressSequentially(scheme === "light" ? " The lamp turned." : " Then it went out.", { delay: 10 });
        await page.keyboard.press("Control+s");
        await page.getByTestId("saved-at").waitFor();
        await page.getByRole("button", { name: "Save scene" }).focus(); // the focus ring
        await page.evaluate(() => window.scrollTo(0, 0));
      }
      const out = `docs/images/experience-${shot.name}-${scheme}.png`;
      await page.screenshot({ path: out });
      written.push(out);
      await context.close();
    }
  }
  console.log(`wrote ${written.join(", ")}`);
} finally {
  await browser.close();
  await server.stop();
}
