import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useLocation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { getActor } from "~/auth/actor.server";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { failureFor, isFailure } from "~/client/optimistic/failure";
import { inlineFailures } from "~/client/optimistic/inline-failures";
import { announce } from "~/components/Announcer";
import { EnhancedMarker } from "~/components/EnhancedMarker";
import { FormErrors, TextArea, TextField } from "~/components/Field";
import { LikeButton } from "~/components/LikeButton";
import { Paragraphs } from "~/components/Paragraphs";
import { Replies } from "~/components/Replies";
import { useCloseEditForm } from "~/components/useCloseEditForm";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { done, redirectAfter, withActionInvalidation } from "~/http/form-answer.server";
import { badIntent, handleForm, readForm, rethrowForPage } from "~/http/forms.server";
import { requireSignedIn } from "~/models/actor";
import { setLike } from "~/models/likes.server";
import { deletePost, updatePost } from "~/models/posts.server";
import { addReply, deleteReply, updateReply } from "~/models/replies.server";
import { parseId } from "~/models/validation";
import { communityPost, postLikedByMe } from "~/queries/index.server";
import { useOptionalUser } from "~/root";

/** Whether a fetcher's answer is a success (`{ ok: true }`). */
function isSaved(data: unknown): boolean {
  return typeof data === "object" && data !== null && "ok" in data;
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.post.title} — Community — Quill` : "Post not found — Quill" },
];

/** The post id of the URL; a malformed one is a 404 page, like an unknown one. */
function postIdOf(params: LoaderFunctionArgs["params"]): number {
  try {
    return idParam(params.postId, "Post");
  } catch (error) {
    return rethrowForPage(error);
  }
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const postId = postIdOf(params);
  const actor = await getActor(request, context);
  const log = context.reads;
  const [{ post, replies }, liked] = await Promise.all([
    communityPost
      .read({ postId }, { log })
      .then((r) => r.value)
      .catch(rethrowForPage),
    actor ? postLikedByMe.read({ postId }, { userId: actor.id, log }).then((r) => r.value) : false,
  ]);
  // Whether I like it is mine alone: a signed-in page is never shared.
  return data({ post, replies, liked }, { headers: actor ? PRIVATE_NO_STORE : {} });
}

export const headers: HeadersFunction = ({ loaderHeaders, actionHeaders }) =>
  withActionInvalidation(loaderHeaders, actionHeaders);

export const clientAction = inlineFailures;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/community.posts.$postId");

export async function action({ request, params }: ActionFunctionArgs) {
  const postId = postIdOf(params);
  const actor = await getActor(request);
  const values = await readForm(request);
  const intent = values.intent ?? null;
  const here = `/community/posts/${postId}`;
  switch (intent) {
    case "like":
      return handleForm(request, { intent, values }, async () => {
        const changed = await setLike(actor, postId, { liked: values.liked });
        return done(values, here, changed.tags, changed.value);
      });
    case "reply":
      return handleForm(request, { intent, values }, async () => {
        const changed = await addReply(actor, postId, { body: values.body });
        return done(values, here, changed.tags, { replyId: changed.value.id });
      });
    // One's own post and replies (issue 14): the model refuses anyone else's (403).
    case "edit-post":
      return handleForm(request, { intent, values }, async () => {
        const changed = await updatePost(actor, postId, { title: values.title, body: values.body });
        return done(values, here, changed.tags);
      });
    case "delete-post":
      return handleForm(request, { intent, values }, async () => {
        const deleted = await deletePost(actor, postId);
        const what = values.title ? `your post “${values.title.slice(0, 200)}”` : "your post";
        return redirectAfter(deleted, `/community?${new URLSearchParams({ deleted: what })}`);
      });
    case "edit-reply":
    case "delete-reply": {
      const target = parseId(values.replyId) ?? undefined;
      return handleForm(request, { intent, target, values }, async () => {
        const replyId = idParam(values.replyId, "Reply");
        const changed =
          intent === "edit-reply"
            ? await updateReply(actor, replyId, { body: values.body })
            : await deleteReply(actor, replyId);
        return done(values, here, changed.tags, { replyId });
      });
    }
    default:
      // Signed out, any post goes to the login page first; signed in, an unknown intent is a 400.
      return handleForm(request, { intent: intent ?? "", values }, async () => {
        requireSignedIn(actor);
        return badIntent(intent);
      });
  }
}

export default function PostPage() {
  const { post, replies, liked } = useLoaderData<typeof loader>();
  const user = useOptionalUser();
  const location = useLocation();
  const actionData = useActionData<typeof action>();
  const pageFailure = isFailure(actionData) ? actionData : undefined;
  const loginHref = `/login?${new URLSearchParams({ redirectTo: location.pathname })}`;
  // An edit on its way shows at once (the fetcher of OwnPostTools, shared by its key).
  const editing = useFetcher({ key: `edit-post-${post.id}` }).formData;
  const pendingTitle = String(editing?.get("title") ?? "").trim();
  const pendingBody = String(editing?.get("body") ?? "").trim();
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/community">← Community</Link>
      </p>
      <article className="card">
        <h1 style={{ marginTop: 0 }}>{pendingTitle || post.title}</h1>
        <p className="muted">
          by <span data-testid="post-author">{post.authorName}</span> ·{" "}
          <time dateTime={post.createdAt.toISOString()}>{when.format(post.createdAt)}</time>
        </p>
        <div className="reading">
          <Paragraphs text={pendingBody || post.body} />
        </div>
        <LikeButton postId={post.id} liked={liked} likeCount={post.likeCount} signedIn={user !== null} />
        {user?.id === post.authorId ? <OwnPostTools post={post} replyCount={replies.length} /> : null}
      </article>
      <Replies
        postId={post.id}
        replies={replies}
        me={user}
        pageFailure={pageFailure}
        signInLink={
          <p>
            <Link to={loginHref}>Log in to like and reply</Link>
          </p>
        }
      />
    </>
  );
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * Edit and delete for the post's author, neither acting on one click and both working without
 * JavaScript: Edit opens the form at `?edit=post` (a link), Delete is a disclosure (`<details>`)
 * holding the confirming button. Editing runs through a fetcher (the page shows the new text at
 * once, then the form closes); deleting is a plain post that leads to the feed with a notice.
 */
function OwnPostTools({
  post,
  replyCount,
}: {
  post: { id: number; title: string; body: string; likeCount: number };
  replyCount: number;
}) {
  const edit = useFetcher({ key: `edit-post-${post.id}` });
  const [params] = useSearchParams();
  const closeEditForm = useCloseEditForm("edit", "post");
  const pageFailure = failureFor(useActionData<typeof action>(), "edit-post");
  const failure = edit.state === "idle" ? (failureFor(edit.data, "edit-post") ?? pageFailure) : undefined;
  const editing = params.get("edit") === "post" || failure !== undefined;
  const handled = useRef<unknown>(null);
  // Saved: the form closes (the heading then has focus, showing the new title) and it is said.
  useEffect(() => {
    if (edit.state !== "idle" || !isSaved(edit.data) || handled.current === edit.data) return;
    handled.current = edit.data;
    closeEditForm();
    announce("Post saved.");
  }, [edit.state, edit.data, closeEditForm]);
  return (
    <div className="owner-tools row">
      {editing ? (
        <EditPostForm
          fetcher={edit}
          failure={failure}
          post={post}
          saving={edit.state !== "idle"}
          cancel={`/community/posts/${post.id}`}
        />
      ) : (
        <Link to="?edit=post" className="button secondary" replace preventScrollReset>
          Edit post
        </Link>
      )}
      <details>
        <summary className="button danger">Delete post</summary>
        <Form method="post" className="card confirm" aria-label="Delete post">
          <p data-testid="delete-loses">
            This deletes the post with its {replyCount} {replyCount === 1 ? "reply" : "replies"} and {post.likeCount}{" "}
            {post.likeCount === 1 ? "like" : "likes"}. It cannot be undone.
          </p>
          <input type="hidden" name="title" value={post.title} />
          <button type="submit" name="intent" value="delete-post" className="danger">
            Delete post
          </button>
        </Form>
      </details>
    </div>
  );
}

function EditPostForm({
  fetcher,
  failure,
  post,
  saving,
  cancel,
}: {
  fetcher: ReturnType<typeof useFetcher>;
  failure: ReturnType<typeof failureFor>;
  post: { title: string; body: string };
  saving: boolean;
  cancel: string;
}) {
  // Opened: the title field has focus (a failure focuses its first invalid field instead).
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || !document.contains(active) || active.tagName === "A") {
      document.getElementById("edit-post-title")?.focus();
    }
  }, []);
  return (
    <fetcher.Form method="post" className="stack card" aria-label="Edit post">
      <EnhancedMarker />
      <FormErrors errors={failure?.fieldErrors._form} />
      <TextField
        label="Title"
        id="edit-post-title"
        name="title"
        required
        maxLength={200}
        defaultValue={failure?.values.title ?? post.title}
        errors={failure?.fieldErrors.title}
      />
      <TextArea
        label="Body"
        id="edit-post-body"
        name="body"
        required
        maxLength={10_000}
        defaultValue={failure?.values.body ?? post.body}
        errors={failure?.fieldErrors.body}
      />
      <div className="actions">
        <button type="submit" name="intent" value="edit-post" aria-disabled={saving || undefined}>
          {saving ? "Saving…" : "Save post"}
        </button>
        <Link to={cancel} replace preventScrollReset>
          Cancel
        </Link>
      </div>
    </fetcher.Form>
  );
}
