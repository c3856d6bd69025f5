import { createHash } from "node:crypto";

/**
 * A rendered document made fit to be replayed byte for byte (docs/decisions/014-pinned-replays.md):
 * the render's nonce is removed from every tag, and each inline script is named by the SHA-256 of
 * its text instead, for a policy that allows exactly those scripts. Undefined when the document
 * has an inline script this cannot pin (one that does not carry the render's nonce: it would not
 * have run under the render's own policy either, so something is off and the page is not kept).
 */
export function pinScripts(html: string, nonce: string): { html: string; hashes: string[] } | undefined {
  const attribute = ` nonce="${nonce}"`;
  const hashes = new Set<string>();
  for (const match of html.matchAll(SCRIPT)) {
    const [, attributes = "", text = ""] = match;
    if (/\ssrc=/.test(attributes)) continue;
    if (!attributes.includes(attribute)) return undefined;
    // CSP hashes the script's text as the document carries it (UTF-8), entities and all.
    hashes.add(createHash("sha256").update(text, "utf8").digest("base64"));
  }
  return { html: html.replaceAll(attribute, ""), hashes: [...hashes] };
}

/** An inline or external script element: its attributes and its text. */
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
