import { config } from "~/config.server";
import { logger } from "~/lib/logger.server";
import { type FieldErrors, ModelError, NotFoundError, ValidationError } from "~/models/errors";
import { parseId } from "~/models/validation";

/** BODY_LIMIT's default: the largest request body the app reads (a scene may hold 200 000 characters). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The largest request body the app reads: BODY_LIMIT (the HTTP server refuses larger declared ones first). */
export function maxBodyBytes(): number {
  return config().bodyLimitBytes;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: HeadersInit = {},
  ) {
    super(message);
  }
}

/** The id in a URL segment, or a 404: `/studio/api/scenes/abc` names no scene. */
export function idParam(value: string | undefined, what: string): number {
  const id = parseId(value);
  if (id === null) throw new NotFoundError(what);
  return id;
}

/**
 * The request body as a plain object, from JSON or from a form (urlencoded or multipart).
 * Too large: 413. Malformed JSON or not an object: 400. Another content type: 415.
 */
export async function readBody(request: Request): Promise<Record<string, unknown>> {
  const limit = maxBodyBytes();
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > limit) {
    await discardBody(request);
    throw new HttpError(413, `The body is larger than ${limit} bytes`);
  }
  const text = await readLimited(request);
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (text.trim() === "") return {};
  if (type === "application/json" || type.endsWith("+json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HttpError(400, "The body is not valid JSON");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new HttpError(400, "The body must be a JSON object");
    }
    return parsed as Record<string, unknown>;
  }
  if (type === "application/x-www-form-urlencoded" || type === "") {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (type === "multipart/form-data") {
    const form = await new Response(text, { headers: { "Content-Type": request.headers.get("Content-Type") ?? "" } })
      .formData()
      .catch(() => {
        throw new HttpError(400, "The form body is malformed");
      });
    return Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string"));
  }
  throw new HttpError(415, "Send JSON (application/json) or a form");
}

/** Reads the body as text, stopping at the body limit whatever Content-Length claimed. */
async function readLimited(request: Request): Promise<string> {
  const limit = maxBodyBytes();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Nothing more is read: the HTTP server drops the rest once the 413 is sent (server/security.ts).
      reader.releaseLock();
      throw new HttpError(413, `The body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** How much of an unwanted body is read and dropped before the connection is dropped instead. */
const discardLimit = () => 8 * maxBodyBytes();

/**
 * Reads and drops what is left of a body the answer does not need (a 401, 405 or 413 sent before
 * reading it). Left unread, it stalls the keep-alive connection and the client sees a reset
 * instead of the answer; beyond 8 × the body limit the connection is dropped after all.
 */
export async function discardBody(request: Request): Promise<void> {
  if (!request.body || request.body.locked) return;
  await discardRest(request.body.getReader(), 0);
}

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number): Promise<void> {
  let size = alreadyRead;
  try {
    const most = discardLimit();
    while (size <= most) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
    }
    // Too much to drain here: the HTTP server drops the rest after the answer (server/security.ts);
    // cancelling would cut the connection before the answer could reach the client.
    reader.releaseLock();
  } catch {
    // The client went away: nothing left to read.
  }
}

export interface ApiErrorBody {
  error: string;
  fieldErrors?: FieldErrors;
}

/** A JSON response; resource routes must answer with a Response (single fetch). */
export function json<T>(body: T, init: ResponseInit = {}): Response {
  return Response.json(body, init);
}

/** The JSON answer for a failure of an API route: 4xx for what the client did, 500 for our bugs. */
export function apiError(error: unknown) {
  if (error instanceof Response) return error;
  if (error instanceof ValidationError) {
    return json<ApiErrorBody>({ error: error.message, fieldErrors: error.fieldErrors }, { status: 400 });
  }
  if (error instanceof ModelError) return json<ApiErrorBody>({ error: error.message }, { status: error.status });
  if (error instanceof HttpError) {
    return json<ApiErrorBody>({ error: error.message }, { status: error.status, headers: error.headers });
  }
  logger.error({ err: error }, "unhandled error in an API route");
  return json<ApiErrorBody>({ error: "Something went wrong on our side" }, { status: 500 });
}

/** Runs an API handler and turns every failure into its JSON answer. */
export async function api(handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    return apiError(error);
  }
}

export function methodNotAllowed(allowed: string[]) {
  return json<ApiErrorBody>(
    { error: `Method not allowed; use ${allowed.join(" or ")}` },
    { status: 405, headers: { Allow: allowed.join(", ") } },
  );
}
