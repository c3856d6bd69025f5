import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useActionData, useFetcher, useLoaderData } from "@remix-run/react";
import { getActor } from "~/auth/actor.server";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { failureFor } from "~/client/optimistic/failure";
import { inlineFailures } from "~/client/optimistic/inline-failures";
import { useOverlay } from "~/client/optimistic/useOverlay";
import { DeletedNotice } from "~/components/DeletedNotice";
import { LikeButton } from "~/components/LikeButton";
import { NewPostForm, type PendingPost } from "~/components/NewPostForm";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { done, withActionInvalidation } from "~/http/form-answer.server";
import { badIntent, handleForm, readForm } from "~/http/forms.server";
import { setLike } from "~/models/likes.server";
import { createPost } from "~/models/posts.server";
import { communityFeed, feedPageNumber, postLikedByMe } from "~/queries/index.server";
import { useOptionalUser } from "~/root";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && data.page > 1 ? `Community, page ${data.page} — Quill` : "Community — Quill" },
];

/** `?page=N`: a page number, or 1 for anything else; feedPageNumber clamps it to the last page. */
function requestedPage(value: string | null): number {
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return 1;
  return Math.max(1, Number(value.trim()));
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  const requested = requestedPage(new URL(request.url).searchParams.get("page"));
  const page = await feedPageNumber(requested, { log: context.reads });
  const { value: feed } = await communityFeed.read({ page }, { log: context.reads });
  // Which of the page's posts I like: mine alone (user-scoped entries, one batch), for the like buttons.
  const liked = actor
    ? (
        await postLikedByMe.readMany(
          feed.posts.map((post) => ({ postId: post.id })),
          { userId: actor.id, log: context.reads },
        )
      ).map((read) => read.value)
    : [];
  return data({ ...feed, liked }, { headers: actor ? PRIVATE_NO_STORE : {} });
}

export const headers: HeadersFunction = ({ loaderHeaders, actionHeaders }) =>
  withActionInvalidation(loaderHeaders, actionHeaders);

export const clientAction = inlineFailures;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/community._index");

export async function action({ request }: ActionFunctionArgs) {
  const actor = await getActor(request);
  const values = await readForm(request);
  const intent = values.intent ?? null;
  if (intent === "like") {
    // A like button of the feed: back to the same feed page without JavaScript.
    const page = requestedPage(new URL(request.url).searchParams.get("page"));
    return handleForm(request, { intent, values }, async () => {
      const postId = idParam(values.postId, "Post");
      const changed = await setLike(actor, postId, { liked: values.liked });
      return done(values, page > 1 ? `/community?page=${page}` : "/community", changed.tags, {
        ...changed.value,
        postId,
      });
    });
  }
  if (intent !== "create-post") badIntent(intent);
  return handleForm(request, { intent, values }, async () => {
    const created = await createPost(actor, { title: values.title, body: values.body });
    return done(values, "/community", created.tags, { postId: created.value.id });
  });
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

export default function Community() {
  const feed = useLoaderData<typeof loader>();
  const user = useOptionalUser();
  const pageFailure = failureFor(useActionData<typeof action>(), "create-post");
  const fetcher = useFetcher({ key: "create-post" });
  const overlay = useOverlay<PendingPost>(
    fetcher,
    (post) => feed.totalPosts > post.totalBefore && feed.posts.some((p) => p.title === post.title),
  );
  const pending = feed.page === 1 ? overlay.value : undefined;
  return (
    <>
      <div className="spread">
        <h1>Community</h1>
        {user ? null : (
          <p>
            <Link to="/login?redirectTo=/community">Log in to post</Link>
          </p>
        )}
      </div>
      <DeletedNotice />
      {user ? (
        <NewPostForm
          fetcher={feed.page === 1 ? fetcher : null}
          pending={overlay.pending}
          pageFailure={pageFailure}
          onSend={(post) => {
            // An empty field is refused by the server next to it: nothing to show meanwhile.
            if (feed.page === 1 && post.title && post.body) overlay.begin({ ...post, totalBefore: feed.totalPosts });
          }}
        />
      ) : null}

      {feed.posts.length === 0 && !pending ? (
        <p className="muted">No posts yet. Start the conversation.</p>
      ) : (
        <ol className="list" aria-label="Posts" data-testid="feed">
          {pending && user ? (
            <li data-testid="feed-item" data-pending="true" aria-busy="true">
              <h2 style={{ margin: "0 0 0.25rem", fontSize: "1.2rem" }}>{pending.title}</h2>
              <div className="muted">
                by {user.name} · <em>posting…</em>
              </div>
              <p style={{ margin: "0.35rem 0" }}>{pending.body.slice(0, 280)}</p>
            </li>
          ) : null}
          {feed.posts.map((post, index) => (
            <li key={post.id} data-testid="feed-item">
              <h2 style={{ margin: "0 0 0.25rem", fontSize: "1.2rem" }}>
                <Link to={`/community/posts/${post.id}`}>{post.title}</Link>
              </h2>
              <div className="muted">
                by {post.authorName} ·{" "}
                <time dateTime={post.createdAt.toISOString()}>{when.format(post.createdAt)}</time>
              </div>
              <p style={{ margin: "0.35rem 0" }}>
                {post.excerpt}
                {post.excerpt.length >= 280 ? "…" : ""}
              </p>
              <div className="row muted">
                <LikeButton
                  postId={post.id}
                  liked={feed.liked[index] ?? false}
                  likeCount={post.likeCount}
                  signedIn={user !== null}
                  action={feed.page > 1 ? `/community?index&page=${feed.page}` : "/community?index"}
                  title={post.title}
                />
                <span aria-hidden="true">·</span>
                <span data-testid="reply-count">{plural(post.replyCount, "reply", "replies")}</span>
              </div>
            </li>
          ))}
        </ol>
      )}

      <nav className="pager" aria-label="Pages">
        {feed.page > 1 ? (
          <Link to={feed.page === 2 ? "/community" : `/community?page=${feed.page - 1}`} rel="prev">
            ← Newer
          </Link>
        ) : null}
        <span data-testid="page-of">
          Page {feed.page} of {feed.pageCount}
        </span>
        {feed.page < feed.pageCount ? (
          <Link to={`/community?page=${feed.page + 1}`} rel="next">
            Older →
          </Link>
        ) : null}
      </nav>
    </>
  );
}
