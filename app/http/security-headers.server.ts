import { randomBytes } from "node:crypto";

/** A fresh CSP nonce: 128 random bits, one per document. */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The Content-Security-Policy of an HTML document: scripts only from this origin or carrying this
 * response's nonce (Remix's inline hydration and scroll scripts), no plugins, no framing, forms
 * and `<base>` only to this origin. Styles from this origin; inline `style` attributes (React's
 * `style={…}`) are allowed, inline `<style>` elements are not. Images may be `data:` (the icon).
 */
export function contentSecurityPolicy(nonce: string): string {
  return policy([`'nonce-${nonce}'`]);
}

/**
 * The same policy for a document whose bytes are fixed (a response cache replay): its inline
 * scripts are allowed by their SHA-256 hashes instead of a nonce, so only those exact scripts run
 * and no nonce is ever repeated (docs/decisions/014-pinned-replays.md).
 */
export function hashedContentSecurityPolicy(hashes: readonly string[]): string {
  return policy(hashes.map((hash) => `'sha256-${hash}'`));
}

function policy(scriptSources: readonly string[]): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...scriptSources].join(" "),
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
