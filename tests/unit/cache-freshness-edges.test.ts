import { describe, expect, it } from "vitest";
import { firstDifference, valueAt } from "~/cache/freshness.server";

/** Edges of the served-versus-current comparison that tests/unit/freshness.test.ts leaves open. */
describe("firstDifference, edges", () => {
  it("tells a Date from an object without keys", () => {
    expect(firstDifference(new Date(1), {})).toBe("");
    expect(firstDifference({}, new Date(1))).toBe("");
    expect(firstDifference({ at: new Date(1) }, { at: {} })).toBe("at");
  });

  it("counts an extra undefined element as a difference in length", () => {
    expect(firstDifference([1], [1, undefined])).toBe("[1]");
    expect(firstDifference([1, undefined], [1])).toBe("[1]");
    expect(firstDifference({ list: [undefined] }, { list: [] })).toBe("list[0]");
  });
});

describe("valueAt, edges", () => {
  it("follows indexes of more than one digit", () => {
    const list = Array.from({ length: 13 }, (_, i) => ({ i }));
    expect(valueAt({ list }, "list[12].i")).toBe(12);
    expect(valueAt({ list }, "list[10]")).toEqual({ i: 10 });
  });
});
