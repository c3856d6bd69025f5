import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/actor.server";
import { SubmitButton } from "~/components/SubmitButton";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { redirectAfter } from "~/http/form-answer.server";
import { badIntent, handleForm, readForm, rethrowForPage } from "~/http/forms.server";
import { deleteScene } from "~/models/scenes.server";
import { studioScene } from "~/queries/index.server";

/**
 * GET /studio/scenes/:id/delete: what deleting the scene loses (its words), and the one button that
 * does it (POST `intent=delete-scene`); see docs/experience.md#guarded-deletes.
 */
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Delete “${data.scene.title}”? — Studio — Quill` : "Studio — Quill" },
];

export const headers: HeadersFunction = () => PRIVATE_NO_STORE;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  try {
    const sceneId = idParam(params.sceneId, "Scene");
    const { value } = await studioScene.read({ sceneId }, { userId: user.id, log: context.reads });
    return {
      story: { id: value.story.id, title: value.story.title },
      chapter: { id: value.chapter.id, title: value.chapter.title },
      scene: { id: value.scene.id, title: value.scene.title, wordCount: value.scene.wordCount },
    };
  } catch (error) {
    rethrowForPage(error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = await readForm(request);
  const intent = values.intent ?? "";
  return handleForm(request, { intent, values }, async () => {
    if (intent !== "delete-scene") badIntent(intent);
    const sceneId = idParam(params.sceneId, "Scene");
    const title = values.title ? `scene “${values.title.slice(0, 200)}”` : "the scene";
    const deleted = await deleteScene(user, sceneId);
    return redirectAfter(
      deleted,
      `/studio/chapters/${deleted.value.chapterId}?${new URLSearchParams({ deleted: title })}`,
    );
  });
}

export default function ConfirmDeleteScene() {
  const { story, chapter, scene } = useLoaderData<typeof loader>();
  const words = scene.wordCount;
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/studio">Studio</Link> › <Link to={`/studio/stories/${story.id}`}>{story.title}</Link> ›{" "}
        <Link to={`/studio/chapters/${chapter.id}`}>{chapter.title}</Link> ›
      </p>
      <h1>Delete scene “{scene.title}”?</h1>
      <section className="card confirm">
        <p data-testid="delete-loses">
          {words === 0 ? (
            <>The scene has no text yet.</>
          ) : (
            <>
              This deletes the scene and its text:{" "}
              <strong>
                {words.toLocaleString("en")} {words === 1 ? "word" : "words"}
              </strong>
              .
            </>
          )}{" "}
          It cannot be undone.
        </p>
        <Form method="post" className="actions">
          <input type="hidden" name="title" value={scene.title} />
          <SubmitButton
            name="intent"
            value="delete-scene"
            className="danger"
            pendingWhen={{ intent: "delete-scene" }}
            pendingLabel="Deleting…"
          >
            Delete scene
          </SubmitButton>
          <Link to={`/studio/scenes/${scene.id}`}>Cancel, keep it</Link>
        </Form>
      </section>
    </>
  );
}
