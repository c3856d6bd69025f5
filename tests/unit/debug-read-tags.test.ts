import { describe, expect, it } from "vitest";
import { ReadLog } from "~/cache/read-log";
import { createLoadContext } from "~/http/load-context.server";

/**
 * Issue 9, the debug panel's "each read's tags": a browser with the panel's cookie gets each read's
 * own tags in Server-Timing (`q0-tags`); any other gets the headers as before.
 */
function log(tagDetail: boolean) {
  const reads = new ReadLog();
  reads.tagDetail = tagDetail;
  reads.add({ query: "q.list", status: "hit", tags: ["list:1"], scope: "public", cacheMs: 1, dbMs: 0 });
  reads.add({ query: "q.item ×2", status: "miss", tags: ["item:1", "item:2"], scope: "public", cacheMs: 1, dbMs: 2 });
  return reads.headers()["Server-Timing"];
}

describe("each read's tags in Server-Timing", () => {
  it("names them per read only when asked", () => {
    expect(log(true)).toBe(
      'cache;dur=2.00, db;dur=2.00, q0;desc="q.list hit";dur=1.00, q1;desc="q.item ×2 miss";dur=3.00, ' +
        'q0-tags;desc="list:1", q1-tags;desc="item:1 item:2"',
    );
    expect(log(false)).not.toContain("-tags");
  });

  it("is asked for by the panel's cookie, and nothing else", () => {
    const context = (cookie?: string) =>
      createLoadContext("127.0.0.1", { url: "/community", headers: cookie ? { cookie } : {} }).reads.tagDetail;
    expect(context("__session=abc; quill_debug=1")).toBe(true);
    expect(context("quill_debug=1")).toBe(true);
    expect(context("quill_debug=0")).toBe(false);
    expect(context("xquill_debug=1")).toBe(false);
    expect(context()).toBe(false);
    expect(createLoadContext("127.0.0.1").reads.tagDetail).toBe(false);
  });
});
