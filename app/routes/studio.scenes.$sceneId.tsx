import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/auth/actor.server";
import { SceneEditor } from "~/components/SceneEditor";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { redirectAfter } from "~/http/form-answer.server";
import { badIntent, type FormFailure, handleForm, readForm, rethrowForPage } from "~/http/forms.server";
import { ConflictError } from "~/models/errors";
import { deleteScene, updateScene } from "~/models/scenes.server";
import { studioScene } from "~/queries/index.server";
import { useOptionalUser } from "~/root";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.scene.title} — ${data.story.title} — Studio — Quill` : "Studio — Quill" },
];

export const headers: HeadersFunction = () => PRIVATE_NO_STORE;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  try {
    const sceneId = idParam(params.sceneId, "Scene");
    const { value } = await studioScene.read({ sceneId }, { userId: user.id, log: context.reads });
    const { story, chapter, scene, previous, next } = value;
    return {
      story,
      chapter,
      scene: {
        id: scene.id,
        title: scene.title,
        content: scene.content,
        wordCount: scene.wordCount,
        updatedAt: scene.updatedAt,
      },
      previous,
      next,
    };
  } catch (error) {
    rethrowForPage(error);
  }
}

const STALE_SCENE_FORM =
  "This scene was saved somewhere else (another tab or window) after you opened it. Your text below was not saved: save again to replace that version with it.";

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = await readForm(request);
  const intent = values.intent ?? "";
  return handleForm(request, { intent, values }, async () => {
    const sceneId = idParam(params.sceneId, "Scene");
    switch (intent) {
      case "save-scene": {
        // The form carries the version it was loaded with (absent from older pages: last write wins).
        const basedOn = values.updatedAt ? { updatedAt: values.updatedAt } : {};
        try {
          const changed = await updateScene(user, sceneId, {
            title: values.title,
            content: values.content,
            ...basedOn,
          });
          return redirectAfter(changed, `/studio/scenes/${sceneId}?saved=1`);
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          // The page re-renders with the current version, so saving again replaces it knowingly.
          return data<FormFailure>(
            { intent, fieldErrors: { _form: [STALE_SCENE_FORM] }, values: { ...values, updatedAt: "" } },
            { status: 409 },
          );
        }
      }
      case "delete-scene": {
        const deleted = await deleteScene(user, sceneId);
        return redirectAfter(deleted, `/studio/chapters/${deleted.value.chapterId}`);
      }
      default:
        badIntent(intent);
    }
  });
}

export default function EditScene() {
  const { story, chapter, scene, previous, next } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const user = useOptionalUser();
  const [params] = useSearchParams();
  const saveFailure = failure?.intent === "save-scene" ? failure : undefined;
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/studio">Studio</Link> › <Link to={`/studio/stories/${story.id}`}>{story.title}</Link> ›{" "}
        <Link to={`/studio/chapters/${chapter.id}`}>{chapter.title}</Link> ›
      </p>
      <SceneEditor
        key={scene.id}
        userId={user?.id ?? 0}
        scene={scene}
        savedByPage={params.get("saved") === "1"}
        pageFailure={saveFailure}
        heading={(title, wordCount, status) => (
          <div className="spread">
            <h1>{title}</h1>
            <span className="row">
              <span className="muted" data-testid="word-count">
                {wordCount} {wordCount === 1 ? "word" : "words"}
              </span>
              {status}
            </span>
          </div>
        )}
      />
      <nav className="spread" aria-label="Scenes of this chapter">
        {previous ? (
          <Link to={`/studio/scenes/${previous.id}`} rel="prev">
            ← Previous: {previous.title}
          </Link>
        ) : (
          <span />
        )}
        {next ? (
          <Link to={`/studio/scenes/${next.id}`} rel="next">
            Next: {next.title} →
          </Link>
        ) : null}
      </nav>
      {/* To the confirmation page, which says what will be lost: one click never deletes. */}
      <Form
        method="get"
        action={`/studio/scenes/${scene.id}/delete`}
        className="inline-form"
        style={{ marginTop: "1.5rem" }}
        aria-label="Delete scene"
      >
        <button type="submit" className="danger">
          Delete scene
        </button>
      </Form>
    </>
  );
}
