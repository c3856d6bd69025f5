import { createContext, useContext } from "react";

/**
 * The CSP nonce of the document being rendered (entry.server.tsx makes one per response), for the
 * inline scripts Remix writes (`<Scripts>`, `<ScrollRestoration>`). Empty in the browser: a nonce is
 * only read when the server renders.
 */
export const NonceContext = createContext<string | undefined>(undefined);

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
