import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkFreshness, firstDifference, settle, valueAt } from "~/cache/freshness.server";
import type { QuerySpec } from "~/cache/query-cache.server";
import { NotFoundError } from "~/models/errors";

describe("firstDifference", () => {
  it("finds none between equal values, whatever the key order, and compares Dates by time", () => {
    const a = { story: { id: 1, updatedAt: new Date(1000) }, chapters: [{ id: 2, scenes: [] }] };
    const b = { chapters: [{ scenes: [], id: 2 }], story: { updatedAt: new Date(1000), id: 1 } };
    expect(firstDifference(a, b)).toBeNull();
    expect(firstDifference(new Date(5), new Date(6))).toBe("");
    expect(firstDifference(null, null)).toBeNull();
    expect(firstDifference(Number.NaN, Number.NaN)).toBeNull();
  });

  it("treats an undefined property as absent", () => {
    expect(firstDifference({ a: 1, b: undefined }, { a: 1 })).toBeNull();
  });

  it("names the path of the first difference, in the current value's key order", () => {
    const current = {
      story: { title: "T" },
      chapters: [{ scenes: [{ content: "a" }, { content: "b" }, { content: "c" }] }],
    };
    const served = structuredClone(current);
    const scene = served.chapters[0]?.scenes[2];
    if (scene) scene.content = "old";
    expect(firstDifference(served, current)).toBe("chapters[0].scenes[2].content");
    served.story.title = "Old";
    expect(firstDifference(served, current)).toBe("story.title");
  });

  it("reports a missing or extra element, a missing key, and a change of type", () => {
    expect(firstDifference({ list: [1, 2] }, { list: [1, 2, 3] })).toBe("list[2]");
    expect(firstDifference({ list: [1, 2, 3] }, { list: [1, 2] })).toBe("list[2]");
    expect(firstDifference({ a: 1 }, { a: 1, b: 2 })).toBe("b");
    expect(firstDifference({ a: 1, b: 2 }, { a: 1 })).toBe("b");
    expect(firstDifference({ at: "2024-01-01" }, { at: new Date("2024-01-01") })).toBe("at");
    expect(firstDifference([], {})).toBe("");
    expect(firstDifference({ "odd key": 1 }, { "odd key": 2 })).toBe('["odd key"]');
    expect(firstDifference(null, {})).toBe("");
    expect(firstDifference(false, true)).toBe("");
  });
});

describe("valueAt", () => {
  it("follows a path written by firstDifference", () => {
    const value = { chapters: [{ scenes: [{}, {}, { content: "c" }] }], "odd key": { x: 1 } };
    expect(valueAt(value, "chapters[0].scenes[2].content")).toBe("c");
    expect(valueAt(value, '["odd key"].x')).toBe(1);
    expect(valueAt(value, "")).toBe(value);
    expect(valueAt(value, "missing.deeper")).toBeUndefined();
  });
});

describe("checkFreshness", () => {
  let rows: Record<number, { title: string; at: Date }> = {};
  const spec: QuerySpec<{ id: number }, { title: string; at: Date }> = {
    name: "test.row",
    tags: ({ id }) => [`row:${id}`],
    freshMs: 1000,
    staleMs: 1000,
    scope: "user",
    schema: z.object({ title: z.string(), at: z.coerce.date() }),
    load: async ({ id }, { userId }) => {
      if (userId !== 7) throw new Error("not yours");
      const row = rows[id];
      if (!row) throw new NotFoundError("Row");
      // As a cached value comes back from JSON: the schema turns the string into a Date again.
      return { title: row.title, at: row.at.toISOString() };
    },
  };

  it("says fresh when a fresh load gives the same value (or the same error)", async () => {
    rows = { 1: { title: "One", at: new Date(1000) } };
    const served = { ok: true as const, value: { title: "One", at: new Date(1000) } };
    expect(await checkFreshness(spec, { id: 1 }, served, { userId: 7 })).toEqual({ fresh: true });
    const missing = await settle(spec.load({ id: 2 }, { userId: 7 }));
    expect(missing).toMatchObject({ ok: false, error: "NotFoundError" });
    expect(await checkFreshness(spec, { id: 2 }, missing as never, { userId: 7 })).toEqual({ fresh: true });
  });

  it("describes a stale value: the query, arguments, tags, user, path and both outcomes", async () => {
    rows = { 1: { title: "New", at: new Date(1000) } };
    const served = { ok: true as const, value: { title: "Old", at: new Date(1000) } };
    expect(await checkFreshness(spec, { id: 1 }, served, { userId: 7 })).toEqual({
      fresh: false,
      query: "test.row",
      args: { id: 1 },
      tags: ["row:1"],
      userId: 7,
      path: "title",
      served,
      current: { ok: true, value: { title: "New", at: new Date(1000) } },
    });
  });

  it("counts a value that became an error (or the other way round) as a difference of the whole", async () => {
    rows = {};
    const served = { ok: true as const, value: { title: "Gone", at: new Date(1000) } };
    const gone = await checkFreshness(spec, { id: 1 }, served, { userId: 7 });
    expect(gone).toMatchObject({ fresh: false, path: "", current: { ok: false, error: "NotFoundError" } });
    const refused = await checkFreshness(spec, { id: 1 }, { ok: false, error: "NotFoundError", message: "" }, {});
    expect(refused).toMatchObject({ fresh: false, path: "", current: { ok: false, error: "Error" } });
  });
});
