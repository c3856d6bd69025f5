import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getActor } from "~/auth/actor.server";
import { cachedClientLoader } from "~/client/cache/client-loader";
import { Paragraphs } from "~/components/Paragraphs";
import { idParam } from "~/http/api-response.server";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { rethrowForPage } from "~/http/forms.server";
import { assertReadable } from "~/models/stories.server";
import { storyReading } from "~/queries/index.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: "Story not found — Quill" }];
  const { story } = data;
  return [
    { title: `${story.status === "published" ? "" : "Draft: "}${story.title} — Quill` },
    { name: "description", content: story.summary || `A story by ${story.authorName}` },
    ...(story.status === "published" ? [] : [{ name: "robots", content: "noindex" }]),
  ];
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  let storyId: number;
  try {
    storyId = idParam(params.storyId, "Story");
  } catch (error) {
    rethrowForPage(error);
  }
  const { value: reading } = await storyReading.read({ storyId }, { log: context.reads }).catch(rethrowForPage);
  try {
    assertReadable(reading.story, actor);
  } catch (error) {
    rethrowForPage(error);
  }
  // A signed-in reader's page shows who they are (and a draft is theirs alone): never shared.
  return data(reading, { headers: actor ? PRIVATE_NO_STORE : {} });
}

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

// The browser keeps this page's data (docs/client.md): cached data at once, then fresh data.
export const clientLoader = cachedClientLoader("routes/stories.$storyId");

export default function ReadStory() {
  const { story, chapters } = useLoaderData<typeof loader>();
  const draft = story.status !== "published";
  const words = chapters.reduce((sum, c) => sum + c.scenes.reduce((s, scene) => s + scene.wordCount, 0), 0);
  const minutes = Math.max(1, Math.round(words / 230));
  return (
    <article className="story">
      {draft ? (
        <p className="card notice" role="note" data-testid="draft-preview">
          <strong>Draft preview</strong> — only you can see this story until you publish it.{" "}
          <Link to={`/studio/stories/${story.id}`}>Edit it in the studio</Link>
        </p>
      ) : null}
      <header>
        <h1>{story.title}</h1>
        <p className="muted">
          by <span data-testid="story-author">{story.authorName}</span>
          {words > 0 ? ` · ${words.toLocaleString("en")} words · about ${minutes} min read` : null}
        </p>
        {story.summary ? <p className="reading">{story.summary}</p> : null}
      </header>

      {chapters.length === 0 ? (
        <p className="muted">This story has no chapters yet.</p>
      ) : (
        <>
          {chapters.length > 1 ? (
            <nav aria-label="Contents" className="card">
              <strong>Contents</strong>
              <ol>
                {chapters.map((chapter) => (
                  <li key={chapter.id}>
                    <a href={`#chapter-${chapter.id}`}>{chapter.title}</a>
                  </li>
                ))}
              </ol>
            </nav>
          ) : null}
          {chapters.map((chapter) => (
            <section key={chapter.id} id={`chapter-${chapter.id}`} aria-labelledby={`chapter-${chapter.id}-title`}>
              <h2 id={`chapter-${chapter.id}-title`}>{chapter.title}</h2>
              {chapter.summary ? <p className="muted">{chapter.summary}</p> : null}
              {chapter.scenes.length === 0 ? <p className="muted">No scenes in this chapter yet.</p> : null}
              {chapter.scenes.map((scene) => (
                <section key={scene.id} id={`scene-${scene.id}`} className="reading" data-testid="scene">
                  {scene.title ? <h3>{scene.title}</h3> : null}
                  <Paragraphs text={scene.content} />
                </section>
              ))}
            </section>
          ))}
        </>
      )}
      <p>
        <Link to="/">← All stories</Link>
      </p>
    </article>
  );
}
