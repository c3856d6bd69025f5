import { describe, expect, it } from "vitest";
import { safeRedirect } from "~/auth/session.server";
import { formatTagHeader, parseTagHeader, tags } from "~/cache/tags";
import { type HttpError, MAX_BODY_BYTES, readBody } from "~/http/api-response.server";
import { readForm } from "~/http/forms.server";
import { countWords } from "~/lib/word-count";
import { booleanField, integerField, parseId } from "~/models/validation";

describe("fields that accept JSON and form values alike", () => {
  it("takes whole numbers as numbers or digit strings, nothing else", () => {
    expect(integerField.parse(3)).toBe(3);
    expect(integerField.parse(" 7 ")).toBe(7);
    for (const bad of [true, "3.5", 2.5, "", "1e3", null]) expect(integerField.safeParse(bad).success).toBe(false);
  });

  it("takes booleans and their form spellings", () => {
    expect(booleanField.parse("true")).toBe(true);
    expect(booleanField.parse("false")).toBe(false);
    expect(booleanField.parse(false)).toBe(false);
    expect(booleanField.safeParse("maybe").success).toBe(false);
  });

  it("parses ids from URL segments", () => {
    expect(parseId("12")).toBe(12);
    expect(parseId(12)).toBe(12);
    for (const bad of ["0", "-1", "abc", "1.5", "12345678901", undefined, ""]) expect(parseId(bad)).toBeNull();
  });

  it("counts words", () => {
    expect(countWords("")).toBe(0);
    expect(countWords("  one\ttwo\n\nthree ")).toBe(3);
  });
});

describe("tag headers", () => {
  it("round-trips a tag list without duplicates", () => {
    const header = formatTagHeader([tags.story(1), tags.scene(3), tags.story(1), tags.communityFeed()]);
    expect(header).toBe("story:1, scene:3, community:feed");
    expect(parseTagHeader(header)).toEqual(["story:1", "scene:3", "community:feed"]);
    expect(parseTagHeader(" , ")).toEqual([]);
    expect(tags.userStories(4)).toBe("user:4:stories");
  });
});

describe("request bodies", () => {
  const request = (body: string, type?: string, headers: Record<string, string> = {}) =>
    new Request("http://x/", {
      method: "POST",
      body,
      headers: { ...(type ? { "Content-Type": type } : {}), ...headers },
    });
  const status = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 200;
    } catch (error) {
      return (error as HttpError).status;
    }
  };

  it("reads JSON and forms into the same shape", async () => {
    expect(await readBody(request('{"title":"A","position":2}', "application/json"))).toEqual({
      title: "A",
      position: 2,
    });
    expect(await readBody(request("title=A&position=2", "application/x-www-form-urlencoded"))).toEqual({
      title: "A",
      position: "2",
    });
    const form = new FormData();
    form.set("body", "hello");
    expect(await readBody(new Request("http://x/", { method: "POST", body: form }))).toEqual({ body: "hello" });
    expect(await readBody(request("", "application/json"))).toEqual({});
  });

  it("refuses malformed, non-object, unsupported and oversized bodies", async () => {
    expect(await status(readBody(request("{nope", "application/json")))).toBe(400);
    expect(await status(readBody(request("[1,2]", "application/json")))).toBe(400);
    expect(await status(readBody(request("null", "application/json")))).toBe(400);
    expect(await status(readBody(request("<a/>", "application/xml")))).toBe(415);
    const big = "x".repeat(MAX_BODY_BYTES + 1);
    expect(await status(readBody(request(JSON.stringify({ content: big }), "application/json")))).toBe(413);
    expect(
      await status(readBody(request("{}", "application/json", { "Content-Length": String(MAX_BODY_BYTES * 2) }))),
    ).toBe(413);
  });
});

describe("safe redirect targets", () => {
  it("keeps paths of this site, with their query and fragment", () => {
    for (const path of ["/studio", "/stories/3?x=1#c", "/a/b/"]) expect(safeRedirect(path)).toBe(path);
  });

  it("refuses anything that could leave the site, as browsers read it", () => {
    const refused = [
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r/evil.example",
      "/\u0000/x",
      "/\u2028/evil.example",
      "https://evil.example/",
      "evil.example",
      "",
      undefined,
      42,
    ];
    for (const target of refused) expect(safeRedirect(target), JSON.stringify(target)).toBe("/studio");
  });
});

describe("a page action's form", () => {
  const post = (body: BodyInit, type?: string, headers: Record<string, string> = {}) =>
    new Request("http://localhost/login", {
      method: "POST",
      body,
      headers: { ...(type ? { "Content-Type": type } : {}), ...headers },
    });
  const statusOf = async (read: Promise<unknown>) => {
    try {
      await read;
      return 200;
    } catch (error) {
      return (error as { init?: { status?: number } }).init?.status;
    }
  };

  it("reads a urlencoded or multipart form as its string fields", async () => {
    expect(await readForm(post("email=a%40b.c&password=x", "application/x-www-form-urlencoded"))).toEqual({
      email: "a@b.c",
      password: "x",
    });
    const form = new FormData();
    form.set("title", "T");
    form.set("file", new Blob(["bytes"]), "f.txt");
    expect(await readForm(new Request("http://localhost/", { method: "POST", body: form }))).toEqual({ title: "T" });
  });

  it("answers 415, 413 and 400 for what is not a form, too large or malformed: never a 500", async () => {
    expect(await statusOf(readForm(post('{"email":"a"}', "application/json")))).toBe(415);
    expect(await statusOf(readForm(post("hello", "text/plain")))).toBe(415);
    expect(await statusOf(readForm(post("x".repeat(MAX_BODY_BYTES + 1), "application/x-www-form-urlencoded")))).toBe(
      413,
    );
    expect(await statusOf(readForm(post("--nope\r\n", "multipart/form-data; boundary=other")))).toBe(400);
  });
});
