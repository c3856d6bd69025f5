import { useNavigation } from "@remix-run/react";
import type { ButtonHTMLAttributes } from "react";

/**
 * Whether the page is posting a form whose fields include all of `fields` (its intent, and the id
 * of the item when a page has one form per item). Only with JavaScript: without it the browser
 * shows its own progress.
 */
export function usePendingForm(fields: Record<string, string | number>): boolean {
  const navigation = useNavigation();
  const form = navigation.formData;
  if (navigation.state === "idle" || !form) return false;
  return Object.entries(fields).every(([name, value]) => form.get(name) === String(value));
}

type Props = ButtonHTMLAttributes<HTMLButtonElement> & {
  /** The fields (with the button's own name and value) that identify this button's submission. */
  pendingWhen?: Record<string, string | number>;
  /** Pending as the caller knows it (a fetcher's form, which `pendingWhen` cannot see). */
  busy?: boolean;
  /** What the button says while its form is on its way ("Saving…"). */
  pendingLabel?: string;
};

const NOTHING = {};

/**
 * A submit button that refuses, and says so, while its own form is being posted (`pendingWhen`
 * for a page form, `busy` for a fetcher's): `aria-disabled` rather than `disabled`, so the button
 * keeps focus (a disabled button drops it to the body, and the next Tab starts over at the top).
 */
export function SubmitButton({ pendingWhen, busy = false, pendingLabel, disabled, children, onClick, ...rest }: Props) {
  const posting = usePendingForm(pendingWhen ?? NOTHING);
  const pending = busy || (pendingWhen !== undefined && posting);
  return (
    <button
      type="submit"
      disabled={disabled}
      aria-disabled={pending || undefined}
      aria-busy={pending || undefined}
      onClick={(event) => {
        if (pending) event.preventDefault();
        else onClick?.(event);
      }}
      {...rest}
    >
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}
