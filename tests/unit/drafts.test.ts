import { describe, expect, it } from "vitest";
import {
  type DraftStorage,
  readDraft,
  removeDraftIfSaved,
  type SceneDraft,
  sceneDraftKey,
  writeDraft,
} from "~/client/drafts/draft-store";
import { failureMessage, saveScene } from "~/client/drafts/save-scene";
import { countWords } from "~/lib/word-count";

/** A Storage-like object over a Map; `quota` makes every write throw as a full storage does. */
function fakeStorage({ quota = false } = {}): DraftStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => {
      if (quota) throw new DOMException("full", "QuotaExceededError");
      map.set(key, value);
    },
    removeItem: (key) => void map.delete(key),
  };
}

const draft: SceneDraft = { title: "T", content: "Some words", basedOn: "2026-01-01T00:00:00.000Z", at: 1 };

describe("the draft store", () => {
  it("keys drafts by user and scene, under quill:draft:", () => {
    expect(sceneDraftKey(4, 17)).toBe("quill:draft:4:scene:17");
    expect(sceneDraftKey(4, 17)).not.toBe(sceneDraftKey(5, 17));
  });

  it("writes and reads a draft back", () => {
    const storage = fakeStorage();
    expect(writeDraft(storage, "k", draft)).toBe(true);
    expect(readDraft(storage, "k")).toEqual(draft);
    expect(readDraft(storage, "other")).toBeNull();
  });

  it("says so when the storage refuses a write (quota)", () => {
    const storage = fakeStorage({ quota: true });
    expect(writeDraft(storage, "k", draft)).toBe(false);
    expect(readDraft(storage, "k")).toBeNull();
  });

  it("treats a malformed entry as no draft", () => {
    const storage = fakeStorage();
    storage.map.set("a", "not json");
    storage.map.set("b", JSON.stringify({ title: 1, content: "x" }));
    expect(readDraft(storage, "a")).toBeNull();
    expect(readDraft(storage, "b")).toBeNull();
  });

  it("drops a draft only when the server confirmed exactly its text", () => {
    const storage = fakeStorage();
    writeDraft(storage, "k", draft);
    expect(removeDraftIfSaved(storage, "k", { title: "T", content: "Some words, and more" })).toBe(false);
    expect(readDraft(storage, "k")).toEqual(draft);
    expect(removeDraftIfSaved(storage, "k", { title: "T", content: "Some words" })).toBe(true);
    expect(readDraft(storage, "k")).toBeNull();
  });

  it("counts words as runs of non-space (one function for the editor and the scene model)", () => {
    const counts: [string, number][] = [
      ["", 0],
      ["  ", 0],
      ["one", 1],
      ["The lamps along the quay\ncame on one by one.", 10],
      [" a\tb\n\nc ", 3],
    ];
    for (const [text, words] of counts) expect(countWords(text)).toBe(words);
  });
});

describe("saving a scene", () => {
  const answer = (status: number, body: unknown) => async () =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const text = { title: "T", content: "C" };

  it("sends the text with the version it is based on", async () => {
    let sent: { url: string; init?: RequestInit } | undefined;
    const fetch = (async (url: string, init?: RequestInit) => {
      sent = { url, init };
      return answer(200, { id: 1, ...text, updatedAt: "2026-01-02T00:00:00.000Z", wordCount: 1 })();
    }) as typeof globalThis.fetch;
    const outcome = await saveScene(1, text, "2026-01-01T00:00:00.000Z", { fetch });
    expect(outcome).toMatchObject({ kind: "saved", scene: { updatedAt: "2026-01-02T00:00:00.000Z" } });
    expect(sent?.url).toBe("/studio/api/scenes/1");
    expect(sent?.init?.method).toBe("PATCH");
    expect(JSON.parse(String(sent?.init?.body))).toEqual({ ...text, updatedAt: "2026-01-01T00:00:00.000Z" });
  });

  it("tells a conflict, invalid text, a server error and no answer apart", async () => {
    const current = { id: 1, title: "Theirs", content: "X", updatedAt: "2026-01-03T00:00:00.000Z", wordCount: 1 };
    const save = (fetch: () => Promise<Response>) =>
      saveScene(1, text, "b", { fetch: fetch as typeof globalThis.fetch });
    expect(await save(answer(409, { error: "changed", scene: current }))).toEqual({ kind: "conflict", current });
    expect(await save(answer(400, { error: "bad", fieldErrors: { title: ["Title is required"] } }))).toEqual({
      kind: "invalid",
      fieldErrors: { title: ["Title is required"] },
    });
    expect(await save(answer(500, { error: "oops" }))).toMatchObject({ kind: "failed", retry: true });
    expect(await save(answer(403, { error: "You may not do that" }))).toMatchObject({ kind: "failed", retry: false });
    expect(await save(answer(401, { error: "Sign in first" }))).toMatchObject({ kind: "failed", retry: false });
    expect(
      await save(async () => {
        throw new TypeError("Failed to fetch");
      }),
    ).toEqual({ kind: "offline" });
  });

  it("takes a 409 whose current copy holds exactly the text sent as saved, not a conflict (issue 14)", async () => {
    // The save sent as the page closed landed after the reload read the scene: same text, newer version.
    const landed = { id: 1, ...text, updatedAt: "2026-01-04T00:00:00.000Z", wordCount: 2 };
    const save = (fetch: () => Promise<Response>) =>
      saveScene(1, text, "2026-01-01T00:00:00.000Z", { fetch: fetch as typeof globalThis.fetch });
    expect(await save(answer(409, { error: "changed", scene: landed }))).toEqual({ kind: "saved", scene: landed });
    const other = { ...landed, content: `${text.content}, and more` };
    expect(await save(answer(409, { error: "changed", scene: other }))).toEqual({ kind: "conflict", current: other });
  });

  it("says what a refusal means in plain words, never the server's raw message", () => {
    expect(failureMessage(500, { error: "Internal error" })).toBe(
      "The server could not save it (error 500). Your text is kept on this device; trying again in a few seconds.",
    );
    expect(failureMessage(503, null)).toContain("error 503");
    expect(failureMessage(429, null)).toContain("Too many saves");
    expect(failureMessage(404, null)).toContain("no longer exists");
    expect(failureMessage(400, { error: "Send at least one field to change" })).toBe(
      "Send at least one field to change",
    );
  });
});
