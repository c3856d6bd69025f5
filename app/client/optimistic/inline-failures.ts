import type { ClientActionFunctionArgs } from "@remix-run/react";
import { isRouteErrorResponse } from "@remix-run/react";
import type { ActionFailure } from "./failure";

/**
 * A route's `clientAction`: runs the server action and turns what would replace the page with the
 * error boundary (a 5xx, a 403/404, a lost connection) into a form-level error of the form that was
 * posted, with its values, like the server's own field errors. The optimistic overlay rolls back
 * on it and the form keeps what was typed. Redirects (a sign-in that expired) pass through.
 */
export async function inlineFailures({ request, serverAction }: ClientActionFunctionArgs) {
  const form = await request.clone().formData();
  try {
    return await serverAction();
  } catch (error) {
    if (error instanceof Response) throw error;
    return failureOf(form, error);
  }
}

function failureOf(form: FormData, error: unknown): ActionFailure {
  const values: Record<string, string> = {};
  for (const [name, value] of form.entries())
    if (typeof value === "string" && name !== "password") values[name] = value;
  const target = Number(values.chapterId ?? values.sceneId ?? Number.NaN);
  return {
    intent: values.intent ?? "",
    target: Number.isInteger(target) && target > 0 ? target : undefined,
    fieldErrors: { _form: [messageOf(error)] },
    values,
  };
}

function messageOf(error: unknown): string {
  if (isRouteErrorResponse(error)) {
    if (error.status === 403) return "You may not do that.";
    if (error.status === 404) return "It is not there any more. Reload the page.";
    if (error.status < 500 && typeof error.data === "string" && error.data) return error.data;
  }
  if (typeof navigator !== "undefined" && !navigator.onLine) return "You are offline: nothing was saved. Try again.";
  return "That did not work: nothing was saved. Try again.";
}
