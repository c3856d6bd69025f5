import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/actor.server";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { type ActionFailure, failureMessages } from "~/client/optimistic/failure";
import { inlineFailures } from "~/client/optimistic/inline-failures";
import { useOptimisticOrder } from "~/client/optimistic/useOptimisticOrder";
import { DeletedNotice } from "~/components/DeletedNotice";
import { FormErrors, TextArea, TextField } from "~/components/Field";
import { MoveAndDelete, type MoveThroughFetcher } from "~/components/MoveAndDelete";
import { SubmitButton } from "~/components/SubmitButton";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { done, redirectAfter, withActionInvalidation } from "~/http/form-answer.server";
import { badIntent, type FormFailure, handleForm, readForm, rethrowForPage } from "~/http/forms.server";
import { updateChapter } from "~/models/chapters.server";
import { addScene, deleteScene, updateScene } from "~/models/scenes.server";
import { parseId } from "~/models/validation";
import { studioChapter } from "~/queries/index.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.chapter.title} — ${data.story.title} — Studio — Quill` : "Studio — Quill" },
];

export const headers: HeadersFunction = ({ actionHeaders }) => withActionInvalidation(PRIVATE_NO_STORE, actionHeaders);

export const clientAction = inlineFailures;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/studio.chapters.$chapterId");

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  try {
    const chapterId = idParam(params.chapterId, "Chapter");
    const { value } = await studioChapter.read({ chapterId }, { userId: user.id, log: context.reads });
    const { story, chapter, scenes } = value;
    return {
      story,
      chapter: { id: chapter.id, title: chapter.title, summary: chapter.summary, updatedAt: chapter.updatedAt },
      scenes,
    };
  } catch (error) {
    rethrowForPage(error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = await readForm(request);
  const intent = values.intent ?? "";
  const target = parseId(values.sceneId) ?? undefined;
  return handleForm(request, { intent, target, values }, async () => {
    const chapterId = idParam(params.chapterId, "Chapter");
    const here = `/studio/chapters/${chapterId}`;
    const sceneId = () => idParam(values.sceneId, "Scene");
    switch (intent) {
      case "update-chapter": {
        const changed = await updateChapter(user, chapterId, { title: values.title, summary: values.summary });
        return redirectAfter(changed, here);
      }
      case "add-scene": {
        const created = await addScene(user, chapterId, { title: values.title });
        return redirectAfter(created, `/studio/scenes/${created.value.id}`);
      }
      case "move-scene": {
        const changed = await updateScene(user, sceneId(), { position: values.position });
        return done(values, here, changed.tags);
      }
      case "delete-scene": {
        const changed = await deleteScene(user, sceneId());
        return redirectAfter(changed, here);
      }
      default:
        badIntent(intent);
    }
  });
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

/** The action's failure when it came from the form of `intent` (and of item `target`, if given). */
function useFailure(intent: string, target?: number): FormFailure | undefined {
  const failure = useActionData<typeof action>();
  if (!failure || !("fieldErrors" in failure) || failure.intent !== intent || failure.target !== target) {
    return undefined;
  }
  return failure;
}

export default function EditChapter() {
  const { story, chapter, scenes } = useLoaderData<typeof loader>();
  const order = useOptimisticOrder(scenes, "move-scene");
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/studio">Studio</Link> › <Link to={`/studio/stories/${story.id}`}>{story.title}</Link> ›
      </p>
      <h1>{chapter.title}</h1>
      <DeletedNotice />
      <ChapterForm key={`${chapter.id}-${String(chapter.updatedAt)}`} chapter={chapter} />
      <section className="card">
        <h2>Scenes</h2>
        {scenes.length === 0 ? (
          <p className="muted">No scenes yet.</p>
        ) : (
          <ol className="list" aria-label="Scenes">
            {order.items.map((scene, index) => (
              <SceneRow
                key={scene.id}
                scene={scene}
                index={index}
                count={scenes.length}
                move={order.move}
                moveFailure={order.failureOf(scene.id)}
              />
            ))}
          </ol>
        )}
      </section>
      <AddSceneForm key={chapter.id} />
    </>
  );
}

function ChapterForm({ chapter }: { chapter: Data["chapter"] }) {
  const failure = useFailure("update-chapter");
  const errors = failure?.fieldErrors;
  return (
    <section className="card">
      <Form method="post" className="stack" aria-label="Chapter details">
        <FormErrors errors={errors?._form} />
        <TextField
          label="Title"
          name="title"
          required
          maxLength={200}
          defaultValue={failure?.values.title ?? chapter.title}
          errors={errors?.title}
        />
        <TextArea
          label="Summary"
          name="summary"
          defaultValue={failure?.values.summary ?? chapter.summary}
          errors={errors?.summary}
        />
        <div>
          <SubmitButton
            name="intent"
            value="update-chapter"
            pendingWhen={{ intent: "update-chapter" }}
            pendingLabel="Saving…"
          >
            Save chapter
          </SubmitButton>
        </div>
      </Form>
    </section>
  );
}

function SceneRow({
  scene,
  index,
  count,
  move,
  moveFailure,
}: {
  scene: Data["scenes"][number];
  index: number;
  count: number;
  move: MoveThroughFetcher;
  moveFailure: ActionFailure | undefined;
}) {
  const pageFailure = useFailure("move-scene", scene.id);
  const errors = failureMessages(moveFailure ?? pageFailure);
  return (
    <li>
      <div className="spread">
        <Link to={`/studio/scenes/${scene.id}`}>
          <strong>{scene.title}</strong>
        </Link>
        <span className="row">
          <span className="muted">
            {scene.wordCount} {scene.wordCount === 1 ? "word" : "words"}
          </span>
          <MoveAndDelete kind="scene" id={scene.id} title={scene.title} index={index} count={count} move={move} />
        </span>
      </div>
      <FormErrors errors={errors} />
    </li>
  );
}

function AddSceneForm() {
  const failure = useFailure("add-scene");
  const errors = failure?.fieldErrors;
  return (
    <section className="card">
      <h2>Add a scene</h2>
      <Form method="post" className="stack" aria-label="Add a scene">
        <FormErrors errors={errors?._form} />
        <TextField
          label="Title"
          id="new-scene-title"
          name="title"
          required
          maxLength={200}
          defaultValue={failure?.values.title}
          errors={errors?.title}
        />
        <div>
          <SubmitButton name="intent" value="add-scene" pendingWhen={{ intent: "add-scene" }} pendingLabel="Adding…">
            Add scene
          </SubmitButton>
        </div>
      </Form>
    </section>
  );
}
