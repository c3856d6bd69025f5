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
  return (
    <>
      {heading(
        shown.title,
        countWords(shown.content),
        said ? (
          <output className="notice" aria-live="polite" data-testid="save-status" data-status={status.kind}>
            {said}
          </output>
        ) : null,
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
        />
        <div>
          <SubmitButton name="intent" value="save-scene" pendingWhen={{ intent: "save-scene" }} pendingLabel="Saving…">
            Save scene
          </SubmitButton>
        </div>
      </Form>
    </>
  );
}
