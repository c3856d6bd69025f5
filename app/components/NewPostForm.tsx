import { Form, type useFetcher } from "@remix-run/react";
import { type ActionFailure, failureFor } from "~/client/optimistic/failure";
import { EnhancedMarker } from "./EnhancedMarker";
import { FormErrors, TextArea, TextField } from "./Field";
import { SubmitButton } from "./SubmitButton";
import { useResetAfterSuccess } from "./useResetAfterSuccess";

/** A post on its way: what the feed shows for it, and how many posts the feed had then. */
export interface PendingPost {
  title: string;
  body: string;
  totalBefore: number;
}

/**
 * The new post form. On the first feed page it runs through `fetcher` (the feed prepends the post
 * at once); on later pages it is a plain form, whose redirect goes to the first page where the
 * post is. Without JavaScript it posts and redirects either way. The fields keep their text until
 * the post is confirmed, and after a failure.
 */
export function NewPostForm({
  fetcher,
  pending,
  pageFailure,
  onSend,
}: {
  fetcher: ReturnType<typeof useFetcher> | null;
  pending: boolean;
  pageFailure: ActionFailure | undefined;
  onSend: (post: { title: string; body: string }) => void;
}) {
  const failure = pending ? undefined : (failureFor(fetcher?.data, "create-post") ?? pageFailure);
  const busy = pending || (fetcher !== null && fetcher.state !== "idle");
  const formRef = useResetAfterSuccess(busy, failure !== undefined);
  const FormElement = fetcher ? fetcher.Form : Form;
  return (
    <section className="card" aria-labelledby="new-post-title">
      <h2 id="new-post-title" style={{ marginTop: 0 }}>
        New post
      </h2>
      <FormElement
        method="post"
        action="/community?index"
        className="stack"
        ref={formRef}
        onSubmit={(event) => {
          const form = new FormData(event.currentTarget);
          onSend({ title: String(form.get("title") ?? "").trim(), body: String(form.get("body") ?? "").trim() });
        }}
      >
        {fetcher ? <EnhancedMarker /> : null}
        <FormErrors errors={failure?.fieldErrors._form} />
        <TextField
          label="Title"
          name="title"
          maxLength={200}
          defaultValue={failure?.values.title ?? ""}
          errors={failure?.fieldErrors.title}
        />
        <TextArea
          label="Body"
          name="body"
          defaultValue={failure?.values.body ?? ""}
          errors={failure?.fieldErrors.body}
        />
        <div>
          <SubmitButton name="intent" value="create-post" busy={busy} pendingLabel="Posting…">
            Post
          </SubmitButton>
        </div>
      </FormElement>
    </section>
  );
}
