import { useEffect, useState } from "react";
import { ENHANCED_FIELD } from "~/http/enhanced-field";

/**
 * Put inside a fetcher form: says "answer with data, not a redirect". Rendered only after
 * hydration, so the server-rendered form (and a browser without JavaScript) never sends it.
 */
export function EnhancedMarker() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated ? <input type="hidden" name={ENHANCED_FIELD} value="1" /> : null;
}
