import type { LoaderFunctionArgs } from "@remix-run/node";
import { getActor } from "~/auth/actor.server";
import type { Changed } from "~/cache/invalidate.server";
import { invalidationHeaders, PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import type { SignedIn } from "~/models/actor";
import { UnauthorizedError } from "~/models/errors";
import { type ApiErrorBody, api, discardBody, json, methodNotAllowed, readBody } from "./api-response.server";
import { countApiWrite } from "./api-write-limit.server";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiCall {
  request: Request;
  params: LoaderFunctionArgs["params"];
  /** Always signed in: anonymous callers got their 401 before the handler ran. */
  actor: SignedIn;
  /** The JSON or form body as a plain object (not validated: the model does that). */
  body: Record<string, unknown>;
}

type RouteHandler = (
  args: Pick<LoaderFunctionArgs, "request" | "params"> & { context?: { clientAddress?: string } },
) => Promise<Response>;

/**
 * A JSON API resource route (docs/api.md), exported as both `action` and `loader` (so GET gets its 405
 * too): `export const action = apiRoute({ PATCH: ..., DELETE: ... }); export const loader = action;`.
 *
 * In this order: a method not listed gets 405 with `Allow`; a write beyond its caller's budget gets
 * 429 (the caller is the signed-in user, or the address: api-write-limit.server.ts); anonymous
 * callers get 401 before the body is read, so they never learn anything from validation; then the
 * body is read (413, 415, 400); then the handler runs and every model error becomes its JSON status (400 with field errors,
 * 403, 404). Every answer is personal: `Cache-Control: private, no-store`.
 */
export function apiRoute(handlers: Partial<Record<Method, (call: ApiCall) => Promise<Response>>>) {
  const allowed = Object.keys(handlers);
  const handle: RouteHandler = ({ request, params, context }) =>
    finish(
      request,
      api(async () => {
        const handler = handlers[request.method.toUpperCase() as Method];
        if (!handler) return methodNotAllowed(allowed);
        const actor = await getActor(request);
        await countApiWrite(
          request.method,
          actor ? { userId: actor.id } : { address: context?.clientAddress ?? "unknown" },
        );
        if (!actor) throw new UnauthorizedError();
        return handler({ request, params, actor, body: await readBody(request) });
      }),
    );
  return handle;
}

/** A catch-all under an API prefix: unknown paths answer 404 JSON (not the HTML error page), any method. */
export function apiNotFound() {
  const handle: RouteHandler = ({ request }) =>
    finish(
      request,
      json<ApiErrorBody>(
        { error: `No API route for ${request.method} ${new URL(request.url).pathname}` },
        { status: 404 },
      ),
    );
  return handle;
}

/** The answer to a successful mutation: the changed resource, and the cache tags it purged. */
export function changed<T>(result: Changed<T>, init: { status?: number; headers?: Record<string, string> } = {}) {
  return json(result.value, {
    status: init.status ?? 200,
    headers: { ...invalidationHeaders(result.tags), ...init.headers },
  });
}

/**
 * Every API answer is personal (`Cache-Control: private, no-store`). A body the answer did not
 * need (401, 405, 404) is read and dropped first, so the client gets the answer, not a reset.
 */
async function finish(request: Request, response: Response | Promise<Response>): Promise<Response> {
  const res = await response;
  await discardBody(request);
  for (const [name, value] of Object.entries(PRIVATE_NO_STORE)) res.headers.set(name, value);
  return res;
}
