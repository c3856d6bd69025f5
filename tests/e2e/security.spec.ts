import { createHash } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";
import { signIn, unique, users } from "./support";

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64");

/**
 * Issue 11's browser-facing hardening: a CSP with a nonce that every script of the app passes (or,
 * on a response cache replay, the hash of each inline script: docs/decisions/014-pinned-replays.md),
 * the framing, sniffing and referrer headers, a session that a logout ends for good, the browser
 * cache cleared at logout, and a draft's 404 that looks like any other 404.
 */

/** CSP violations the page reports (the init script runs outside the page's CSP). */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  return async () => {
    const events = await page
      .evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? [])
      .catch(() => []);
    return [...console, ...events];
  };
}

test.describe("security headers", () => {
  test("every document has a nonce CSP that each of its scripts carries, or each inline script's hash on a replay, and no framing or sniffing", async ({
    request,
  }) => {
    let replays = 0;
    // Twice over: the second answer to an anonymous page is the response cache's replay.
    for (const path of ["/", "/login", "/community", "/stories/1", "/", "/community", "/stories/1"]) {
      const response = await request.get(path);
      expect(response.status(), path).toBe(200);
      const headers = response.headers();
      const csp = headers["content-security-policy"] ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-eval");
      expect(csp).not.toContain("unsafe-inline'; script");
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length, path).toBeGreaterThan(0);
      if (headers["x-response-cache"] === "HIT") {
        replays++;
        expect(csp, path).not.toContain("nonce");
        for (const [tag, attributes = "", text = ""] of scripts) {
          expect(attributes, path).not.toContain("nonce");
          if (!attributes.includes("src=")) expect(csp, tag).toContain(`'sha256-${sha256(text)}'`);
        }
      } else {
        const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
        expect(nonce, `${path}: ${csp}`).toBeTruthy();
        for (const [, attributes] of scripts) expect(attributes, path).toContain(`nonce="${nonce}"`);
      }
    }
    expect(replays).toBeGreaterThan(0);
    // Rendered pages (a parameter the response cache does not keep) get a new nonce each time.
    const again = (await request.get("/?fresh=1")).headers()["content-security-policy"];
    expect(again).toContain("nonce-");
    expect(again).not.toBe((await request.get("/?fresh=1")).headers()["content-security-policy"]);
  });

  test("browsing, signing in and writing raise no CSP violation", async ({ page, javaScriptEnabled }) => {
    const violations = await watchViolations(page);
    await page.goto("/");
    await page.goto("/community");
    // Straight to the first post: other tests' posts may have pushed it off the feed's first page.
    await page.goto("/community/posts/1");
    await expect(page.getByText("What are you writing this week?").first()).toBeVisible();
    // A replayed document (its scripts allowed by hash) runs them too: hydrated, it navigates
    // client-side (a marker set on the window survives the click).
    await expect.poll(async () => (await page.goto("/community/posts/1"))?.headers()["x-response-cache"]).toBe("HIT");
    if (javaScriptEnabled) {
      await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
      await page.getByRole("link", { name: "Community" }).first().click();
      await expect(page.getByRole("heading", { name: "Community", level: 1 })).toBeVisible();
      expect(await page.evaluate(() => "__sameDocument" in window)).toBe(true);
    }
    await page.goto("/login");
    await page.getByLabel("Email").fill(users.bob);
    await page.getByLabel("Password").fill("password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByTestId("signed-in-as")).toContainText("Bob");
    await page.goto("/studio");
    await page.goto("/stories/1");
    if (javaScriptEnabled) {
      // Hydrated: a client-side navigation ran the app's scripts.
      await page.getByRole("link", { name: "Community" }).first().click();
      await expect(page.getByRole("heading", { name: "Community", level: 1 })).toBeVisible();
    }
    expect(await violations()).toEqual([]);
  });
});

test.describe("sessions and the browser cache at logout", () => {
  test("a cookie kept from before a logout is signed out", async ({ page, browser, baseURL }) => {
    await signIn(page, users.bob);
    const kept = await page.context().cookies();
    expect(kept.some((c) => c.name === "__session")).toBe(true);
    await page.goto("/");
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
    const replay = await browser.newContext({ baseURL, storageState: { cookies: kept, origins: [] } });
    try {
      const other = await replay.newPage();
      await other.goto("/studio");
      await expect(other).toHaveURL(/\/login\?redirectTo=%2Fstudio/);
    } finally {
      await replay.close();
    }
  });

  test("every quill:cache: key is gone after logout", async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, "the browser cache needs JavaScript");
    await signIn(page, users.alice);
    await page.goto("/studio");
    await page.getByRole("link", { name: "Community" }).first().click();
    await expect(page.getByRole("heading", { name: "Community", level: 1 })).toBeVisible();
    await page.evaluate(() => localStorage.setItem("quill:cache:nav", JSON.stringify({ "/studio": { "/x": 3 } })));
    const before = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("quill:cache:")));
    expect(before.length).toBeGreaterThan(1);
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
    await expect
      .poll(() =>
        page.evaluate(() =>
          Object.entries(localStorage).filter(
            ([k, v]) => k.startsWith("quill:cache:") && !(k === "quill:cache:owner" && v === "anon"),
          ),
        ),
      )
      .toEqual([]);
  });
});

test.describe("no existence leak", () => {
  test("a draft's 404 carries the same cache headers as an unknown id's", async ({ page, request }) => {
    await signIn(page, users.alice);
    const created = await page.request.post("/studio", {
      form: { intent: "create-story", title: unique("Secret draft") },
      maxRedirects: 0,
    });
    expect(created.status()).toBe(302);
    const draftId = /\/studio\/stories\/(\d+)/.exec(created.headers().location ?? "")?.[1];
    expect(draftId).toBeTruthy();
    const cacheHeaders = (h: Record<string, string>) => ({
      xCache: h["x-cache"],
      tags: h["x-cache-tags"],
      timingTags: (h["server-timing"] ?? "").includes("x-cache-tags"),
    });
    for (const path of [`/stories/${draftId}`, `/stories/${draftId}.data`]) {
      // Twice: the second read of the draft would be a cache HIT.
      for (let i = 0; i < 2; i++) {
        const draft = await request.get(path);
        expect(draft.status(), path).toBe(404);
        expect(cacheHeaders(draft.headers()), path).toEqual(
          cacheHeaders((await request.get(path.replace(draftId as string, "987654321"))).headers()),
        );
        expect(draft.headers()["x-cache"], path).toBeUndefined();
      }
    }
  });
});
