import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleDataRequestFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { cacheScopeOf, documentTagsTiming } from "./cache/client-hints.server";
import { ReadLog } from "./cache/read-log";
import { PRIVATE_NO_STORE } from "./http/cache-headers.server";
import { metricsAsPrometheus as cacheMetricsAsPrometheus } from "./monitoring/cache-metrics.server";
import { warmMetricsAsPrometheus } from "./monitoring/warm-metrics.server";

export { startWorkers } from "../workers/index";
export { actorOfCookie } from "./auth/admin.server";
export { cacheRedis } from "./cache/redis.server";
// The server (server/index.ts) and `npm run worker` (workers/main.ts) reach the app's long-lived
// resources through the build, so the routes, the worker and the server share one database pool
// and one Redis connection per role.
export { readiness, startServices, stopServices } from "./services.server";
export { warmQueueHandle } from "./warming/queue.server";

/** Everything `/metrics` shows: the cache's counters, then warming's. */
export function metricsAsPrometheus(): string {
  return cacheMetricsAsPrometheus() + warmMetricsAsPrometheus();
}

export const streamTimeout = 5_000;

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as the HTTP server saw it (for rate limits). */
    clientAddress: string;
    /** The cached reads this request made, summed up into its X-Cache headers. */
    reads: ReadLog;
  }
}

/** The load context of one request (the server calls this for each). */
export function createLoadContext(clientAddress: string): AppLoadContext {
  return { clientAddress, reads: new ReadLog() };
}

/**
 * A signed-in request may show that user's data (the nav bar at least), and Remix uses only the
 * deepest route's `headers`: so personalisation is decided here, for documents and data alike.
 */
function markPersonal(request: Request, headers: Headers) {
  if (/(?:^|;\s*)__session=/.test(request.headers.get("Cookie") ?? "")) {
    headers.set("Cache-Control", PRIVATE_NO_STORE["Cache-Control"]);
  }
}

export const handleDataRequest: HandleDataRequestFunction = async (response, { request, context }) => {
  markPersonal(request, response.headers);
  context.reads?.applyTo(response.headers);
  response.headers.set("X-Cache-Scope", await cacheScopeOf(request));
  return response;
};

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  markPersonal(request, responseHeaders);
  loadContext.reads?.applyTo(responseHeaders);
  const tagsTiming = documentTagsTiming(loadContext.reads);
  if (tagsTiming) responseHeaders.append("Server-Timing", tagsTiming);
  const waitForAll = isbot(request.headers.get("user-agent") ?? "");
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} />,
      {
        [waitForAll ? "onAllReady" : "onShellReady"]() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(
            new Response(createReadableStreamFromReadable(body), {
              headers: responseHeaders,
              status: responseStatusCode,
            }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    setTimeout(abort, streamTimeout + 1000);
  });
}
