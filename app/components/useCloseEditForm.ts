import { useNavigation, useSearchParams } from "@remix-run/react";
import { useCallback } from "react";

/**
 * Closes an edit form that a search parameter opened (`?edit=post`, `?edit-reply=<id>`) once its
 * save has landed: drops that parameter only when it still has this form's value, keeps the rest,
 * and does nothing while the page is already on its way elsewhere (another edit form opened while
 * this one was saving: that navigation decides what is open, and is not overridden).
 */
export function useCloseEditForm(name: string, value: string): () => void {
  const [params, setParams] = useSearchParams();
  const goingElsewhere = useNavigation().location !== undefined;
  return useCallback(() => {
    if (goingElsewhere || params.get(name) !== value) return;
    const next = new URLSearchParams(params);
    next.delete(name);
    setParams(next, { replace: true, preventScrollReset: true });
  }, [goingElsewhere, params, setParams, name, value]);
}
