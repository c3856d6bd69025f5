import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleDataRequestFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceContext } from "./components/nonce";
import { setDataHeaders, setDocumentHeaders } from "./http/cache-headers.server";
import { contentSecurityPolicy, newNonce } from "./http/security-headers.server";

// What server/index.ts and `npm run worker` need from the app, as one object built by the
// composition root: they reach it through the build, so they share the routes' database pool and
// Redis connections.
export { processServices as services } from "./services.server";

export const streamTimeout = 5_000;

export const handleDataRequest: HandleDataRequestFunction = async (response, { request, context }) => {
  await setDataHeaders(request, context.reads, response.headers, response.status);
  return response;
};

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  setDocumentHeaders(request, loadContext.reads, responseHeaders, responseStatusCode);
  // Vite's dev server injects scripts of its own: the policy is for built apps.
  const nonce = import.meta.env.DEV ? undefined : newNonce();
  if (nonce) responseHeaders.set("Content-Security-Policy", contentSecurityPolicy(nonce));
  const waitForAll = isbot(request.headers.get("user-agent") ?? "");
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
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
