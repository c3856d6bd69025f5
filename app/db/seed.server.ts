import { count, sql } from "drizzle-orm";
import { hashPassword } from "~/lib/password.server";
import { countWords } from "~/lib/word-count";
import type { Database } from "./connection.server";
import { chapters, postLikes, posts, replies, scenes, stories, users } from "./schema";

export const DEMO_PASSWORD = "password";
export const demoAccounts = [
  { email: "alice@example.com", name: "Alice", role: "author" },
  { email: "bob@example.com", name: "Bob", role: "author" },
  { email: "admin@example.com", name: "Admin", role: "admin" },
] as const;

type Progress = (line: string) => void;

/** True when the database has no users yet (a first start). */
export async function isEmpty(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users);
  return (row?.n ?? 0) === 0;
}

const lorem =
  "The lamps along the quay came on one by one while the tide turned and the gulls went quiet. " +
  "She counted the boats, lost count, and started again from the lighthouse. ";

/** The demo data: three accounts, a few stories with chapters and scenes, posts, likes and replies. */
export async function seedDemo(db: Database, progress: Progress = () => {}): Promise<void> {
  const hash = await hashPassword(DEMO_PASSWORD);
  await db.transaction(async (tx) => {
    const accounts = await tx
      .insert(users)
      .values(demoAccounts.map((a) => ({ ...a, passwordHash: hash })))
      .returning({ id: users.id, email: users.email });
    const id = (email: string) => accounts.find((a) => a.email === email)?.id ?? 0;
    const alice = id("alice@example.com");
    const bob = id("bob@example.com");

    const storyRows = await tx
      .insert(stories)
      .values([
        {
          authorId: alice,
          title: "The Lighthouse Keeper",
          summary: "A keeper counts ships that never arrive.",
          status: "published",
        },
        { authorId: alice, title: "Notes for a Winter Novel", summary: "Unfinished, on purpose.", status: "draft" },
        {
          authorId: bob,
          title: "Salt and Static",
          summary: "A radio operator hears the sea talking back.",
          status: "published",
        },
      ])
      .returning({ id: stories.id });
    for (const story of storyRows) {
      for (let c = 1; c <= 2; c++) {
        const [chapter] = await tx
          .insert(chapters)
          .values({
            storyId: story.id,
            position: c,
            title: `Chapter ${c}`,
            summary: c === 1 ? "Where it begins." : "Where it turns.",
          })
          .returning({ id: chapters.id });
        if (!chapter) continue;
        await tx.insert(scenes).values(
          [1, 2, 3].map((s) => {
            const content = lorem.repeat(s + c);
            return { chapterId: chapter.id, position: s, title: `Scene ${s}`, content, wordCount: countWords(content) };
          }),
        );
      }
    }

    const postRows = await tx
      .insert(posts)
      .values([
        { authorId: bob, title: "What are you writing this week?", body: "Share a line from your current scene." },
        { authorId: alice, title: "Outlines: friend or foe?", body: "I outline chapters but never scenes. You?" },
        { authorId: bob, title: "Favourite opening lines", body: "Post the first sentence you are proudest of." },
      ])
      .returning({ id: posts.id });
    const [first, second] = postRows;
    if (first && second) {
      await tx.insert(postLikes).values([
        { postId: first.id, userId: alice },
        { postId: second.id, userId: bob },
      ]);
      await tx.insert(replies).values([
        { postId: first.id, authorId: alice, body: "“The lamps along the quay came on one by one.”" },
        { postId: second.id, authorId: bob, body: "Foe, until the second draft." },
      ]);
    }
  });
  progress("seed: demo accounts (alice, bob, admin), 3 stories, 3 posts");
}

/**
 * SEED_SCALE=large: enough rows that an uncached page costs real database time. Built with
 * set-based SQL (generate_series) so it takes seconds, not minutes; prints a line per step.
 */
export async function seedLarge(db: Database, progress: Progress = () => {}): Promise<void> {
  const scale = {
    users: 200,
    stories: 2_000,
    chaptersPerStory: 10,
    scenesPerChapter: 10,
    posts: 5_000,
    likes: 200_000,
    replies: 20_000,
  };
  const hash = await hashPassword(DEMO_PASSWORD);
  const step = async (label: string, query: ReturnType<typeof sql>) => {
    const started = performance.now();
    await db.execute(query);
    progress(`seed large: ${label} (${Math.round(performance.now() - started)} ms)`);
  };
  await step(
    `${scale.users} writers`,
    sql`insert into users (email, name, role, password_hash)
        select 'writer' || g || '@example.com', 'Writer ' || g, 'author', ${hash}
        from generate_series(1, ${scale.users}) g`,
  );
  await step(
    `${scale.stories} stories`,
    sql`insert into stories (author_id, title, summary, status, updated_at)
        select u.id, 'Story ' || g, 'A generated story for load tests.',
               case when g % 5 = 0 then 'draft' else 'published' end,
               now() - (g || ' minutes')::interval
        from generate_series(1, ${scale.stories}) g
        join lateral (select id from users order by id offset (g % (select count(*) from users)) limit 1) u on true`,
  );
  await step(
    `${scale.stories * scale.chaptersPerStory} chapters`,
    sql`insert into chapters (story_id, position, title, summary)
        select s.id, c, 'Chapter ' || c, '' from stories s, generate_series(1, ${scale.chaptersPerStory}) c`,
  );
  await step(
    `${scale.stories * scale.chaptersPerStory * scale.scenesPerChapter} scenes`,
    sql`insert into scenes (chapter_id, position, title, content, word_count)
        select ch.id, n, 'Scene ' || n, repeat(${lorem}, 3), ${countWords(lorem.repeat(3))}
        from chapters ch, generate_series(1, ${scale.scenesPerChapter}) n`,
  );
  await step(
    `${scale.posts} posts`,
    sql`insert into posts (author_id, title, body, created_at)
        select (select min(id) from users) + (g % (select count(*) from users)), 'Post ' || g,
               'A generated post body for load tests. ' || repeat('Words, words. ', 20),
               now() - (g || ' seconds')::interval
        from generate_series(1, ${scale.posts}) g`,
  );
  await step(
    `${scale.likes} likes`,
    sql`insert into post_likes (post_id, user_id)
        select p.id, u.id from posts p cross join users u
        where (p.id * 31 + u.id * 17) % 5 = 0
        limit ${scale.likes}
        on conflict do nothing`,
  );
  await step(
    `${scale.replies} replies`,
    sql`insert into replies (post_id, author_id, body)
        select (select min(id) from posts) + (g % (select count(*) from posts)),
               (select min(id) from users) + (g % (select count(*) from users)), 'Reply ' || g
        from generate_series(1, ${scale.replies}) g`,
  );
  await db.execute(sql`analyze`);
}
