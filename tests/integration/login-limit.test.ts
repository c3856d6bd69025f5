import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoadContext } from "~/http/load-context.server";
import { action as loginAction } from "~/routes/login";
import { type TestApp, testApp } from "../support/test-app";

/**
 * The login limiter (issue 11, item 4) against the real Redis: a point is taken before the password
 * is checked, so parallel guesses cannot outrun the count; and the count is per account and
 * address, so a flood against an email does not lock its owner out elsewhere.
 */
let app: TestApp;
beforeAll(async () => {
  app = await testApp();
});
afterAll(() => app.close());

// Addresses of this run only: the counts live in the shared Redis for 15 minutes.
const run = Math.floor(Math.random() * 250) + 1;
let next = 0;
const freshAddress = () => `2001:db8:${run.toString(16)}::${(++next).toString(16)}`;

/** One login POST through the page's action; its status (302 signed in, 400 wrong, 429 refused). */
async function attempt(email: string, password: string, address: string): Promise<number> {
  const request = new Request("http://quill.test/login", {
    method: "POST",
    body: new URLSearchParams({ email, password, intent: "login" }),
  });
  try {
    const answer = (await loginAction({ request, params: {}, context: createLoadContext(address) })) as unknown;
    if (answer instanceof Response) return answer.status;
    return (answer as { init?: { status?: number } }).init?.status ?? 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

describe("the login limiter", () => {
  it("checks at most 5 of 20 parallel wrong passwords for one email from one address", async () => {
    const attacker = freshAddress();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => attempt("alice@example.com", "not-her-password", attacker)),
    );
    const checked = statuses.filter((s) => s === 400).length;
    const refused = statuses.filter((s) => s === 429).length;
    expect({ checked, refused }).toEqual({ checked: 5, refused: 15 });
    // The right password from the attacker's address is refused too: that pair is blocked.
    expect(await attempt("alice@example.com", "password", attacker)).toBe(429);
    // The owner, from another address, signs in.
    expect(await attempt("alice@example.com", "password", freshAddress())).toBe(302);
  });

  it("gives the point back on success: the owner signs in 10 times in a row from one address", async () => {
    const owner = freshAddress();
    for (let i = 0; i < 10; i++) expect(await attempt("bob@example.com", "password", owner)).toBe(302);
    // Four wrong ones after that still leave room for the right one.
    for (let i = 0; i < 4; i++) expect(await attempt("bob@example.com", "wrong", owner)).toBe(400);
    expect(await attempt("bob@example.com", "password", owner)).toBe(302);
  });

  it("limits one address trying many accounts (50 an hour)", async () => {
    const sprayer = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) statuses.push(await attempt(`nobody-${run}-${i}@example.com`, "guess", sprayer));
    expect(statuses.filter((s) => s === 400).length).toBe(50);
    expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429]);
  });
});
