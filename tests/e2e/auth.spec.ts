import { expect, type Page, test } from "@playwright/test";
import { PASSWORD, signIn, unique, users } from "./support";

/**
 * Fills and sends the login form, and waits for the server's answer: after a wrong password the
 * same alert is already showing, so without this the next attempt could be typed while the last
 * one's answer is still coming (and then empties the password field under it).
 */
async function logInThroughForm(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  const answered = page.waitForResponse((response) => response.request().method() === "POST");
  await page.getByRole("button", { name: "Log in" }).click();
  await answered;
}

test.describe("sign-in", () => {
  test("logs in through the form, in an httpOnly SameSite=Lax cookie, and comes back where it was sent from", async ({
    page,
    context,
  }) => {
    await page.goto("/studio");
    await expect(page).toHaveURL(/\/login\?redirectTo=%2Fstudio/);
    await logInThroughForm(page, users.alice, PASSWORD);
    await expect(page).toHaveURL(/\/studio$/);
    await expect(page.getByTestId("signed-in-as")).toContainText("Alice");
    const session = (await context.cookies()).find((c) => c.name === "__session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Lax");
  });

  test("says when the email and password do not match, and keeps the email", async ({ page }) => {
    await page.goto("/login");
    await logInThroughForm(page, users.bob, "not-the-password");
    await expect(page.getByRole("alert")).toContainText("do not match");
    await expect(page.getByLabel("Email")).toHaveValue(users.bob);
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
  });

  test("blocks an email after five failed attempts", async ({ page }) => {
    const email = `${unique("nobody").replace(/\W/g, "")}@example.com`;
    await page.goto("/login");
    for (let attempt = 1; attempt <= 5; attempt++) {
      await logInThroughForm(page, email, "wrong");
      await expect(page.getByRole("alert")).toContainText("do not match");
    }
    await logInThroughForm(page, email, "wrong");
    await expect(page.getByRole("alert")).toContainText("Too many failed attempts");
  });

  test("ignores a redirect to another site", async ({ page }) => {
    await page.goto("/login?redirectTo=//evil.example/steal");
    await logInThroughForm(page, users.bob, PASSWORD);
    await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/studio$/);
  });

  test("logs out", async ({ page }) => {
    await signIn(page, users.bob);
    await page.goto("/");
    await expect(page.getByTestId("signed-in-as")).toContainText("Bob");
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
    await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
    await page.goto("/studio");
    await expect(page).toHaveURL(/\/login/);
  });

  test("marks signed-in pages private and never stored", async ({ page }) => {
    const anonymous = await page.request.get("/");
    expect(anonymous.headers()["cache-control"] ?? "").not.toContain("private");
    await signIn(page, users.alice);
    const personal = await page.request.get("/");
    expect(personal.headers()["cache-control"]).toBe("private, no-store");
  });
});
