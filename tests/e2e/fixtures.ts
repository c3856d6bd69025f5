import {
  type APIRequest,
  type APIRequestContext,
  type BrowserContext,
  test as base,
  type Page,
} from "@playwright/test";
import { signIn, users } from "./support";

/** The cookies of a signed-in session, as `storageState` takes them. */
export type Session = Awaited<ReturnType<BrowserContext["storageState"]>>;

/**
 * One session per demo user and worker, signed in through the real /login form post the first time
 * a test of the worker asks for it, and reused by the tests of the worker. A test that signs out (or
 * signs out everywhere, or changes a password) must sign in itself: that ends the session on the
 * server, for every holder of its cookie.
 */
type Sessions = {
  aliceSession: Session;
  bobSession: Session;
  adminSession: Session;
};

/**
 * Per test, already signed in: a page in a browser context of its own (so a test can hold two users
 * at once; the built-in `page` and `context` stay anonymous, and a test that needs the signed-in
 * context, for another tab or the cookies, takes `page.context()`), or a request context for making
 * data without a browser.
 */
type SignedIn = {
  alicePage: Page;
  bobPage: Page;
  aliceRequest: APIRequestContext;
  adminRequest: APIRequestContext;
};

export const test = base.extend<SignedIn, Sessions>({
  aliceSession: [
    async ({ playwright }, use, { project }) =>
      use(await signedIn(playwright.request, project.use.baseURL, users.alice)),
    { scope: "worker" },
  ],
  bobSession: [
    async ({ playwright }, use, { project }) => use(await signedIn(playwright.request, project.use.baseURL, users.bob)),
    { scope: "worker" },
  ],
  adminSession: [
    async ({ playwright }, use, { project }) =>
      use(await signedIn(playwright.request, project.use.baseURL, users.admin)),
    { scope: "worker" },
  ],

  // A context made in a test gets the project's options (viewport, user agent…) from the runner;
  // the two the tests depend on are passed anyway.
  alicePage: async ({ browser, baseURL, javaScriptEnabled, aliceSession }, use) => {
    const context = await browser.newContext({ baseURL, javaScriptEnabled, storageState: aliceSession });
    await use(await context.newPage());
    await context.close();
  },
  bobPage: async ({ browser, baseURL, javaScriptEnabled, bobSession }, use) => {
    const context = await browser.newContext({ baseURL, javaScriptEnabled, storageState: bobSession });
    await use(await context.newPage());
    await context.close();
  },

  aliceRequest: async ({ playwright, baseURL, aliceSession }, use) => {
    const request = await playwright.request.newContext({ baseURL, storageState: aliceSession });
    await use(request);
    await request.dispose();
  },
  adminRequest: async ({ playwright, baseURL, adminSession }, use) => {
    const request = await playwright.request.newContext({ baseURL, storageState: adminSession });
    await use(request);
    await request.dispose();
  },
});

export { expect } from "@playwright/test";

async function signedIn(request: APIRequest, baseURL: string | undefined, email: string): Promise<Session> {
  const context = await request.newContext({ baseURL });
  try {
    await signIn(context, email);
    return await context.storageState();
  } finally {
    await context.dispose();
  }
}
