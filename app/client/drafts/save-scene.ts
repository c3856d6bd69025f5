import { type SceneText, sameText } from "./draft-store";

/** A scene as the API answers it (dates as ISO strings). */
export interface SavedScene extends SceneText {
  id: number;
  updatedAt: string;
  wordCount: number;
}

export type SaveOutcome =
  | { kind: "saved"; scene: SavedScene }
  /** Someone saved the scene after `basedOn`: nothing was written; `current` is what is there. */
  | { kind: "conflict"; current: SavedScene }
  | { kind: "invalid"; fieldErrors: Record<string, string[]> }
  /** No answer at all: offline, or the server unreachable. Worth retrying. */
  | { kind: "offline" }
  /** An answer that is not a success; `retry` when waiting may help (5xx, 429). */
  | { kind: "failed"; message: string; retry: boolean };

/**
 * PATCHes the scene's text with the version it is based on (docs/api.md: 409 when stale). Plain
 * `fetch`, not a fetcher: the editor needs the status and body of a 409, and no revalidation.
 */
export async function saveScene(
  sceneId: number,
  text: SceneText,
  basedOn: string,
  options: { keepalive?: boolean; fetch?: typeof fetch } = {},
): Promise<SaveOutcome> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`/studio/api/scenes/${sceneId}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ title: text.title, content: text.content, updatedAt: basedOn }),
      keepalive: options.keepalive,
      credentials: "same-origin",
    });
  } catch {
    return { kind: "offline" };
  }
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.ok && body) return { kind: "saved", scene: body as unknown as SavedScene };
  if (response.status === 409 && body?.scene) {
    const current = body.scene as SavedScene;
    // The server already holds exactly this text (an earlier save of it landed — say the one sent
    // as the page closed): that is saved, not a conflict (issue 14).
    if (sameText(current, text)) return { kind: "saved", scene: current };
    return { kind: "conflict", current };
  }
  if (response.status === 400 && body?.fieldErrors) {
    return { kind: "invalid", fieldErrors: body.fieldErrors as Record<string, string[]> };
  }
  if (response.status === 401) return { kind: "failed", message: "You are signed out. Sign in again.", retry: false };
  return {
    kind: "failed",
    message: failureMessage(response.status, body),
    retry: response.status >= 500 || response.status === 429,
  };
}

/** Plain words for a refused save: never the server's raw "Internal error". */
export function failureMessage(status: number, body: Record<string, unknown> | null): string {
  if (status === 429) return "Too many saves in a short time. Your text is kept on this device; trying again shortly.";
  if (status >= 500) {
    return `The server could not save it (error ${status}). Your text is kept on this device; trying again in a few seconds.`;
  }
  if (status === 403) return "This scene is not yours to change.";
  if (status === 404) return "This scene no longer exists (deleted elsewhere?). Copy your text before leaving.";
  return typeof body?.error === "string" ? body.error : `The server refused the save (error ${status}).`;
}
