import { useSearchParams } from "@remix-run/react";

/**
 * The notice after a delete: the confirmation page redirects with `?deleted=<what was deleted>`,
 * and the page it lands on says so (a polite status, read once).
 */
export function DeletedNotice() {
  const [params] = useSearchParams();
  const deleted = params.get("deleted");
  if (!deleted) return null;
  return (
    <p className="flash" role="status" data-testid="deleted-notice">
      Deleted {deleted.slice(0, 240)}.
    </p>
  );
}
