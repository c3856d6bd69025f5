import { useFetcher } from "@remix-run/react";
import { failureFor } from "./failure";
import { inOrder, moveItem, sameOrder } from "./reorder";
import { useOverlay } from "./useOverlay";

/**
 * A list reordered by `intent` forms (move-chapter, move-scene) through one fetcher: the list
 * shows the new order at once and keeps it until the loader data has it; a failed move puts it
 * back and its error is shown on the row (`failureOf(id)`).
 */
export function useOptimisticOrder<T extends { id: number }>(items: readonly T[], intent: string) {
  const fetcher = useFetcher({ key: intent });
  const loaderIds = items.map((item) => item.id);
  const overlay = useOverlay<number[]>(fetcher, (ids) => sameOrder(ids, loaderIds));
  const shownIds = overlay.value ?? loaderIds;
  return {
    items: inOrder(items, shownIds),
    move: {
      fetcher,
      busy: overlay.sending || fetcher.state !== "idle",
      onMove: (id: number, position: number) => overlay.begin(moveItem(shownIds, id, position)),
    },
    failureOf: (id: number) => (overlay.pending ? undefined : failureFor(fetcher.data, intent, id)),
  };
}
