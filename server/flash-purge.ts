import type { NextFunction, Request, Response } from "express";

/** Read by app/client/cache/flash-cookie.ts; the name is written twice because server/ never imports app/client. */
const FLASH_COOKIE = "quill_purge";
/** Beyond this the cookie says "*" (purge everything): a cookie must stay small. */
const MAX_VALUE = 1_500;

function flashedTags(cookieHeader: string | undefined): string[] {
  const match = cookieHeader?.match(new RegExp(`(?:^|;\\s*)${FLASH_COOKIE}=([^;]*)`));
  if (!match?.[1]) return [];
  try {
    return decodeURIComponent(match[1])
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
  } catch {
    return ["*"];
  }
}

/** A browser navigation (form post without JavaScript), not a fetch, an API client or a data request. */
function isDocumentRequest(req: Request): boolean {
  if (req.path.endsWith(".data")) return false;
  const dest = req.get("Sec-Fetch-Dest");
  return dest ? dest === "document" : (req.get("Accept") ?? "").includes("text/html");
}

/**
 * A document POST has no script to read its X-Cache-Invalidate header, so its purged tags travel
 * to the next page in a short-lived cookie that the page's script purges and clears on hydration
 * (docs/design.md#the-browser-cache). Tags from an earlier post not yet purged are kept. `secure`
 * (production) marks the cookie `Secure`, like the session's.
 */
export function flashPurgeCookie({ secure }: { secure: boolean }) {
  const attributes = `Path=/; Max-Age=600; SameSite=Lax${secure ? "; Secure" : ""}`;
  return (req: Request, res: Response, next: NextFunction) => flashPurge(req, res, next, attributes);
}

function flashPurge(req: Request, res: Response, next: NextFunction, attributes: string) {
  if (req.method === "GET" || req.method === "HEAD" || !isDocumentRequest(req)) return next();
  const writeHead = res.writeHead;
  res.writeHead = function flashThenWriteHead(this: Response, ...args: Parameters<typeof writeHead>) {
    const header = res.getHeader("X-Cache-Invalidate");
    if (typeof header === "string" && header.length > 0) {
      const fresh = header.split(",").map((t) => t.trim());
      const all = [...new Set([...flashedTags(req.headers.cookie), ...fresh])];
      let value = encodeURIComponent(all.join(","));
      if (value.length > MAX_VALUE) value = "*";
      res.append("Set-Cookie", `${FLASH_COOKIE}=${value}; ${attributes}`);
    }
    return writeHead.apply(this, args);
  } as typeof writeHead;
  next();
}
