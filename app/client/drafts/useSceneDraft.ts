import { useCallback, useEffect, useRef, useState } from "react";
import {
  readDraft,
  removeDraft,
  removeDraftIfSaved,
  type SceneText,
  sameText,
  sceneDraftKey,
  writeDraft,
} from "./draft-store";
import { type SavedScene, saveScene } from "./save-scene";

/** How long typing must pause before an autosave. */
export const AUTOSAVE_DELAY_MS = 1000;
/** How long to wait before trying again after no answer or a 5xx. */
const RETRY_MS = 5000;

export type SaveStatus =
  | { kind: "idle" }
  | { kind: "unsaved" }
  | { kind: "saving" }
  | { kind: "saved" }
  | { kind: "offline" }
  | { kind: "conflict"; current: SavedScene }
  | { kind: "invalid"; fieldErrors: Record<string, string[]> }
  | { kind: "failed"; message: string };

interface Options {
  userId: number;
  sceneId: number;
  /** The scene as the loader gave it. */
  server: SceneText & { updatedAt: string };
}

/**
 * The scene editor's text, autosaved: every change goes to localStorage at once and to the server
 * after a pause (or at once with `saveNow`). The draft stays until the server confirms that very
 * text; on the next visit it is restored and saved. Each save carries the `updatedAt` it is based
 * on, so a save from another tab in between is a conflict the user decides, never an overwrite.
 *
 * `shown` is the text the page shows as the scene's (heading, word count): the last one sent,
 * optimistically, rolled back to the last confirmed one when a save is refused.
 */
export function useSceneDraft({ userId, sceneId, server }: Options) {
  const key = sceneDraftKey(userId, sceneId);
  const [text, setText] = useState<SceneText>({ title: server.title, content: server.content });
  const [status, setStatus] = useState<SaveStatus>({ kind: "idle" });
  const [confirmed, setConfirmed] = useState<SceneText>({ title: server.title, content: server.content });
  const [sending, setSending] = useState<SceneText | null>(null);
  const [storageFailed, setStorageFailed] = useState(false);
  /** When the server last confirmed this page's text (null until it has, in this visit). */
  const [savedAt, setSavedAt] = useState<Date | null>(null);

  const latest = useRef(text);
  const basedOn = useRef(server.updatedAt);
  const inFlight = useRef(false);
  const again = useRef(false);
  const blocked = useRef(false); // a conflict or invalid text: wait for the user
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const keep = useCallback(
    (next: SceneText) => {
      const ok = writeDraft(localStorage, key, { ...next, basedOn: basedOn.current, at: Date.now() });
      setStorageFailed(!ok);
    },
    [key],
  );

  const save = useCallback(
    async (keepalive = false) => {
      clearTimeout(timer.current);
      if (blocked.current) return;
      if (inFlight.current) {
        again.current = true;
        return;
      }
      const snapshot = latest.current;
      inFlight.current = true;
      setSending(snapshot);
      setStatus({ kind: "saving" });
      const outcome = await saveScene(sceneId, snapshot, basedOn.current, { keepalive });
      inFlight.current = false;
      setSending(null);
      switch (outcome.kind) {
        case "saved": {
          basedOn.current = outcome.scene.updatedAt;
          setConfirmed({ title: outcome.scene.title, content: outcome.scene.content });
          setSavedAt(new Date());
          if (sameText(latest.current, snapshot)) {
            removeDraftIfSaved(localStorage, key, snapshot);
            setStatus({ kind: "saved" });
          } else {
            keep(latest.current); // typed while saving: keep it, based on the new version
            setStatus({ kind: "unsaved" });
            again.current = true;
          }
          break;
        }
        case "conflict":
          blocked.current = true;
          setStatus({ kind: "conflict", current: outcome.current });
          break;
        case "invalid":
          blocked.current = true;
          setStatus({ kind: "invalid", fieldErrors: outcome.fieldErrors });
          break;
        case "offline":
          setStatus({ kind: "offline" });
          timer.current = setTimeout(() => void save(), RETRY_MS);
          break;
        case "failed":
          setStatus({ kind: "failed", message: outcome.message });
          if (outcome.retry) timer.current = setTimeout(() => void save(), RETRY_MS);
          break;
      }
      if (again.current && !blocked.current) {
        again.current = false;
        timer.current = setTimeout(() => void save(), AUTOSAVE_DELAY_MS);
      }
    },
    [key, keep, sceneId],
  );

  /** The user typed: keep it locally now, save it after a pause. */
  const change = useCallback(
    (next: SceneText) => {
      latest.current = next;
      setText(next);
      keep(next);
      if (blocked.current && status.kind === "invalid") blocked.current = false; // a fix may be coming
      if (blocked.current) return;
      setStatus((s) => (s.kind === "saving" ? s : { kind: "unsaved" }));
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void save(), AUTOSAVE_DELAY_MS);
    },
    [keep, save, status.kind],
  );

  const saveNow = useCallback(() => {
    if (status.kind === "invalid") blocked.current = false;
    void save();
  }, [save, status.kind]);

  /** After no answer or a refusal: try now instead of waiting for the next retry. */
  const retryNow = useCallback(() => {
    clearTimeout(timer.current);
    void save();
  }, [save]);

  /** After a conflict: save my text over the version that is there now. */
  const keepMine = useCallback(() => {
    if (status.kind !== "conflict") return;
    basedOn.current = status.current.updatedAt;
    blocked.current = false;
    keep(latest.current);
    void save();
  }, [keep, save, status]);

  /** After a conflict: drop my text and take the version that is there now. */
  const takeTheirs = useCallback(() => {
    if (status.kind !== "conflict") return;
    const theirs = { title: status.current.title, content: status.current.content };
    basedOn.current = status.current.updatedAt;
    blocked.current = false;
    latest.current = theirs;
    setText(theirs);
    setConfirmed(theirs);
    removeDraft(localStorage, key);
    setStatus({ kind: "saved" });
    setSavedAt(new Date());
  }, [key, status]);

  // On arrival: a draft left by a reload, a crash or a closed tab comes back, and is saved.
  useEffect(() => {
    const draft = readDraft(localStorage, key);
    if (draft === null) return;
    if (sameText(draft, latest.current)) {
      removeDraft(localStorage, key);
      return;
    }
    latest.current = { title: draft.title, content: draft.content };
    basedOn.current = draft.basedOn;
    setText(latest.current);
    void save();
  }, [key, save]);

  // Leaving (tab hidden, closed, navigated away): send what is unsaved while the page can.
  useEffect(() => {
    const unsaved = () => readDraft(localStorage, key) !== null;
    const flush = () => {
      if (document.visibilityState === "hidden" && unsaved()) void save(true);
    };
    const online = () => {
      if (unsaved()) void save();
    };
    document.addEventListener("visibilitychange", flush);
    window.addEventListener("online", online);
    return () => {
      document.removeEventListener("visibilitychange", flush);
      window.removeEventListener("online", online);
      clearTimeout(timer.current);
      // Navigated to another page within the pause: save now (the draft stays until it lands).
      if (unsaved()) void save(true);
    };
  }, [key, save]);

  return {
    text,
    shown: sending ?? confirmed,
    status,
    savedAt,
    storageFailed,
    change,
    saveNow,
    retryNow,
    keepMine,
    takeTheirs,
  };
}
