import { data, redirect } from "@remix-run/node";
import { type FieldErrors, ModelError, UnauthorizedError, ValidationError } from "~/models/errors";
import { HttpError, readBody } from "./api-response.server";

/** What a page action answers when the input was not valid: shown next to the fields of that form. */
export interface FormFailure {
  intent: string;
  /** The item the form was about, when a page has one form per item (a chapter row, say). */
  target?: number;
  fieldErrors: FieldErrors;
  values: Record<string, string>;
}

/**
 * A page action's form, read within the body limit: a body beyond it is 413, one that is not a form
 * (JSON, text) 415, a malformed one 400 — answers, never a 500. File fields are dropped.
 */
export async function readForm(request: Request): Promise<Record<string, string>> {
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "" && type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") {
    throw data("Send the form as application/x-www-form-urlencoded or multipart/form-data", { status: 415 });
  }
  let body: Record<string, unknown>;
  try {
    body = await readBody(request);
  } catch (error) {
    if (error instanceof HttpError) throw data(error.message, { status: error.status });
    throw error;
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") values[key] = value;
  return values;
}

/**
 * Runs a page action's work. Invalid input comes back as a 400 with the field errors and the values
 * typed (so nothing is lost); not signed in goes to /login; 403 and 404 become the error page.
 */
export async function handleForm<T>(
  request: Request,
  context: { intent: string; target?: number; values: Record<string, string> },
  work: () => Promise<T>,
) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) {
      const { password: _never, ...values } = context.values;
      return data<FormFailure>(
        { intent: context.intent, target: context.target, fieldErrors: error.fieldErrors, values },
        { status: 400 },
      );
    }
    if (error instanceof UnauthorizedError) {
      const url = new URL(request.url);
      throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname })}`);
    }
    if (error instanceof ModelError) throw data(error.message, { status: error.status });
    throw error;
  }
}

/** The 403/404 of a model error as a thrown response for loaders; anything else passes on. */
export function rethrowForPage(error: unknown): never {
  if (error instanceof ModelError) throw data(error.message, { status: error.status });
  throw error;
}

export function badIntent(intent: string | null): never {
  throw data(`Unknown intent: ${intent ?? "(none)"}`, { status: 400 });
}
