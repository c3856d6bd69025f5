import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { getActor } from "~/auth/session.server";
import { invalidationHeaders, PRIVATE_NO_STORE } from "~/cache/headers";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { FormErrors, TextArea } from "~/components/Field";
import { Paragraphs } from "~/components/Paragraphs";
import { useResetAfterSuccess } from "~/components/useResetAfterSuccess";
import { badIntent, formValues, handleForm, rethrowForPage } from "~/lib/forms.server";
import { idParam } from "~/lib/http.server";
import { requireSignedIn } from "~/models/actor";
import { setLike } from "~/models/likes.server";
import { addReply } from "~/models/replies.server";
import { communityPost, postLikedByMe } from "~/queries/index.server";
import { useOptionalUser } from "~/root";

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

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/community.posts.$postId");

export async function action({ request, params }: ActionFunctionArgs) {
  const postId = postIdOf(params);
  const actor = await getActor(request);
  const values = formValues(await request.formData());
  const intent = values.intent ?? null;
  const here = `/community/posts/${postId}`;
  switch (intent) {
    case "like":
      return handleForm(request, { intent, values }, async () => {
        const changed = await setLike(actor, postId, { liked: values.liked });
        return redirect(here, { headers: invalidationHeaders(changed.tags) });
      });
    case "reply":
      return handleForm(request, { intent, values }, async () => {
        const changed = await addReply(actor, postId, { body: values.body });
        return redirect(here, { headers: invalidationHeaders(changed.tags) });
      });
    default:
      // Signed out, any post goes to the login page first; signed in, an unknown intent is a 400.
      return handleForm(request, { intent: intent ?? "", values }, async () => {
        requireSignedIn(actor);
        return badIntent(intent);
      });
  }
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

export default function PostPage() {
  const { post, replies, liked } = useLoaderData<typeof loader>();
  const user = useOptionalUser();
  const location = useLocation();
  const navigation = useNavigation();
  const liking = navigation.state !== "idle" && navigation.formData?.get("intent") === "like";
  const loginHref = `/login?${new URLSearchParams({ redirectTo: location.pathname })}`;
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/community">← Community</Link>
      </p>
      <article className="card">
        <h1 style={{ marginTop: 0 }}>{post.title}</h1>
        <p className="muted">
          by <span data-testid="post-author">{post.authorName}</span> ·{" "}
          <time dateTime={post.createdAt.toISOString()}>{when.format(post.createdAt)}</time>
        </p>
        <div className="reading">
          <Paragraphs text={post.body} />
        </div>
        <div className="row">
          <span data-testid="like-count">{plural(post.likeCount, "like", "likes")}</span>
          {user ? (
            <Form method="post" className="inline-form">
              <input type="hidden" name="liked" value={liked ? "false" : "true"} />
              <button
                type="submit"
                name="intent"
                value="like"
                className={liked ? "secondary" : undefined}
                aria-pressed={liked}
                disabled={liking}
              >
                {liking ? (liked ? "Unliking…" : "Liking…") : liked ? "Unlike" : "Like"}
              </button>
            </Form>
          ) : null}
        </div>
      </article>

      <section aria-labelledby="replies-title">
        <h2 id="replies-title">{plural(replies.length, "reply", "replies")}</h2>
        {replies.length === 0 ? <p className="muted">No replies yet.</p> : null}
        {replies.map((reply) => (
          <div key={reply.id} id={`reply-${reply.id}`} className="reply" data-testid="reply">
            <div className="muted">
              <strong>{reply.authorName}</strong> ·{" "}
              <time dateTime={reply.createdAt.toISOString()}>{when.format(reply.createdAt)}</time>
            </div>
            <Paragraphs text={reply.body} />
          </div>
        ))}
        {user ? (
          <ReplyForm />
        ) : (
          <p>
            <Link to={loginHref}>Log in to like and reply</Link>
          </p>
        )}
      </section>
    </>
  );
}

function ReplyForm() {
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const failed = result && "fieldErrors" in result && result.intent === "reply" ? result : undefined;
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === "reply";
  const formRef = useResetAfterSuccess(busy, failed !== undefined);
  return (
    <Form method="post" className="stack card" ref={formRef}>
      <FormErrors errors={failed?.fieldErrors._form} />
      <TextArea
        label="Your reply"
        name="body"
        maxLength={5000}
        defaultValue={failed?.values.body ?? ""}
        errors={failed?.fieldErrors.body}
      />
      <div>
        <button type="submit" name="intent" value="reply" disabled={busy}>
          {busy ? "Replying…" : "Reply"}
        </button>
      </div>
    </Form>
  );
}
