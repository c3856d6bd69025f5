import { describe, expect, it } from "vitest";
import { sessionCookie } from "~/auth/session.server";
import { ReadLog } from "~/cache/read-log";
import { cacheScopeOf, documentTagsTiming } from "~/http/cache-headers.server";

/** The browser's cache hints (docs/client.md): whose data a response holds, and a document's tags. */
describe("client hints", () => {
  it("names a document's tags once each in a Server-Timing entry", () => {
    expect(documentTagsTiming(undefined)).toBeUndefined();
    const log = new ReadLog();
    expect(documentTagsTiming(log)).toBeUndefined();
    log.add({ query: "q", status: "hit", tags: [], cacheMs: 0, dbMs: 0, scope: "public" });
    expect(documentTagsTiming(log)).toBeUndefined();
    log.add({ query: "q", status: "hit", tags: ["story:1", "user:2"], cacheMs: 0, dbMs: 0, scope: "public" });
    log.add({ query: "r", status: "miss", tags: ["user:2", "scene:3"], cacheMs: 0, dbMs: 0, scope: "public" });
    expect(documentTagsTiming(log)).toBe('x-cache-tags;desc="story:1 user:2 scene:3"');
  });

  it("scopes a response to the signed-in user from the session cookie alone", async () => {
    expect(await cacheScopeOf(new Request("http://quill.test/"))).toBe("anon");
    const cookie = (await sessionCookie(42, "a-session-id")).split(";")[0] ?? "";
    expect(cookie).toMatch(/^__session=/);
    expect(await cacheScopeOf(new Request("http://quill.test/", { headers: { Cookie: cookie } }))).toBe("user:42");
    const forged = `${cookie.slice(0, -3)}abc`;
    expect(await cacheScopeOf(new Request("http://quill.test/", { headers: { Cookie: forged } }))).toBe("anon");
  });
});
