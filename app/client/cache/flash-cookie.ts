import { parseTagHeader } from "~/cache/tags";
import { FLASH_COOKIE } from "./config";

/**
 * The tags a document POST purged (no JavaScript there to read its headers), from the flash cookie
 * the server set on its response; the cookie is cleared as it is read.
 */
export function takeFlashPurge(): string[] {
  const match = document.cookie.match(new RegExp(`(?:^|;\\s*)${FLASH_COOKIE}=([^;]*)`));
  if (!match) return [];
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser we serve
  document.cookie = `${FLASH_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`;
  try {
    return parseTagHeader(decodeURIComponent(match[1] ?? ""));
  } catch {
    return ["*"];
  }
}
