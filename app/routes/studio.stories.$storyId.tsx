import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/actor.server";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { type ActionFailure, failureFor, failureMessages } from "~/client/optimistic/failure";
import { inlineFailures } from "~/client/optimistic/inline-failures";
import { useOptimisticOrder } from "~/client/optimistic/useOptimisticOrder";
import { useOverlay } from "~/client/optimistic/useOverlay";
import { DeletedNotice } from "~/components/DeletedNotice";
import { EnhancedMarker } from "~/components/EnhancedMarker";
import { FieldError, FormErrors, TextArea, TextField } from "~/components/Field";
import { MoveAndDelete, type MoveThroughFetcher } from "~/components/MoveAndDelete";
import { SubmitButton } from "~/components/SubmitButton";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { done, withActionInvalidation } from "~/http/form-answer.server";
import { badIntent, type FormFailure, handleForm, readForm, rethrowForPage } from "~/http/forms.server";
import { addChapter, deleteChapter, updateChapter } from "~/models/chapters.server";
import { updateStory } from "~/models/stories.server";
import { parseId } from "~/models/validation";
import { studioStory } from "~/queries/index.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.story.title} — Studio — Quill` : "Studio — Quill" },
];

export const headers: HeadersFunction = ({ actionHeaders }) => withActionInvalidation(PRIVATE_NO_STORE, actionHeaders);

export const clientAction = inlineFailures;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/studio.stories.$storyId");

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  try {
    const storyId = idParam(params.storyId, "Story");
    const { value } = await studioStory.read({ storyId }, { userId: user.id, log: context.reads });
    const { story, chapters } = value;
    return {
      story: {
        id: story.id,
        title: story.title,
        summary: story.summary,
        status: story.status,
        updatedAt: story.updatedAt,
      },
      chapters,
    };
  } catch (error) {
    rethrowForPage(error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = await readForm(request);
  const intent = values.intent ?? "";
  const target = parseId(values.chapterId) ?? undefined;
  return handleForm(request, { intent, target, values }, async () => {
    const storyId = idParam(params.storyId, "Story");
    const here = `/studio/stories/${storyId}`;
    const chapterId = () => idParam(values.chapterId, "Chapter");
    let changed: { tags: string[] };
    switch (intent) {
      case "update-story":
        changed = await updateStory(user, storyId, {
          title: values.title,
          summary: values.summary,
          status: values.status,
        });
        break;
      case "add-chapter":
        changed = await addChapter(user, storyId, { title: values.title, summary: values.summary });
        break;
      case "rename-chapter":
        changed = await updateChapter(user, chapterId(), { title: values.title });
        break;
      case "move-chapter":
        changed = await updateChapter(user, chapterId(), { position: values.position });
        break;
      case "delete-chapter":
        changed = await deleteChapter(user, chapterId());
        break;
      default:
        badIntent(intent);
    }
    return done(values, here, changed.tags);
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

export default function EditStory() {
  const { story, chapters } = useLoaderData<typeof loader>();
  const order = useOptimisticOrder(chapters, "move-chapter");
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/studio">Studio</Link> ›
      </p>
      <div className="spread">
        <h1>{story.title}</h1>
        {story.status === "published" ? (
          <Link to={`/stories/${story.id}`}>Open the reading view</Link>
        ) : (
          <span className="muted">A draft: publish it to give it a public reading view.</span>
        )}
      </div>
      <DeletedNotice />
      <StoryForm key={`${story.id}-${String(story.updatedAt)}`} story={story} />
      <section className="card">
        <h2>Chapters</h2>
        {chapters.length === 0 ? (
          <p className="muted">No chapters yet.</p>
        ) : (
          <ol className="list" aria-label="Chapters">
            {order.items.map((chapter, index) => (
              <ChapterRow
                key={chapter.id}
                chapter={chapter}
                index={index}
                count={chapters.length}
                move={order.move}
                moveFailure={order.failureOf(chapter.id)}
              />
            ))}
          </ol>
        )}
      </section>
      <AddChapterForm key={`${story.id}-${chapters.length}`} />
    </>
  );
}

function StoryForm({ story }: { story: Data["story"] }) {
  const failure = useFailure("update-story");
  const errors = failure?.fieldErrors;
  const value = (name: "title" | "summary" | "status") => failure?.values[name] ?? story[name];
  return (
    <section className="card">
      <Form method="post" className="stack" aria-label="Story details">
        <FormErrors errors={errors?._form} />
        <TextField
          label="Title"
          name="title"
          required
          maxLength={200}
          defaultValue={value("title")}
          errors={errors?.title}
        />
        <TextArea label="Summary" name="summary" defaultValue={value("summary")} errors={errors?.summary} />
        <label htmlFor="status">
          Status
          <select
            id="status"
            name="status"
            defaultValue={value("status")}
            aria-invalid={errors?.status ? true : undefined}
            aria-describedby={errors?.status ? "status-error" : undefined}
          >
            <option value="draft">Draft</option>
            <option value="published">Published</option>
          </select>
          <FieldError id="status" errors={errors?.status} />
        </label>
        <div>
          <SubmitButton
            name="intent"
            value="update-story"
            pendingWhen={{ intent: "update-story" }}
            pendingLabel="Saving…"
          >
            Save story
          </SubmitButton>
        </div>
      </Form>
    </section>
  );
}

function ChapterRow({
  chapter,
  index,
  count,
  move,
  moveFailure,
}: {
  chapter: Data["chapters"][number];
  index: number;
  count: number;
  move: MoveThroughFetcher;
  moveFailure: ActionFailure | undefined;
}) {
  const rename = useFetcher({ key: `rename-chapter-${chapter.id}` });
  const overlay = useOverlay<string>(rename, (title) => title === chapter.title);
  const title = overlay.value ?? chapter.title;
  const pageRenameFailure = useFailure("rename-chapter", chapter.id);
  const renameFailure = overlay.pending
    ? undefined
    : (failureFor(rename.data, "rename-chapter", chapter.id) ?? pageRenameFailure);
  const pageMoveFailure = useFailure("move-chapter", chapter.id);
  const fieldId = `chapter-${chapter.id}-title`;
  const moveErrors = [...failureMessages(moveFailure ?? pageMoveFailure)];
  return (
    <li aria-busy={overlay.pending || undefined}>
      <div className="spread">
        <Link to={`/studio/chapters/${chapter.id}`}>
          <strong>{title}</strong>
        </Link>
        <span className="muted">
          {chapter.sceneCount} {chapter.sceneCount === 1 ? "scene" : "scenes"}, {chapter.wordCount}{" "}
          {chapter.wordCount === 1 ? "word" : "words"}
        </span>
      </div>
      <div className="row">
        <rename.Form
          method="post"
          className="inline-form"
          aria-label={`Rename chapter ${index + 1}`}
          onSubmit={(event) => {
            const wanted = String(new FormData(event.currentTarget).get("title") ?? "").trim();
            if (wanted) overlay.begin(wanted);
          }}
        >
          <EnhancedMarker />
          <input type="hidden" name="chapterId" value={chapter.id} />
          <TextField
            label="Title"
            id={fieldId}
            name="title"
            required
            maxLength={200}
            defaultValue={renameFailure?.values.title ?? chapter.title}
            errors={renameFailure?.fieldErrors.title}
          />
          <button type="submit" name="intent" value="rename-chapter" className="secondary">
            Rename
          </button>
        </rename.Form>
        <MoveAndDelete kind="chapter" id={chapter.id} title={title} index={index} count={count} move={move} />
      </div>
      <FormErrors errors={[...moveErrors, ...(renameFailure?.fieldErrors._form ?? [])]} />
    </li>
  );
}

function AddChapterForm() {
  const failure = useFailure("add-chapter");
  const errors = failure?.fieldErrors;
  return (
    <section className="card">
      <h2>Add a chapter</h2>
      <Form method="post" className="stack" aria-label="Add a chapter">
        <FormErrors errors={errors?._form} />
        <TextField
          label="Title"
          id="new-chapter-title"
          name="title"
          required
          maxLength={200}
          defaultValue={failure?.values.title}
          errors={errors?.title}
        />
        <TextArea
          label="Summary"
          id="new-chapter-summary"
          name="summary"
          defaultValue={failure?.values.summary}
          errors={errors?.summary}
        />
        <div>
          <SubmitButton
            name="intent"
            value="add-chapter"
            pendingWhen={{ intent: "add-chapter" }}
            pendingLabel="Adding…"
          >
            Add chapter
          </SubmitButton>
        </div>
      </Form>
    </section>
  );
}
