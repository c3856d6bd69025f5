/**
 * Unsaved scene text in localStorage, kept until the server confirms it (docs/design.md#optimistic-ui-and-drafts). Keys are
 * `quill:draft:<userId>:scene:<sceneId>`, so two people on one browser never see each other's
 * text; the `quill:cache:` entries of the loader cache are never touched. The storage is passed
 * in, so this is tested with a Map-backed fake.
 */
export const DRAFT_PREFIX = "quill:draft:";

export type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export interface SceneText {
  title: string;
  content: string;
}

export interface SceneDraft extends SceneText {
  /** The scene's `updatedAt` (ISO) the text was based on: what the save sends to detect conflicts. */
  basedOn: string;
  /** When it was written (ms since the epoch). */
  at: number;
}

export function sceneDraftKey(userId: number, sceneId: number): string {
  return `${DRAFT_PREFIX}${userId}:scene:${sceneId}`;
}

export function sameText(a: SceneText, b: SceneText): boolean {
  return a.title === b.title && a.content === b.content;
}

/** The draft under `key`, or null; a malformed entry (another version wrote it) counts as none. */
export function readDraft(storage: DraftStorage, key: string): SceneDraft | null {
  let raw: string | null;
  try {
    raw = storage.getItem(key);
  } catch {
    return null; // storage disabled (private mode, policy)
  }
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<SceneDraft>;
    if (
      typeof value.title === "string" &&
      typeof value.content === "string" &&
      typeof value.basedOn === "string" &&
      typeof value.at === "number"
    ) {
      return { title: value.title, content: value.content, basedOn: value.basedOn, at: value.at };
    }
  } catch {
    // not JSON: fall through
  }
  return null;
}

/** Writes the draft; false when the storage refused it (quota, disabled), so the UI can say so. */
export function writeDraft(storage: DraftStorage, key: string, draft: SceneDraft): boolean {
  try {
    storage.setItem(key, JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}

export function removeDraft(storage: DraftStorage, key: string): void {
  try {
    storage.removeItem(key);
  } catch {
    // nothing to do: storage disabled
  }
}

/**
 * Removes the draft only when it holds exactly the text the server confirmed: text typed (in this
 * or another tab) after the save was sent stays.
 */
export function removeDraftIfSaved(storage: DraftStorage, key: string, saved: SceneText): boolean {
  const draft = readDraft(storage, key);
  if (draft === null || !sameText(draft, saved)) return false;
  removeDraft(storage, key);
  return true;
}
