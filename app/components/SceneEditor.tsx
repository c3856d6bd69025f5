import { Form } from "@remix-run/react";
import { type ReactNode, useEffect, useState } from "react";
import { type SaveStatus, useSceneDraft } from "~/client/drafts/useSceneDraft";
import { countWords } from "~/lib/word-count";
import { FormErrors, TextArea, TextField } from "./Field";
import { SubmitButton } from "./SubmitButton";

interface Scene {
  id: number;
  title: string;
  content: string;
  updatedAt: Date;
}

interface PageFailure {
  fieldErrors: Record<string, string[]>;
  values: Record<string, string>;
}

/** How each status looks: green only for saved; amber while the text is only on this device; red when refused. */
const tone: Record<SaveStatus["kind"], "ok" | "pending" | "warn" | "error"> = {
  idle: "pending",
  unsaved: "pending",
  saving: "pending",
  saved: "ok",
  offline: "warn",
  conflict: "error",
  invalid: "error",
  failed: "error",
};

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

const label: Record<SaveStatus["kind"], string | null> = {
  idle: null,
  unsaved: "Unsaved changes",
  saving: "Saving…",
  saved: "Saved",
  offline: "Offline — kept locally",
  conflict: "Not saved: changed elsewhere",
  invalid: "Not saved",
  failed: "Not saved — kept locally",
};

/**
 * The scene editor. Without JavaScript (and until hydration) it is a plain form posting
 * `intent=save-scene`, answered by a redirect with `?saved=1`. With JavaScript it autosaves
 * through the API (useSceneDraft), keeps unsaved text in localStorage, says where the text stands,
 * and the heading and word count show a save at once.
 */
export function SceneEditor({
  userId,
  scene,
  savedByPage,
  pageFailure,
  heading,
}: {
  userId: number;
  scene: Scene;
  savedByPage: boolean;
  pageFailure: PageFailure | undefined;
  heading: (title: string, wordCount: number, status: ReactNode) => ReactNode;
}) {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  // A post without JavaScript that failed comes back with the text as typed.
  const draft = useSceneDraft({
    userId,
    sceneId: scene.id,
    server: {
      title: pageFailure?.values.title ?? scene.title,
      content: pageFailure?.values.content ?? scene.content,
      updatedAt: new Date(scene.updatedAt).toISOString(),
    },
  });
  const { status } = draft;
  const errors = status.kind === "invalid" ? status.fieldErrors : pageFailure?.fieldErrors;
  const said = hydrated ? label[status.kind] : savedByPage && !pageFailure ? "Saved" : null;
  const shown = hydrated ? draft.shown : scene;
  const liveWords = countWords(draft.text.content);
  const { saveNow } = draft;
  // Ctrl+S / Cmd+S saves now (and keeps the browser's "Save page as" away from the editor).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
        event.preventDefault();
        saveNow();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [saveNow]);
  const statusTone = hydrated ? tone[status.kind] : "ok";
  return (
    <>
      {heading(
        shown.title,
        countWords(shown.content),
        <>
          {said ? (
            <output
              className={`status status-${statusTone}`}
              aria-live="polite"
              data-testid="save-status"
              data-status={status.kind}
            >
              {said}
            </output>
          ) : null}
          {hydrated && draft.savedAt ? (
            <span className="muted" data-testid="saved-at">
              Last saved <time dateTime={draft.savedAt.toISOString()}>{clock.format(draft.savedAt)}</time>
            </span>
          ) : null}
          {hydrated && (status.kind === "offline" || status.kind === "failed") ? (
            <button type="button" className="secondary" onClick={draft.retryNow}>
              Retry now
            </button>
          ) : null}
        </>,
      )}
      {status.kind === "conflict" ? (
        <div className="form-error conflict" role="alert" data-testid="conflict">
          <p>
            This scene was saved somewhere else (another tab or window) after you opened it. Your text is still here and
            was not saved over it.
          </p>
          <div className="row">
            <button type="button" onClick={draft.keepMine}>
              Keep mine (replace theirs)
            </button>
            <button type="button" className="secondary" onClick={draft.takeTheirs}>
              Load the saved version
            </button>
          </div>
        </div>
      ) : null}
      {status.kind === "failed" ? <FormErrors errors={[status.message]} /> : null}
      {draft.storageFailed ? (
        <p className="form-error" role="alert">
          This browser refused to keep a local copy: keep the page open until it says Saved.
        </p>
      ) : null}
      <Form
        method="post"
        className="stack card"
        aria-label="Scene"
        onSubmit={(event) => {
          event.preventDefault();
          draft.saveNow();
        }}
      >
        <FormErrors errors={errors?._form} />
        {/* Without JavaScript the form itself says which version it edits (the API's conflict check). */}
        <input type="hidden" name="updatedAt" value={new Date(scene.updatedAt).toISOString()} />
        <TextField
          label="Title"
          name="title"
          required
          maxLength={200}
          value={draft.text.title}
          onChange={(event) => draft.change({ ...draft.text, title: event.target.value })}
          errors={errors?.title}
        />
        <TextArea
          label="Text"
          name="content"
          className="manuscript"
          value={draft.text.content}
          onChange={(event) => draft.change({ ...draft.text, content: event.target.value })}
          errors={errors?.content}
          aria-describedby="scene-help"
          // A new, empty scene: the page's focus goes to the text box, not the heading.
          data-autofocus={scene.content === "" ? "true" : undefined}
        />
        <p className="muted help" id="scene-help">
          <span data-testid="live-word-count">
            {liveWords} {liveWords === 1 ? "word" : "words"}
          </span>{" "}
          in the box. {hydrated ? "Saves by itself as you pause; Ctrl+S (⌘S) saves now." : null}
        </p>
        <div className="row">
          <SubmitButton name="intent" value="save-scene" pendingWhen={{ intent: "save-scene" }} pendingLabel="Saving…">
            Save scene
          </SubmitButton>
        </div>
      </Form>
    </>
  );
}
