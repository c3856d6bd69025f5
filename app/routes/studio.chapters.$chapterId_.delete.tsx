import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/actor.server";
import { SubmitButton } from "~/components/SubmitButton";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { redirectAfter } from "~/http/form-answer.server";
import { badIntent, handleForm, readForm, rethrowForPage } from "~/http/forms.server";
import { deleteChapter } from "~/models/chapters.server";
import { studioChapter } from "~/queries/index.server";

/**
 * GET /studio/chapters/:id/delete: what deleting the chapter loses (its scenes and words), and the
 * one button that does it (POST `intent=delete-chapter`). The chapter list's Delete leads here, so
 * no click deletes anything at once, with or without JavaScript (docs/experience.md#guarded-deletes).
 */
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Delete “${data.chapter.title}”? — Studio — Quill` : "Studio — Quill" },
];

export const headers: HeadersFunction = () => PRIVATE_NO_STORE;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  try {
    const chapterId = idParam(params.chapterId, "Chapter");
    const { value } = await studioChapter.read({ chapterId }, { userId: user.id, log: context.reads });
    return {
      story: { id: value.story.id, title: value.story.title },
      chapter: { id: value.chapter.id, title: value.chapter.title },
      sceneCount: value.scenes.length,
      wordCount: value.scenes.reduce((sum, scene) => sum + scene.wordCount, 0),
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
    if (intent !== "delete-chapter") badIntent(intent);
    const chapterId = idParam(params.chapterId, "Chapter");
    const title = values.title ? `chapter “${values.title.slice(0, 200)}”` : "the chapter";
    const deleted = await deleteChapter(user, chapterId);
    return redirectAfter(
      deleted,
      `/studio/stories/${deleted.value.storyId}?${new URLSearchParams({ deleted: title })}`,
    );
  });
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

export default function ConfirmDeleteChapter() {
  const { story, chapter, sceneCount, wordCount } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/studio">Studio</Link> › <Link to={`/studio/stories/${story.id}`}>{story.title}</Link> ›{" "}
        <Link to={`/studio/chapters/${chapter.id}`}>{chapter.title}</Link> ›
      </p>
      <h1>Delete chapter “{chapter.title}”?</h1>
      <section className="card confirm">
        <p data-testid="delete-loses">
          {sceneCount === 0 ? (
            <>This chapter has no scenes.</>
          ) : (
            <>
              This deletes the chapter with everything in it:{" "}
              <strong>
                {plural(sceneCount, "scene", "scenes")}, {plural(wordCount, "word", "words")}
              </strong>
              .
            </>
          )}{" "}
          It cannot be undone.
        </p>
        <Form method="post" className="actions">
          <input type="hidden" name="title" value={chapter.title} />
          <SubmitButton
            name="intent"
            value="delete-chapter"
            className="danger"
            pendingWhen={{ intent: "delete-chapter" }}
            pendingLabel="Deleting…"
          >
            Delete chapter
          </SubmitButton>
          <Link to={`/studio/stories/${story.id}`}>Cancel, keep it</Link>
        </Form>
      </section>
    </>
  );
}
