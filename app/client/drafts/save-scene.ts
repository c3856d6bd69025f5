import type { SceneText } from "./draft-store";

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
  if (response.status === 409 && body?.scene) return { kind: "conflict", current: body.scene as SavedScene };
  if (response.status === 400 && body?.fieldErrors) {
    return { kind: "invalid", fieldErrors: body.fieldErrors as Record<string, string[]> };
  }
  if (response.status === 401) return { kind: "failed", message: "You are signed out. Sign in again.", retry: false };
  const message = typeof body?.error === "string" ? body.error : `The server answered ${response.status}`;
  return { kind: "failed", message, retry: response.status >= 500 || response.status === 429 };
}
