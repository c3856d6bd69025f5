import type { AppLoadContext } from "@remix-run/node";
import { createReadableStreamFromReadable, writeReadableStreamToWritable } from "@remix-run/node";
import type { Request as ExpressRequest, Response as ExpressResponse, NextFunction } from "express";

/** A request through the app, as the app's entry hands it to us (Remix's handler, perhaps wrapped). */
export type FetchHandler = (request: Request, context: AppLoadContext) => Promise<Response>;

/**
 * The response cache's answer to a request (app/http/response-cache.server.ts), asked before the
 * app runs: a kept response, written as is, or undefined.
 */
export type Answer = (request: {
  method: string;
  url: string;
  cookie: string | null;
  ifNoneMatch: string | null;
  acceptEncoding: string | null;
}) => Promise<{ status: number; headers: [string, string][]; body: Buffer | null } | undefined>;

/**
 * Express in front of a fetch-style handler: what @remix-run/express does, written here because
 * the app's handler is no longer Remix's alone. The response cache answers some requests itself
 * and needs the Response object to keep others (docs/decisions/013-response-cache.md).
 */
export function expressHandler(
  handler: FetchHandler,
  loadContext: (req: ExpressRequest) => AppLoadContext,
  answer?: Answer,
) {
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      // A kept response goes out without a fetch Request, a stream or the app: the cheap path.
      const kept =
        answer && req.method === "GET"
          ? await answer({
              method: req.method,
              url: requestUrl(req).href,
              cookie: req.get("Cookie") ?? null,
              ifNoneMatch: req.get("If-None-Match") ?? null,
              acceptEncoding: req.get("Accept-Encoding") ?? null,
            })
          : undefined;
      if (kept) {
        res.status(kept.status);
        for (const [name, value] of kept.headers) res.setHeader(name, value);
        res.end(kept.body ?? undefined);
        return;
      }
      const response = await handler(toFetchRequest(req, res), loadContext(req));
      await send(res, response);
    } catch (error) {
      next(error);
    }
  };
}

/**
 * The URL from the host Express resolved (`req.hostname` honours TRUST_PROXY) and the port the
 * client named; the body streamed for anything but GET and HEAD; aborted when the client goes away
 * before the response is finished, so loaders stop.
 */
function toFetchRequest(req: ExpressRequest, res: ExpressResponse): Request {
  const url = requestUrl(req);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  const controller = new AbortController();
  let finished = false;
  res.on("finish", () => {
    finished = true;
  });
  res.on("close", () => {
    if (!finished) controller.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(url, {
    method: req.method,
    headers,
    signal: controller.signal,
    ...(hasBody ? { body: createReadableStreamFromReadable(req), duplex: "half" } : {}),
  } as RequestInit);
}

function requestUrl(req: ExpressRequest): URL {
  const named = (req.get("X-Forwarded-Host") ?? req.get("Host") ?? "").split(",")[0]?.trim() ?? "";
  const port = /:(\d+)$/.exec(named)?.[1];
  return new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);
}

async function send(res: ExpressResponse, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  // `append`, not `set`: a response may carry several Set-Cookie headers.
  for (const [name, value] of response.headers) res.append(name, value);
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}
