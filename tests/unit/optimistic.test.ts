import { describe, expect, it } from "vitest";
import { failureFor, isFailure } from "~/client/optimistic/failure";
import { type FetcherView, type Overlay, settleOverlay, submitOverlay } from "~/client/optimistic/overlay";
import { inOrder, moveItem, sameOrder } from "~/client/optimistic/reorder";

const idle = (data: unknown = undefined, failed = false): FetcherView => ({ busy: false, data, failed });
const busy = (data: unknown = undefined): FetcherView => ({ busy: true, data, failed: false });

describe("the optimistic overlay", () => {
  const shownBy = (loaderLiked: boolean) => (wanted: boolean) => wanted === loaderLiked;

  it("lives through the fetcher going idle before the loader data shows the change (react-router#14506)", () => {
    let overlay: Overlay<boolean> | null = submitOverlay(true, undefined);
    // The submit event rendered before the fetcher state: still "sent", the value shows.
    overlay = settleOverlay(overlay, idle(), shownBy(false));
    expect(overlay?.value).toBe(true);
    overlay = settleOverlay(overlay, busy(), shownBy(false));
    expect(overlay?.phase).toBe("in-flight");
    // The action answered, the fetcher is idle, the loader data is still the old one: keep it.
    const answer = { ok: true };
    overlay = settleOverlay(overlay, idle(answer), shownBy(false));
    expect(overlay).toMatchObject({ value: true, phase: "awaiting-data" });
    overlay = settleOverlay(overlay, idle(answer), shownBy(false));
    expect(overlay?.value).toBe(true);
    // Now the loader data has it: the overlay goes, and what shows is the same value.
    expect(settleOverlay(overlay, idle(answer), shownBy(true))).toBeNull();
  });

  it("rolls back as soon as the action fails", () => {
    let overlay: Overlay<boolean> | null = submitOverlay(true, undefined);
    overlay = settleOverlay(overlay, busy(), shownBy(false));
    expect(settleOverlay(overlay, idle({ fieldErrors: {} }, true), shownBy(false))).toBeNull();
  });

  it("does not take the previous submission's failure for this one's", () => {
    const previous = { fieldErrors: { _form: ["boom"] } };
    const overlay = submitOverlay(true, previous);
    // Idle with the old failure: the fetcher has not started this submission yet.
    expect(settleOverlay(overlay, idle(previous, true), shownBy(false))).toBe(overlay);
  });

  it("counts an answer it never saw in flight (a fast answer batched by React)", () => {
    const overlay = submitOverlay(true, undefined);
    expect(settleOverlay(overlay, idle({ ok: true }), shownBy(false))?.phase).toBe("awaiting-data");
    expect(settleOverlay(overlay, idle({ ok: true }), shownBy(true))).toBeNull();
  });

  it("returns the same object when nothing changes, so a component can compare by reference", () => {
    const overlay: Overlay<string> = { value: "x", phase: "in-flight", dataAtSubmit: undefined };
    expect(settleOverlay(overlay, busy(), () => false)).toBe(overlay);
    expect(settleOverlay(null, idle(), () => false)).toBeNull();
  });
});

describe("failures", () => {
  it("are answers with field errors, matched to their form and item", () => {
    const failure = { intent: "move-chapter", target: 3, fieldErrors: { _form: ["no"] }, values: {} };
    expect(isFailure(failure)).toBe(true);
    expect(isFailure({ ok: true, intent: "move-chapter" })).toBe(false);
    expect(failureFor(failure, "move-chapter", 3)).toBe(failure);
    expect(failureFor(failure, "move-chapter", 4)).toBeUndefined();
    expect(failureFor(failure, "rename-chapter")).toBeUndefined();
  });
});

describe("reordering", () => {
  it("moves an item to a 1-based position as the server does, clamping", () => {
    expect(moveItem([1, 2, 3], 3, 2)).toEqual([1, 3, 2]);
    expect(moveItem([1, 2, 3], 1, 2)).toEqual([2, 1, 3]);
    expect(moveItem([1, 2, 3], 1, 3)).toEqual([2, 3, 1]);
    expect(moveItem([1, 2, 3], 2, 99)).toEqual([1, 3, 2]);
    expect(moveItem([1, 2, 3], 2, 0)).toEqual([2, 1, 3]);
    expect(moveItem([1, 2, 3], 9, 1)).toEqual([1, 2, 3]);
  });

  it("orders items by ids, keeping unknown ones at the end", () => {
    const items = [{ id: 1 }, { id: 2 }, { id: 3 }];
    expect(inOrder(items, [3, 1, 2]).map((i) => i.id)).toEqual([3, 1, 2]);
    expect(inOrder(items, [2]).map((i) => i.id)).toEqual([2, 1, 3]);
    expect(sameOrder([1, 2], [1, 2])).toBe(true);
    expect(sameOrder([1, 2], [2, 1])).toBe(false);
  });
});
