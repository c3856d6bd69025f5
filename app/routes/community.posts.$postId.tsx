import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { getActor } from "~/auth/actor.server";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { failureFor } from "~/client/optimistic/failure";
import { inlineFailures } from "~/client/optimistic/inline-failures";
import { LikeButton } from "~/components/LikeButton";
import { Paragraphs } from "~/components/Paragraphs";
import { Replies } from "~/components/Replies";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { done, withActionInvalidation } from "~/http/form-answer.server";
import { badIntent, handleForm, readForm, rethrowForPage } from "~/http/forms.server";
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
  const pageFailure = failureFor(useActionData<typeof action>(), "reply");
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
        <LikeButton postId={post.id} liked={liked} likeCount={post.likeCount} signedIn={user !== null} />
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
