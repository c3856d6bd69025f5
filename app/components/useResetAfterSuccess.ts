import { useEffect, useRef } from "react";

/**
 * With JavaScript the page is not reloaded after the redirect, so a form would keep the text that
 * was just posted: this empties it once a submission ends without field errors. Returns the ref
 * to put on the form.
 */
export function useResetAfterSuccess(busy: boolean, failed: boolean) {
  const formRef = useRef<HTMLFormElement>(null);
  const wasBusy = useRef(false);
  useEffect(() => {
    if (busy) {
      wasBusy.current = true;
      return;
    }
    if (!wasBusy.current) return;
    wasBusy.current = false;
    if (!failed) formRef.current?.reset();
  }, [busy, failed]);
  return formRef;
}
