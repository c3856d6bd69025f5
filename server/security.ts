import type { NextFunction, Request, Response } from "express";

/** Methods that never run an action: Remix runs one for any other (OPTIONS on a `.data` URL too). */
const SAFE_METHODS = new Set(["GET", "HEAD"]);
/** The JSON API's paths: their routes answer 405, then 401, then 413 themselves (docs/api.md). */
const API_PATH = /^\/(studio|community)\/api\//i;

/**
 * Refuses cross-site non-GET requests (403): a browser says where a request comes from in
 * `Sec-Fetch-Site`, older ones in `Origin`. Requests with neither (curl, k6, server-to-server)
 * are not from a browser page, so they cannot ride a user's cookie and pass.
 *
 * An `Origin` must name this host whatever `Sec-Fetch-Site` claims (`null` and unparsable ones
 * included): Remix aborts an action whose Origin differs from its host with a 500, so anything it
 * would abort is answered 403 here first. Its host is `X-Forwarded-Host` when present, so that
 * header is kept only from a proxy TRUST_PROXY trusts, and dropped from anyone else.
 */
export function crossSiteGuard(req: Request, res: Response, next: NextFunction) {
  const trusted = fromTrustedProxy(req);
  if (!trusted) {
    delete req.headers["x-forwarded-host"];
    delete req.headers["x-forwarded-proto"];
  }
  // The request's URL is built from these (Remix's adapter): one that is not a URL would be a 500.
  const forwardedHost = req.get("X-Forwarded-Host")?.split(",")[0]?.trim();
  const forwardedProto = req.get("X-Forwarded-Proto")?.split(",")[0]?.trim();
  if (!isHost(req.get("Host")) || (forwardedHost !== undefined && forwardedHost !== "" && !isHost(forwardedHost))) {
    return badRequest(res, "The Host or X-Forwarded-Host header is not a host name");
  }
  if (forwardedProto !== undefined && !/^https?$/i.test(forwardedProto)) delete req.headers["x-forwarded-proto"];
  if (SAFE_METHODS.has(req.method)) return next();
  if (req.get("Sec-Fetch-Site") === "cross-site") return refuse(res, "Cross-site requests may not change anything");
  const origin = req.get("Origin");
  if (origin !== undefined) {
    const ours = req.get("X-Forwarded-Host")?.split(",")[0]?.trim() || req.get("Host");
    if (!ours || originHost(origin) !== ours) return refuse(res, "Cross-origin requests may not change anything");
  }
  next();
}

/** A host (name or address, optional port) that a URL can have, as Remix's adapter will parse it. */
function isHost(value: string | undefined): boolean {
  if (value === undefined || !/^[A-Za-z0-9._~:[\]-]+$/.test(value)) return false;
  try {
    return new URL(`http://${value}/`).host !== "";
  } catch {
    return false;
  }
}

function badRequest(res: Response, message: string) {
  res
    .status(400)
    .type("application/json")
    .send(JSON.stringify({ error: message }));
}

function fromTrustedProxy(req: Request): boolean {
  const trust = req.app.get("trust proxy fn") as ((address: string, hop: number) => boolean) | undefined;
  return Boolean(trust?.(req.socket.remoteAddress ?? "", 0));
}

/** The host of an Origin header, or undefined for `null` and anything that is not a URL. */
function originHost(origin: string): string | undefined {
  if (origin === "null") return undefined;
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a page request whose body says it is larger than `maxBytes` (413) before anything reads
 * it, and closes the connection rather than read the rest. A body without a length (chunked) is
 * bounded where it is read: `readForm` stops at the same limit. The JSON API keeps its documented
 * order (405, then 401 before any body is read, then 413, all from `apiRoute`), bounded the same way.
 */
export function bodyLimit(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    // An answer sent before its body was read closes the connection: the client must not reuse it.
    const writeHead = res.writeHead;
    res.writeHead = function closeIfUnread(this: Response, ...args: Parameters<typeof writeHead>) {
      if (!req.complete && !res.headersSent) res.setHeader("Connection", "close");
      return writeHead.apply(this, args);
    } as typeof writeHead;
    res.once("finish", () => closeAfterUnreadBody(req));
    const declared = Number(req.get("Content-Length") ?? 0);
    if (!(declared > maxBytes) || API_PATH.test(req.path)) return next();
    res
      .status(413)
      .set("Connection", "close")
      .type("application/json")
      .send(JSON.stringify({ error: `The body is larger than ${maxBytes} bytes` }));
  };
}

/** How long the rest of an unread body is drained (and dropped) before the connection is cut. */
const LINGER_MS = 5_000;

/**
 * The answer went out while the client was still sending a body nobody will read (a 413): close
 * the connection without losing the answer. Closing at once, with the client's bytes still
 * arriving, makes the kernel send a reset that can destroy the answer on its way; so we stop
 * sending (FIN) and drop what still comes in — nothing is kept — until the client hangs up, for
 * LINGER_MS at most.
 */
function closeAfterUnreadBody(req: Request) {
  if (req.complete || req.socket.destroyed) return;
  req.removeAllListeners("data");
  req.on("data", () => {});
  req.resume();
  req.socket.end();
  setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
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
