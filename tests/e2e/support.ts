import { type APIRequestContext, expect, type Page } from "@playwright/test";

export const PASSWORD = "password";
export const users = {
  alice: "alice@example.com",
  bob: "bob@example.com",
  admin: "admin@example.com",
} as const;

/** A text no other test (or earlier run) wrote, so assertions find exactly this test's data. */
export function unique(label: string): string {
  return `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Signs in through the real /login form post, without the UI (the UI itself is tested in
 * auth.spec.ts). `page.request` shares the page's cookies, so the page is signed in afterwards.
 */
export async function signIn(target: Page | APIRequestContext, email: string): Promise<void> {
  const request = "request" in target ? target.request : target;
  const response = await request.post("/login", {
    form: { email, password: PASSWORD, redirectTo: "/" },
    maxRedirects: 0,
  });
  expect(response.status(), "sign-in redirects").toBe(302);
}
