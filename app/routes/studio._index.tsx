import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/actor.server";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { FormErrors, TextArea, TextField } from "~/components/Field";
import { SubmitButton } from "~/components/SubmitButton";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { redirectAfter } from "~/http/form-answer.server";
import { badIntent, handleForm, readForm } from "~/http/forms.server";
import { createStory } from "~/models/stories.server";
import { studioStories } from "~/queries/index.server";

export const meta: MetaFunction = () => [{ title: "Studio — Quill" }];

export const headers: HeadersFunction = () => PRIVATE_NO_STORE;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/studio._index");

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const { value } = await studioStories.read({ authorId: user.id }, { userId: user.id, log: context.reads });
  return { stories: value };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = await readForm(request);
  const intent = values.intent ?? "";
  return handleForm(request, { intent, values }, async () => {
    if (intent !== "create-story") badIntent(intent);
    const created = await createStory(user, { title: values.title, summary: values.summary });
    return redirectAfter(created, `/studio/stories/${created.value.id}`);
  });
}

export default function Studio() {
  const { stories } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Your stories</h1>
      {stories.length === 0 ? (
        <p className="muted">No stories yet: start one below.</p>
      ) : (
        <ul className="list" aria-label="Your stories">
          {stories.map((story) => (
            <li key={story.id}>
              <div className="spread">
                <Link to={`/studio/stories/${story.id}`}>
                  <strong>{story.title}</strong>
                </Link>
                <span className="row">
                  <StatusBadge status={story.status} />
                  <span className="muted">{plural(story.chapterCount, "chapter")}</span>
                  {story.status === "published" ? (
                    <Link to={`/stories/${story.id}`} aria-label={`Read “${story.title}”`}>
                      Read
                    </Link>
                  ) : null}
                </span>
              </div>
              {story.summary ? <div className="muted">{story.summary}</div> : null}
            </li>
          ))}
        </ul>
      )}
      <NewStoryForm />
    </>
  );
}

function NewStoryForm() {
  const failure = useActionData<typeof action>();
  const errors = failure?.fieldErrors;
  return (
    <section className="card" style={{ marginTop: "1.5rem" }}>
      <h2>New story</h2>
      <Form method="post" className="stack" aria-label="New story">
        <FormErrors errors={errors?._form} />
        <TextField
          label="Title"
          name="title"
          required
          maxLength={200}
          defaultValue={failure?.values.title}
          errors={errors?.title}
        />
        <TextArea label="Summary" name="summary" defaultValue={failure?.values.summary} errors={errors?.summary} />
        <div>
          <SubmitButton
            name="intent"
            value="create-story"
            pendingWhen={{ intent: "create-story" }}
            pendingLabel="Creating…"
          >
            Create story
          </SubmitButton>
        </div>
      </Form>
    </section>
  );
}

function StatusBadge({ status }: { status: string }) {
  return <span className={status === "published" ? "badge published" : "badge"}>{status}</span>;
}

function plural(count: number, noun: string) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
