import type { NextFunction, Request, Response } from "express";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** The JSON API's paths: their routes answer 405, then 401, then 413 themselves (docs/api.md). */
const API_PATH = /^\/(studio|community)\/api\//i;

/**
 * Refuses cross-site non-GET requests (403): a browser says where a request comes from in
 * `Sec-Fetch-Site`, older ones in `Origin`. Requests with neither (curl, k6, server-to-server)
 * are not from a browser page, so they cannot ride a user's cookie and pass.
 */
export function crossSiteGuard(req: Request, res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method)) return next();
  const site = req.get("Sec-Fetch-Site");
  if (site === "cross-site") return refuse(res, "Cross-site requests may not change anything");
  const origin = req.get("Origin");
  if (origin !== undefined && site !== "same-origin" && site !== "none") {
    let host: string | undefined;
    try {
      host = origin === "null" ? undefined : new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.get("Host")) return refuse(res, "Cross-origin requests may not change anything");
  }
  next();
}

/**
 * Refuses a page request whose body says it is larger than `maxBytes` (413) before anything reads
 * it, and closes the connection rather than read the rest. A body without a length (chunked) is
 * bounded where it is read: `readForm` stops at the same limit. The JSON API keeps its documented
 * order (405, then 401 before any body is read, then 413, all from `apiRoute`), bounded the same way.
 */
export function bodyLimit(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.get("Content-Length") ?? 0);
    if (!(declared > maxBytes) || API_PATH.test(req.path)) return next();
    res
      .status(413)
      .set("Connection", "close")
      .type("application/json")
      .send(JSON.stringify({ error: `The body is larger than ${maxBytes} bytes` }));
  };
}

function refuse(res: Response, message: string) {
  res
    .status(403)
    .type("application/json")
    .send(JSON.stringify({ error: message }));
}

/**
 * Headers for every response: no MIME sniffing, no framing by any site (HTML documents also say
 * `frame-ancestors 'none'` in their CSP, entry.server.tsx), and no full URL in the Referer sent to
 * other sites.
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.set({
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
  });
  next();
}
