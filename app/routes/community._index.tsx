import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getActor } from "~/auth/session.server";
import { invalidationHeaders, PRIVATE_NO_STORE } from "~/cache/headers";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { FormErrors, TextArea, TextField } from "~/components/Field";
import { useResetAfterSuccess } from "~/components/useResetAfterSuccess";
import { badIntent, formValues, handleForm } from "~/lib/forms.server";
import { createPost } from "~/models/posts.server";
import { communityFeed } from "~/queries/index.server";
import { useOptionalUser } from "~/root";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && data.page > 1 ? `Community, page ${data.page} — Quill` : "Community — Quill" },
];

/** `?page=N`: a page number, or 1 for anything else; listFeed clamps it to the last page. */
function requestedPage(value: string | null): number {
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return 1;
  return Math.max(1, Number(value.trim()));
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  const page = requestedPage(new URL(request.url).searchParams.get("page"));
  const { value: feed } = await communityFeed.read({ page }, { log: context.reads });
  return data(feed, { headers: actor ? PRIVATE_NO_STORE : {} });
}

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/community._index");

export async function action({ request }: ActionFunctionArgs) {
  const actor = await getActor(request);
  const values = formValues(await request.formData());
  const intent = values.intent ?? null;
  if (intent !== "create-post") badIntent(intent);
  return handleForm(request, { intent, values }, async () => {
    const created = await createPost(actor, { title: values.title, body: values.body });
    return redirect("/community", { headers: invalidationHeaders(created.tags) });
  });
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

export default function Community() {
  const feed = useLoaderData<typeof loader>();
  const user = useOptionalUser();
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
      {user ? <NewPostForm /> : null}

      {feed.posts.length === 0 ? (
        <p className="muted">No posts yet. Start the conversation.</p>
      ) : (
        <ol className="list" aria-label="Posts" data-testid="feed">
          {feed.posts.map((post) => (
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
                <span data-testid="like-count">{plural(post.likeCount, "like", "likes")}</span>
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

function NewPostForm() {
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const failed = result && "fieldErrors" in result && result.intent === "create-post" ? result : undefined;
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === "create-post";
  const formRef = useResetAfterSuccess(busy, failed !== undefined);
  return (
    <section className="card" aria-labelledby="new-post-title">
      <h2 id="new-post-title" style={{ marginTop: 0 }}>
        New post
      </h2>
      <Form method="post" action="/community?index" className="stack" ref={formRef}>
        <FormErrors errors={failed?.fieldErrors._form} />
        <TextField
          label="Title"
          name="title"
          maxLength={200}
          defaultValue={failed?.values.title ?? ""}
          errors={failed?.fieldErrors.title}
        />
        <TextArea label="Body" name="body" defaultValue={failed?.values.body ?? ""} errors={failed?.fieldErrors.body} />
        <div>
          <button type="submit" name="intent" value="create-post" disabled={busy}>
            {busy ? "Posting…" : "Post"}
          </button>
        </div>
      </Form>
    </section>
  );
}
