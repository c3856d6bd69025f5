import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { publishedStories } from "~/queries/index.server";
import { useOptionalUser } from "~/root";

export const meta: MetaFunction = () => [{ title: "Quill — write, read, talk" }];

export async function loader({ context }: LoaderFunctionArgs) {
  return { stories: (await publishedStories.read({}, { log: context.reads })).value };
}

export default function Home() {
  const { stories } = useLoaderData<typeof loader>();
  const user = useOptionalUser();
  return (
    <>
      <section className="card">
        <h1>Write in the studio, talk in the community</h1>
        <p>
          Authors draft stories chapter by chapter and scene by scene in the <Link to="/studio">studio</Link>; everyone
          reads what is published and talks about it in the <Link to="/community">community</Link>.
        </p>
        {user ? null : (
          <p>
            <Link to="/login">Log in</Link> to write, post, like and reply.
          </p>
        )}
      </section>
      <h2>Published stories</h2>
      {stories.length === 0 ? (
        <p className="muted">Nothing published yet.</p>
      ) : (
        <ul className="list">
          {stories.map((story) => (
            <li key={story.id}>
              <Link to={`/stories/${story.id}`}>
                <strong>{story.title}</strong>
              </Link>{" "}
              <span className="muted">by {story.authorName}</span>
              {story.summary ? <div className="muted">{story.summary}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
