import { useFetcher } from "@remix-run/react";
import type { ReactNode } from "react";
import { type ActionFailure, failureFor } from "~/client/optimistic/failure";
import { useOverlay } from "~/client/optimistic/useOverlay";
import { EnhancedMarker } from "./EnhancedMarker";
import { FormErrors, TextArea } from "./Field";
import { Paragraphs } from "./Paragraphs";
import { useResetAfterSuccess } from "./useResetAfterSuccess";

export interface Reply {
  id: number;
  body: string;
  authorName: string;
  createdAt: Date;
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/** A reply on its way: the text, and how many replies the page showed when it was sent. */
interface PendingReply {
  body: string;
  after: number;
}

/**
 * A post's replies and the reply form. A reply shows at once at the end of the list, marked
 * pending, until the loader data holds it; if the action fails it goes away, the error shows above
 * the form and the text stays in it. `pageFailure` is the action data of a post without
 * JavaScript (field errors after a full page load).
 */
export function Replies({
  postId,
  replies,
  me,
  pageFailure,
  signInLink,
}: {
  postId: number;
  replies: Reply[];
  me: { name: string } | null;
  pageFailure: ActionFailure | undefined;
  signInLink: ReactNode;
}) {
  const fetcher = useFetcher({ key: `reply-${postId}` });
  const overlay = useOverlay<PendingReply>(
    fetcher,
    (pending) => replies.length > pending.after && replies.some((r) => r.body === pending.body),
  );
  const pending = overlay.value;
  const failure = overlay.pending ? undefined : (failureFor(fetcher.data, "reply") ?? pageFailure);
  const shown = replies.length + (pending ? 1 : 0);
  return (
    <section aria-labelledby="replies-title">
      <h2 id="replies-title">{plural(shown, "reply", "replies")}</h2>
      {shown === 0 ? <p className="muted">No replies yet.</p> : null}
      {replies.map((reply) => (
        <div key={reply.id} id={`reply-${reply.id}`} className="reply" data-testid="reply">
          <div className="muted">
            <strong>{reply.authorName}</strong> ·{" "}
            <time dateTime={reply.createdAt.toISOString()}>{when.format(reply.createdAt)}</time>
          </div>
          <Paragraphs text={reply.body} />
        </div>
      ))}
      {pending && me ? (
        <div className="reply pending" data-testid="reply" data-pending="true" aria-busy="true">
          <div className="muted">
            <strong>{me.name}</strong> · <em>sending…</em>
          </div>
          <Paragraphs text={pending.body} />
        </div>
      ) : null}
      {me ? (
        <ReplyForm
          fetcher={fetcher}
          busy={overlay.pending || fetcher.state !== "idle"}
          failure={failure}
          onSend={(body) => {
            if (body.trim() !== "") overlay.begin({ body: body.trim(), after: replies.length });
          }}
        />
      ) : (
        signInLink
      )}
    </section>
  );
}

function ReplyForm({
  fetcher,
  busy,
  failure,
  onSend,
}: {
  fetcher: ReturnType<typeof useFetcher>;
  busy: boolean;
  failure: ActionFailure | undefined;
  onSend: (body: string) => void;
}) {
  // The text stays while the reply is on its way, and after a failure; it goes once it is posted.
  const formRef = useResetAfterSuccess(busy, failure !== undefined);
  return (
    <fetcher.Form
      method="post"
      className="stack card"
      ref={formRef}
      onSubmit={(event) => onSend(String(new FormData(event.currentTarget).get("body") ?? ""))}
    >
      <EnhancedMarker />
      <FormErrors errors={failure?.fieldErrors._form} />
      <TextArea
        label="Your reply"
        name="body"
        maxLength={5000}
        defaultValue={failure?.values.body ?? ""}
        errors={failure?.fieldErrors.body}
      />
      <div>
        <button type="submit" name="intent" value="reply" disabled={busy}>
          {busy ? "Replying…" : "Reply"}
        </button>
      </div>
    </fetcher.Form>
  );
}
