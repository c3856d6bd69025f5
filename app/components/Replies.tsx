import { Link, useFetcher, useSearchParams } from "@remix-run/react";
import { type ReactNode, useEffect, useRef } from "react";
import { type ActionFailure, failureFor, failureMessages } from "~/client/optimistic/failure";
import { useOverlay } from "~/client/optimistic/useOverlay";
import { announce } from "./Announcer";
import { EnhancedMarker } from "./EnhancedMarker";
import { FormErrors, TextArea } from "./Field";
import { Paragraphs } from "./Paragraphs";
import { SubmitButton } from "./SubmitButton";
import { useCloseEditForm } from "./useCloseEditForm";
import { useResetAfterSuccess } from "./useResetAfterSuccess";

export interface Reply {
  id: number;
  body: string;
  authorId: number;
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
  me: { id: number; name: string } | null;
  pageFailure: ActionFailure | undefined;
  signInLink: ReactNode;
}) {
  const fetcher = useFetcher({ key: `reply-${postId}` });
  const overlay = useOverlay<PendingReply>(
    fetcher,
    (pending) => replies.length > pending.after && replies.some((r) => r.body === pending.body),
  );
  const pending = overlay.value;
  const failure = overlay.pending ? undefined : (failureFor(fetcher.data, "reply") ?? failureFor(pageFailure, "reply"));
  const shown = replies.length + (pending ? 1 : 0);
  return (
    <section aria-labelledby="replies-title">
      <h2 id="replies-title">{plural(shown, "reply", "replies")}</h2>
      {shown === 0 ? <p className="muted">No replies yet.</p> : null}
      {replies.map((reply) =>
        me?.id === reply.authorId ? (
          <OwnReply key={reply.id} reply={reply} pageFailure={pageFailure} />
        ) : (
          <div key={reply.id} id={`reply-${reply.id}`} className="reply" data-testid="reply">
            <ReplyHead reply={reply} />
            <Paragraphs text={reply.body} />
          </div>
        ),
      )}
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

function ReplyHead({ reply }: { reply: Reply }) {
  return (
    <div className="muted">
      <strong>{reply.authorName}</strong> ·{" "}
      <time dateTime={reply.createdAt.toISOString()}>{when.format(reply.createdAt)}</time>
    </div>
  );
}

/**
 * One's own reply, with Edit (a link to `?edit-reply=<id>`, which opens the form in place) and
 * Delete (a disclosure holding the confirming button): no-JS forms posting `intent=edit-reply` or
 * `intent=delete-reply` with `replyId`. With JavaScript each runs through a fetcher: an edit shows
 * the new text at once, a delete hides the reply at once; a refusal puts it back and says why.
 */
function OwnReply({ reply, pageFailure }: { reply: Reply; pageFailure: ActionFailure | undefined }) {
  const edit = useFetcher({ key: `edit-reply-${reply.id}` });
  const remove = useFetcher({ key: `delete-reply-${reply.id}` });
  const [params] = useSearchParams();
  const closeEditForm = useCloseEditForm("edit-reply", String(reply.id));
  const editFailure =
    edit.state === "idle"
      ? (failureFor(edit.data, "edit-reply", reply.id) ?? failureFor(pageFailure, "edit-reply", reply.id))
      : undefined;
  const removeFailure =
    remove.state === "idle"
      ? (failureFor(remove.data, "delete-reply", reply.id) ?? failureFor(pageFailure, "delete-reply", reply.id))
      : undefined;
  const editing = params.get("edit-reply") === String(reply.id) || editFailure !== undefined;
  const pendingBody = String(edit.formData?.get("body") ?? "").trim();
  const handled = useRef<unknown>(null);
  useEffect(() => {
    if (edit.state !== "idle" || !isOk(edit.data) || handled.current === edit.data) return;
    handled.current = edit.data;
    closeEditForm();
    announce("Reply saved.");
  }, [edit.state, edit.data, closeEditForm]);
  // Deleting: gone at once; the heading's count follows with the loader data.
  if (remove.formData || (remove.state === "idle" && isOk(remove.data))) {
    return (
      <p className="visually-hidden" role="status">
        Reply deleted.
      </p>
    );
  }
  return (
    <div id={`reply-${reply.id}`} className="reply" data-testid="reply" data-own="true">
      <ReplyHead reply={reply} />
      {editing ? (
        <EditReplyForm fetcher={edit} reply={reply} failure={editFailure} />
      ) : (
        <Paragraphs text={pendingBody || reply.body} />
      )}
      <FormErrors errors={failureMessages(removeFailure)} />
      <div className="row owner-tools">
        {editing ? null : (
          <Link to={`?edit-reply=${reply.id}`} className="button secondary" replace preventScrollReset>
            Edit<span className="visually-hidden"> your reply</span>
          </Link>
        )}
        <details>
          <summary className="button danger">
            Delete<span className="visually-hidden"> your reply</span>
          </summary>
          <remove.Form method="post" className="inline-form" aria-label="Delete your reply">
            <EnhancedMarker />
            <input type="hidden" name="replyId" value={reply.id} />
            <span>Delete this reply? It cannot be undone.</span>
            <button type="submit" name="intent" value="delete-reply" className="danger">
              Delete reply
            </button>
          </remove.Form>
        </details>
      </div>
    </div>
  );
}

function EditReplyForm({
  fetcher,
  reply,
  failure,
}: {
  fetcher: ReturnType<typeof useFetcher>;
  reply: Reply;
  failure: ActionFailure | undefined;
}) {
  const fieldId = `reply-${reply.id}-body`;
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || !document.contains(active) || active.tagName === "A") {
      document.getElementById(fieldId)?.focus();
    }
  }, [fieldId]);
  return (
    <fetcher.Form method="post" className="stack" aria-label="Edit your reply">
      <EnhancedMarker />
      <input type="hidden" name="replyId" value={reply.id} />
      <FormErrors errors={failure?.fieldErrors._form} />
      <TextArea
        label="Your reply"
        id={fieldId}
        name="body"
        required
        maxLength={5000}
        defaultValue={failure?.values.body ?? reply.body}
        errors={failure?.fieldErrors.body}
      />
      <div className="actions">
        <button type="submit" name="intent" value="edit-reply">
          Save reply
        </button>
        <Link to="." replace preventScrollReset>
          Cancel
        </Link>
      </div>
    </fetcher.Form>
  );
}

function isOk(data: unknown): boolean {
  return typeof data === "object" && data !== null && "ok" in data;
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
        <SubmitButton name="intent" value="reply" busy={busy} pendingLabel="Replying…">
          Reply
        </SubmitButton>
      </div>
    </fetcher.Form>
  );
}
