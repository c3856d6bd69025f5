import { useCallback, useEffect, useRef, useState } from "react";
import { isFailure } from "./failure";
import { type Overlay, settleOverlay, submitOverlay } from "./overlay";

interface FetcherLike {
  state: "idle" | "submitting" | "loading";
  data?: unknown;
}

/**
 * An optimistic value for one fetcher (see overlay.ts). Call `begin(value)` in the form's submit
 * handler: it is an urgent state update, so the value is painted in the frame after the click,
 * while the fetcher's own state arrives later in a transition. `shows(value)` tells whether the
 * loader data already shows it.
 */
/**
 * How long an overlay waits for the fetcher to pick it up, or once answered for loader data that
 * shows it. Normally both take a frame; when they never come (an aborted submission the server
 * never got), the loader data is the truth after this.
 */
const AWAIT_DATA_MS = 3000;

export function useOverlay<T>(fetcher: FetcherLike, shows: (value: T) => boolean) {
  const [overlay, setOverlay] = useState<Overlay<T> | null>(null);
  const data = useRef<unknown>(fetcher.data);
  data.current = fetcher.data;
  const next = settleOverlay(
    overlay,
    { busy: fetcher.state !== "idle", data: fetcher.data, failed: isFailure(fetcher.data) },
    shows,
  );
  // Derived state: React re-renders at once, before committing, so no frame shows the old one.
  if (next !== overlay) setOverlay(next);
  useEffect(() => {
    // Waiting on the fetcher is bounded by the request itself; waiting on anything else is not.
    if (!next || next.phase === "in-flight") return;
    const stuck = next;
    const timer = setTimeout(() => setOverlay((current) => (current === stuck ? null : current)), AWAIT_DATA_MS);
    return () => clearTimeout(timer);
  }, [next]);
  const begin = useCallback((value: T) => setOverlay(submitOverlay(value, data.current)), []);
  // Sent or on its way (not merely waiting for loader data): what a "one at a time" control checks.
  const sending = next !== null && next.phase !== "awaiting-data";
  return { value: next?.value, pending: next !== null, sending, begin };
}
