/**
 * The life of one optimistic value, as a pure function so it can be tested without React.
 *
 * Under Remix 2.17 (react-router 6.30, react-router#14506) a fetcher can go idle one render before
 * the revalidated loader data arrives, so a value derived from `fetcher.formData` alone flips back
 * for a frame. The overlay therefore outlives the fetcher: it is dropped only once the loader data
 * shows the wanted value, or the action failed (which rolls it back).
 *
 * Phases: "sent" (set in the submit event, before the fetcher state, which React renders in a
 * transition, says anything), "in-flight" (the fetcher is busy with it), "awaiting-data" (the
 * action answered; the loader data does not show it yet).
 */
export type OverlayPhase = "sent" | "in-flight" | "awaiting-data";

export interface Overlay<T> {
  value: T;
  phase: OverlayPhase;
  /** `fetcher.data` when the value was sent: a different one means an answer came. */
  dataAtSubmit: unknown;
}

export interface FetcherView {
  busy: boolean;
  data: unknown;
  /** Whether `data` is a failure (field errors, a server error turned into a form error). */
  failed: boolean;
}

export function submitOverlay<T>(value: T, data: unknown): Overlay<T> {
  return { value, phase: "sent", dataAtSubmit: data };
}

/**
 * The overlay after looking at the fetcher and the loader data (`shows`: the loader data already
 * shows the overlay's value). Returns the same object when nothing changes, so a caller can
 * compare by reference.
 */
export function settleOverlay<T>(
  overlay: Overlay<T> | null,
  fetcher: FetcherView,
  shows: (value: T) => boolean,
): Overlay<T> | null {
  if (overlay === null) return null;
  if (fetcher.busy) return overlay.phase === "sent" ? { ...overlay, phase: "in-flight" } : overlay;
  // Idle. Still "sent" with the same data: the fetcher has not picked the submission up yet.
  if (overlay.phase === "sent" && fetcher.data === overlay.dataAtSubmit) return overlay;
  if (overlay.phase !== "awaiting-data") {
    if (fetcher.failed) return null;
    return shows(overlay.value) ? null : { ...overlay, phase: "awaiting-data" };
  }
  return shows(overlay.value) ? null : overlay;
}
