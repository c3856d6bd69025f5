import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { asc, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { type Query, queryRegistry } from "~/cache/define-query.server";
import {
  checkFreshness,
  type Freshness,
  firstDifference,
  type Outcome,
  settle,
  valueAt,
} from "~/cache/freshness.server";
import { type Changed, invalidate } from "~/cache/invalidate.server";
import { stableKey } from "~/cache/query-cache.server";
import { type CacheStatus, ReadLog } from "~/cache/read-log";
import { disconnectCacheRedis } from "~/cache/redis.server";
import { type DatabaseHandle, db, setDatabase } from "~/db/connection.server";
import { chapters, posts, replies, scenes, stories, users } from "~/db/schema";
import { seedDemo } from "~/db/seed.server";
import { hashPassword } from "~/lib/password.server";
import type { SignedIn } from "~/models/actor";
import { addChapter, deleteChapter, updateChapter } from "~/models/chapters.server";
import { setLike } from "~/models/likes.server";
import { createPost, deletePost, FEED_PAGE_SIZE, updatePost } from "~/models/posts.server";
import { addReply, deleteReply, updateReply } from "~/models/replies.server";
import { addScene, deleteScene, updateScene } from "~/models/scenes.server";
import { createStory, updateStory } from "~/models/stories.server";
import { authenticate } from "~/models/users.server";
import "~/queries/index.server";
import { enableCache } from "../support/cache";
import { testDatabases } from "../support/databases";
import {
  anonymous,
  dataUrl,
  get,
  linkedIdNear,
  linkedIds,
  type Page,
  postCounts,
  type Session,
  send,
  signIn,
  type Write,
} from "../support/http-pages";
import { type RunningServer, startServer } from "../support/server-process";

/**
 * Tag coverage: after every mutation the product has, every page a user could visit shows it.
 *
 * In this process, on PGlite (and on Postgres with DATABASE_URL), against the real Redis: for each
 * mutation (and each meaningful variant of it), every page instance — a declared query with its
 * arguments and reader, enumerated from the database — is first read through the cache until it is
 * a HIT, then the mutation runs, then every instance is read through the cache again and what Redis
 * served is compared with a fresh load from the database (checkFreshness). A page served stale
 * means the mutation's tags miss it: the failure names the mutation, the query, its arguments and
 * reader, where the value differs, and the query's tags the mutation did not purge. The lists of
 * queries and of writing model functions are checked against the code, so a new one cannot be
 * forgotten here.
 *
 * Through the routes, on a real server process: the API writes and the page actions, each followed
 * by the pages that show its data (documents and `.data`, warmed to a HIT first), and its
 * `X-Cache-Invalidate` compared with the tags the model reported.
 */

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const READ_CONCURRENCY = 8;

type AnyQuery = Query<z.ZodType, z.ZodType>;
type Args = Record<string, number | string>;

/** One page a user could visit: a declared query, its arguments, and who reads it. */
interface PageRead {
  query: AnyQuery;
  args: Args;
  userId?: number;
}

interface Served {
  status: CacheStatus | "error";
  outcome: Outcome<unknown>;
  /** Whether the answer came out of Redis (a HIT or STALE in the read's log), not from a load just now. */
  cached: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const queryNamed = (name: string): AnyQuery => {
  const query = queryRegistry.get(name);
  if (!query) throw new Error(`no declared query ${name}`);
  return query;
};

/** A tag with its ids as `ID` (`story:12:words` → `story:ID:words`): the kind the docs name. */
const tagKind = (tag: string) => tag.replace(/\d+/g, "ID");

/** The table under "What each write purges" in docs/caching.md: model function → tag kinds. */
function documentedPurges(): Record<string, string[]> {
  const doc = readFileSync(path.join(process.cwd(), "docs/caching.md"), "utf8");
  const section = doc.split(/^## What each write purges$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('docs/caching.md has no "## What each write purges" section');
  const table: Record<string, string[]> = {};
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const fn = cells[1]?.match(/^`(\w+)`$/)?.[1];
    if (!fn || cells.length < 4) continue;
    table[fn] = [...(cells[2]?.matchAll(/`([^`]+)`/g) ?? [])].map((m) => m[1] as string).sort();
  }
  return table;
}

const describeRead = (read: PageRead) =>
  `${read.query.name} ${JSON.stringify(read.args)} ${read.userId === undefined ? "(anonymous)" : `as user ${read.userId}`}`;

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Every page instance the data holds, plus the next id of each kind (a page read before it
 * exists). Studio pages are read by their author and, for every story, every chapter and the first
 * scene of each chapter, by one other user in turn (refused: 403), so that a studio value served to
 * someone else would show; a refused read is never cached, so reading more of them adds nothing.
 */
async function enumeratePages(): Promise<PageRead[]> {
  const [userRows, storyRows, chapterRows, sceneRows, postRows] = await Promise.all([
    db().select({ id: users.id }).from(users).orderBy(asc(users.id)),
    db().select({ id: stories.id, authorId: stories.authorId }).from(stories).orderBy(asc(stories.id)),
    db()
      .select({ id: chapters.id, authorId: stories.authorId })
      .from(chapters)
      .innerJoin(stories, eq(stories.id, chapters.storyId))
      .orderBy(asc(chapters.id)),
    db()
      .select({ id: scenes.id, authorId: stories.authorId, position: scenes.position })
      .from(scenes)
      .innerJoin(chapters, eq(chapters.id, scenes.chapterId))
      .innerJoin(stories, eq(stories.id, chapters.storyId))
      .orderBy(asc(scenes.id)),
    db().select({ id: posts.id }).from(posts).orderBy(asc(posts.id)),
  ]);
  const userIds = userRows.map((u) => u.id);
  /** The rows, then the next id (no author: read by the first two users). */
  const withNext = <T extends { id: number; authorId?: number }>(rows: T[]) => [
    ...rows.map((row) => ({ id: row.id, authorId: row.authorId, first: !("position" in row) || row.position === 1 })),
    { id: Math.max(0, ...rows.map((r) => r.id)) + 1, authorId: undefined, first: true },
  ];
  const reads: PageRead[] = [];
  const add = (name: string, args: Args, userId?: number) => reads.push({ query: queryNamed(name), args, userId });
  let turn = 0;
  const studio = (name: string, args: Args, { authorId, first }: { authorId?: number; first: boolean }) => {
    const others = userIds.filter((u) => u !== authorId);
    const readers = [authorId ?? userIds[0], first ? others[turn++ % others.length] : undefined];
    for (const userId of new Set(readers)) if (userId !== undefined) add(name, args, userId);
  };

  add("stories.published", {});
  for (const story of withNext(storyRows)) {
    // The reading view assembled, and its outline as an entry of its own.
    add("story.reading", { storyId: story.id });
    add("story.outline", { storyId: story.id });
    studio("studio.story", { storyId: story.id }, story);
  }
  for (const chapter of withNext(chapterRows)) studio("studio.chapter", { chapterId: chapter.id }, chapter);
  for (const scene of withNext(sceneRows)) {
    studio("studio.scene", { sceneId: scene.id }, scene);
    add("story.scene", { sceneId: scene.id });
  }
  for (const userId of userIds) {
    add("session.user", { userId }, userId);
    // No write here ends a session (tests/integration/sessions.test.ts does): a sid with no row.
    add("session.live", { sid: "no-such-session", userId }, userId);
    add("studio.stories", { authorId: userId }, userId);
  }
  const pageCount = Math.max(1, Math.ceil(postRows.length / FEED_PAGE_SIZE));
  for (let page = 1; page <= pageCount + 1; page++) {
    add("community.feed", { page });
    add("community.feed.page", { page });
  }
  for (const post of withNext(postRows)) {
    add("community.post", { postId: post.id });
    add("community.post.summary", { postId: post.id });
    for (const userId of userIds) add("community.post.liked", { postId: post.id }, userId);
  }
  return reads;
}

async function readCached(read: PageRead): Promise<Served> {
  const log = new ReadLog();
  let status: Served["status"] = "error";
  const outcome = await settle(
    read.query.read(read.args, { userId: read.userId, track: false, log }).then((result) => {
      status = result.status;
      return result.value as unknown;
    }),
  );
  return { status, outcome, cached: log.reads.some((r) => r.status === "hit" || r.status === "stale") };
}

// ---------------------------------------------------------------------------------------------
// Every mutation: the model functions that write, and the variants of each that the test runs.

interface Actors {
  alice: SignedIn;
  bob: SignedIn;
  admin: SignedIn;
  carol: SignedIn;
}

/** Who writes, and the stories the variants work on (by id: titles change on the way). */
interface World extends Actors {
  lighthouse: number;
  winter: number;
  salt: number;
  tidelines: number;
}

interface Mutation {
  /** The exported model function it calls. */
  fn: string;
  /** What this variant does, for people. */
  what: string;
  /** False when no page that existed before shows the change (a new user has no pages yet). */
  visible?: boolean;
  run(world: World): Promise<Changed<unknown>>;
}

const one = async <T>(rows: Promise<T[]>, what: string): Promise<T> => {
  const [row] = await rows;
  if (row === undefined) throw new Error(`test data: no ${what}`);
  return row;
};
const storyTitled = (title: string) =>
  one(db().select().from(stories).where(eq(stories.title, title)).limit(1), `story "${title}"`).then((s) => s.id);
const chaptersOf = (storyId: number) =>
  db().select().from(chapters).where(eq(chapters.storyId, storyId)).orderBy(asc(chapters.position));
const scenesOf = (chapterId: number) =>
  db().select().from(scenes).where(eq(scenes.chapterId, chapterId)).orderBy(asc(scenes.position));
const at = <T>(list: T[], index: number, what: string): T => {
  const item = list.at(index);
  if (item === undefined) throw new Error(`test data: no ${what} at ${index}`);
  return item;
};
const chapterOf = async (storyId: number, index: number) =>
  at(await chaptersOf(storyId), index, `chapter of story ${storyId}`);
const sceneOf = async (storyId: number, chapterIndex: number, index: number) =>
  at(await scenesOf((await chapterOf(storyId, chapterIndex)).id), index, `scene of story ${storyId}`);
/** The posts as the feed lists them (newest first): index 0 is on page 1, index 20 on page 2. */
const feedPost = async (index: number) =>
  at(await db().select().from(posts).orderBy(desc(posts.createdAt), desc(posts.id)), index, "post").id;
/** The newest post, or reply, of a user. */
const postBy = async (authorId: number) =>
  (
    await one(
      db().select().from(posts).where(eq(posts.authorId, authorId)).orderBy(desc(posts.createdAt), desc(posts.id)),
      `post by user ${authorId}`,
    )
  ).id;
const replyBy = async (authorId: number) =>
  (
    await one(
      db().select().from(replies).where(eq(replies.authorId, authorId)).orderBy(desc(replies.id)),
      `reply by user ${authorId}`,
    )
  ).id;

const mutations: Mutation[] = [
  {
    fn: "createStory",
    what: "create a story",
    run: (a) => createStory(a.alice, { title: "Fresh Ink", summary: "New." }),
  },
  {
    fn: "updateStory",
    what: "rename a published story",
    run: async (a) => updateStory(a.alice, a.lighthouse, { title: "The Lighthouse Keeper (revised)" }),
  },
  {
    fn: "updateStory",
    what: "change a story's summary only",
    run: async (a) => updateStory(a.alice, a.lighthouse, { summary: "Ships." }),
  },
  {
    fn: "updateStory",
    what: "publish a draft",
    run: async (a) => updateStory(a.alice, a.winter, { status: "published" }),
  },
  {
    fn: "updateStory",
    what: "unpublish a story",
    run: async (a) => updateStory(a.alice, a.winter, { status: "draft" }),
  },
  {
    fn: "updateStory",
    what: "a second author renames and unpublishes his story",
    run: async (a) => updateStory(a.bob, a.salt, { title: "Salt, Static", status: "draft" }),
  },
  {
    fn: "addChapter",
    what: "add a chapter",
    run: async (a) => addChapter(a.alice, a.winter, { title: "Chapter 3", summary: "Where it ends." }),
  },
  {
    fn: "updateChapter",
    what: "rename a chapter",
    run: async (a) => updateChapter(a.alice, (await chapterOf(a.winter, 0)).id, { title: "Opening" }),
  },
  {
    fn: "updateChapter",
    what: "change a chapter's summary only",
    run: async (a) => updateChapter(a.alice, (await chapterOf(a.winter, 1)).id, { summary: "A turn." }),
  },
  {
    fn: "updateChapter",
    what: "move a chapter down",
    run: async (a) => updateChapter(a.alice, (await chapterOf(a.winter, 0)).id, { position: 2 }),
  },
  {
    fn: "updateChapter",
    what: "move a chapter up",
    run: async (a) => updateChapter(a.alice, (await chapterOf(a.winter, -1)).id, { position: 1 }),
  },
  {
    fn: "deleteChapter",
    what: "delete a chapter with scenes (not the last)",
    run: async (a) => deleteChapter(a.alice, (await chapterOf(a.winter, 1)).id),
  },
  {
    fn: "addScene",
    what: "add a scene",
    run: async (a) => addScene(a.alice, (await chapterOf(a.lighthouse, 0)).id, { title: "Scene 4", content: "Fog." }),
  },
  {
    fn: "addScene",
    what: "a second author adds a scene to an empty chapter",
    run: async (a) => addScene(a.bob, (await chapterOf(a.tidelines, 1)).id, { title: "First", content: "Low tide." }),
  },
  {
    fn: "updateScene",
    what: "save a scene's text only (autosave)",
    run: async (a) => updateScene(a.alice, (await sceneOf(a.lighthouse, 0, 1)).id, { content: "Autosaved words." }),
  },
  {
    fn: "updateScene",
    what: "rename a scene",
    run: async (a) => updateScene(a.alice, (await sceneOf(a.lighthouse, 0, 1)).id, { title: "The Middle" }),
  },
  {
    fn: "updateScene",
    what: "move a scene up",
    run: async (a) => updateScene(a.alice, (await sceneOf(a.lighthouse, 0, -1)).id, { position: 1 }),
  },
  {
    fn: "updateScene",
    what: "move a scene down",
    run: async (a) => updateScene(a.alice, (await sceneOf(a.lighthouse, 0, 0)).id, { position: 3 }),
  },
  {
    fn: "deleteScene",
    what: "delete a scene in the middle of its chapter",
    run: async (a) => deleteScene(a.alice, (await sceneOf(a.lighthouse, 0, 1)).id),
  },
  {
    fn: "createPost",
    what: "create a post (every feed page shifts)",
    run: (a) => createPost(a.carol, { title: "Carol's first post", body: "Hello, everyone." }),
  },
  {
    fn: "setLike",
    what: "like a post",
    run: async (a) => setLike(a.bob, await feedPost(0), { liked: true }),
  },
  {
    fn: "setLike",
    what: "unlike a post",
    run: async (a) => setLike(a.bob, await feedPost(0), { liked: false }),
  },
  {
    fn: "setLike",
    what: "a second user toggles a like on the feed's second page",
    run: async (a) => setLike(a.carol, await feedPost(FEED_PAGE_SIZE + 1), {}),
  },
  {
    fn: "addReply",
    what: "reply to a post",
    run: async (a) => addReply(a.admin, await feedPost(2), { body: "Agreed, mostly." }),
  },
  {
    fn: "updatePost",
    what: "edit one's own post (title and body)",
    run: async (a) => updatePost(a.alice, await postBy(a.alice.id), { title: "Retitled", body: "Rewritten body." }),
  },
  {
    fn: "updateReply",
    what: "edit one's own reply",
    run: async (a) => updateReply(a.carol, await replyBy(a.carol.id), { body: "On second thought." }),
  },
  {
    fn: "deleteReply",
    what: "delete one's own reply",
    run: async (a) => deleteReply(a.carol, await replyBy(a.carol.id)),
  },
  {
    fn: "deletePost",
    what: "delete one's own post (every feed page shifts)",
    run: async (a) => deletePost(a.carol, await postBy(a.carol.id)),
  },
];

/**
 * The exported model functions that write: those that call commitChange or write to the database
 * themselves, directly or through a function of the models that does. Helpers that take the
 * caller's transaction (`tx: Transaction`) run inside someone's commitChange and are not counted.
 */
function modelWriters(): string[] {
  const dir = path.resolve("app/models");
  const functions: { name: string; exported: boolean; signature: string; body: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const lines = readFileSync(path.join(dir, file), "utf8").split("\n");
    lines.forEach((line, start) => {
      const match =
        /^(export\s+)?(?:async\s+)?function\s+(\w+)/.exec(line) ??
        /^(export\s+)?const\s+(\w+)\s*=\s*(?:async\b|\(|function\b)/.exec(line);
      if (!match?.[2]) return;
      // A top-level declaration ends at the next line that starts in column 0 (its closing brace).
      const next = lines.findIndex((l, i) => i > start && /^[^\s)]/.test(l));
      const end = next === -1 ? lines.length : /^\}/.test(lines[next] ?? "") ? next + 1 : next;
      const text = lines.slice(start, end).join("\n");
      const open = text.search(/\)\s*(?::[^={]+)?(?:\{|=>)/);
      functions.push({
        name: match[2],
        exported: Boolean(match[1]),
        signature: open === -1 ? text : text.slice(0, open),
        body: open === -1 ? "" : text.slice(open),
      });
    });
  }
  const writes = (body: string) =>
    /\bcommitChange\(/.test(body) || /\b(?:db\(\)|tx)\s*\.\s*(?:insert|update|delete)\(/.test(body);
  const inCallersTransaction = (f: { signature: string }) => /\btx:\s*Transaction\b/.test(f.signature);
  const writers = new Set(functions.filter((f) => !inCallersTransaction(f) && writes(f.body)).map((f) => f.name));
  for (let grew = true; grew; ) {
    grew = false;
    for (const f of functions) {
      if (writers.has(f.name) || inCallersTransaction(f)) continue;
      if ([...writers].some((w) => new RegExp(`\\b${w}\\(`).test(f.body))) {
        writers.add(f.name);
        grew = true;
      }
    }
  }
  return functions.filter((f) => f.exported && writers.has(f.name)).map((f) => f.name);
}

// ---------------------------------------------------------------------------------------------

interface Stale {
  mutation: string;
  purged: string[];
  read: PageRead;
  status: Served["status"];
  difference: Extract<Freshness<unknown, unknown>, { fresh: false }>;
}

const short = (value: unknown) => {
  const text = value instanceof Date ? value.toISOString() : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};
const outcomeAt = (outcome: Outcome<unknown>, at: string) =>
  outcome.ok ? short(valueAt(outcome.value, at)) : `throws ${outcome.error}`;

const BEFORE_ANY_WRITE = "(before any write)";

function describeStale(stale: Stale): string {
  const { difference: d, read, purged } = stale;
  const missing = d.tags.filter((t) => !purged.includes(t));
  const why =
    missing.length > 0
      ? `its tags [${d.tags.join(", ")}]; not purged: ${missing.join(", ")}`
      : `all its tags [${d.tags.join(", ")}] were purged, yet it was served stale (${stale.status}): ` +
        "its key leaves out something the value depends on (scope?)";
  return (
    `  ${describeRead(read)} — ${stale.status}, differs at ${d.path === "" ? "(the whole value)" : d.path}: ` +
    `served ${outcomeAt(d.served, d.path)}, database ${outcomeAt(d.current, d.path)}` +
    (stale.mutation === BEFORE_ANY_WRITE ? "" : `\n    ${why}`)
  );
}

function report(stale: Stale[]): string {
  const byMutation = new Map<string, Stale[]>();
  for (const s of stale) byMutation.set(s.mutation, [...(byMutation.get(s.mutation) ?? []), s]);
  const parts = [...byMutation].map(([mutation, list]) => {
    const purged = list[0]?.purged ?? [];
    const lines = list.slice(0, 12).map(describeStale);
    if (list.length > 12) lines.push(`  … and ${list.length - 12} more`);
    const head =
      mutation === BEFORE_ANY_WRITE
        ? `Before any write, ${list.length} page(s) served a value that is not the database's: a value loaded ` +
          "for another reader (or other arguments), so the key leaves out something the value depends on " +
          `(scope of ${[...new Set(list.map((s) => `${s.read.query.name}: ${s.read.query.scope}`))].join(", ")}?)`
        : `${mutation} purged [${purged.join(", ")}], and left ${list.length} page(s) stale:`;
    return `${head}\n${lines.join("\n")}`;
  });
  return `Pages served stale (what Redis served differs from the database):\n\n${parts.join("\n\n")}`;
}

const keyOf = (read: PageRead) => `${read.query.name} ${stableKey(read.args)} ${read.userId ?? "-"}`;

/**
 * Reads every page until it is a cached HIT; returns what each served. `last` holds what each page
 * served at the previous check, with no write since: a HIT then is a HIT now, and a refused read
 * (403, 404: never cached) is refused again, so those are not read again.
 */
async function warm(pages: PageRead[], last: Map<string, Served>, problems: string[]): Promise<Served[]> {
  return mapLimit(pages, READ_CONCURRENCY, async (page) => {
    const previous = last.get(keyOf(page));
    let served = previous?.status === "hit" || previous?.status === "error" ? previous : await readCached(page);
    // A MISS is stored as it is served; a STALE entry (past its fresh time on a slow run) is
    // refreshed in the background, which must be done before the write, or it could hide a stale page.
    for (let tries = 0; served.status === "miss" || served.status === "stale"; tries++) {
      if (tries === 40) {
        problems.push(`${describeRead(page)}: read until it is a HIT, it stayed ${served.status}`);
        break;
      }
      if (served.status === "stale") await sleep(25);
      served = await readCached(page);
    }
    return served;
  });
}

/**
 * Reads every page through the cache and compares what Redis served with the database. An answer
 * that did not come out of Redis (a MISS, or a refusal: 403 and 404 are never cached) was loaded
 * after the write, so it is fresh by construction and needs no second load; the keys themselves
 * (scope) are checked by the comparison of every HIT, before any write and after each.
 */
async function checkPages(pages: PageRead[], mutation: string, purged: string[]) {
  const checked = await mapLimit(pages, READ_CONCURRENCY, async (read) => {
    const served = await readCached(read);
    const difference = served.cached
      ? await checkFreshness(read.query.spec, read.args, served.outcome, { userId: read.userId })
      : ({ fresh: true } as const);
    const stale: Stale[] = difference.fresh ? [] : [{ mutation, purged, read, status: served.status, difference }];
    return { served, stale };
  });
  const stale = checked.flatMap((c) => c.stale);
  // The next variant starts from a correct cache: a page left stale here must not hide (or fake) its results.
  await invalidate(
    stale.flatMap((s) => s.difference.tags),
    { reason: "tag-coverage: drop what was found stale" },
  );
  const served = new Map(pages.map((page, i) => [keyOf(page), checked[i]?.served as Served]));
  for (const s of stale) served.delete(keyOf(s.read));
  return { served, stale };
}

const outcomesDiffer = (a: Outcome<unknown>, b: Outcome<unknown>) =>
  a.ok && b.ok ? firstDifference(a.value, b.value) !== null : a.ok !== b.ok || (!a.ok && !b.ok && a.error !== b.error);

describe.each(testDatabases)("tag coverage on $name", (target) => {
  let handle: DatabaseHandle;
  let world: World;

  beforeAll(async () => {
    handle = await target.open();
    setDatabase(handle);
    await seedDemo(handle.db);
    await enableCache(handle, redisUrl);
    const signIn = async (email: string) => {
      const user = await authenticate({ email, password: "password" });
      if (!user) throw new Error(`no user ${email}`);
      return user;
    };
    // A fourth user, as the seed writes users (no model function creates one).
    await db()
      .insert(users)
      .values({
        email: "carol@example.com",
        name: "Carol",
        role: "author",
        passwordHash: await hashPassword("password"),
      });
    const actors: Actors = {
      alice: await signIn("alice@example.com"),
      bob: await signIn("bob@example.com"),
      admin: await signIn("admin@example.com"),
      carol: await signIn("carol@example.com"),
    };
    const { alice, bob, admin, carol } = actors;
    // A second story of Bob's, a draft, with a chapter of scenes and an empty chapter.
    const tidelines = (await createStory(bob, { title: "Tidelines", summary: "Draft." })).value.id;
    const full = (await addChapter(bob, tidelines, { title: "High water" })).value.id;
    await addChapter(bob, tidelines, { title: "Empty for now" });
    for (const title of ["Flood", "Ebb"]) await addScene(bob, full, { title, content: `${title}, in words.` });
    // Enough posts for a second feed page, by several users, with likes and replies by several.
    const writers = [alice, bob, carol, admin];
    for (let i = 1; i <= FEED_PAGE_SIZE + 2; i++) {
      await createPost(writers[i % writers.length] as SignedIn, { title: `Post ${i}`, body: `Body of post ${i}.` });
    }
    const postIds = (await db().select({ id: posts.id }).from(posts)).map((p) => p.id);
    for (const [i, postId] of postIds.entries()) {
      if (i % 3 === 0) await setLike(carol, postId, { liked: true });
      if (i % 4 === 0) await setLike(bob, postId, { liked: true });
      if (i % 5 === 0) await addReply(carol, postId, { body: `A reply to ${postId}.` });
    }
    world = {
      ...actors,
      lighthouse: await storyTitled("The Lighthouse Keeper"),
      winter: await storyTitled("Notes for a Winter Novel"),
      salt: await storyTitled("Salt and Static"),
      tidelines,
    };
  }, 90_000);

  afterAll(async () => {
    setDatabase(undefined);
    await handle?.close();
  });

  it("enumerates every page of every declared query, from the database", async () => {
    const pages = await enumeratePages();
    const counts = new Map<string, number>();
    for (const page of pages) counts.set(page.query.name, (counts.get(page.query.name) ?? 0) + 1);
    for (const name of queryRegistry.keys()) expect(counts.get(name) ?? 0, `pages of ${name}`).toBeGreaterThan(0);
    expect([...counts.keys()].sort(), "queries enumerated vs declared").toEqual([...queryRegistry.keys()].sort());
    expect(counts.get("community.feed"), "feed pages (two, and one past the end)").toBeGreaterThanOrEqual(3);
  });

  it("has a variant for every model function that writes", () => {
    const writers = modelWriters();
    expect(writers.length).toBeGreaterThan(5);
    const covered = new Set(mutations.map((m) => m.fn));
    expect(
      writers.filter((w) => !covered.has(w)),
      "model functions that write but have no variant here: add one to `mutations`",
    ).toEqual([]);
    expect(
      [...covered].filter((fn) => !writers.includes(fn)),
      "variants of functions that do not write",
    ).toEqual([]);
  });

  it("shows every mutation on every page at once (no page is served stale)", async () => {
    const stale: Stale[] = [];
    const problems: string[] = [];
    // Before any write, every cached page must already equal the database (keys, scopes).
    const initial = await enumeratePages();
    await warm(initial, new Map(), problems);
    let last = await checkPages(initial, BEFORE_ANY_WRITE, []);
    if (last.stale.length > 0) {
      expect.fail(`${report(last.stale)}\n\n(The writes were not tried: with wrong keys, every one would look stale.)`);
    }

    const purgedKinds = new Map<string, Set<string>>();
    for (const mutation of mutations) {
      const label = `${mutation.fn}: ${mutation.what}`;
      const pages = await enumeratePages();
      const before = await warm(pages, last.served, problems);
      const change = await mutation.run(world);
      const kinds = purgedKinds.get(mutation.fn) ?? new Set();
      for (const tag of change.tags) kinds.add(tagKind(tag));
      purgedKinds.set(mutation.fn, kinds);
      last = await checkPages(pages, label, [...new Set(change.tags)]);
      stale.push(...last.stale);
      // The variant must change something a page shows, or it tests nothing.
      const changed = pages.filter((page, i) => {
        const [a, b] = [before[i]?.outcome, last.served.get(keyOf(page))?.outcome];
        return a !== undefined && b !== undefined && outcomesDiffer(a, b);
      });
      if (changed.length === 0 && mutation.visible !== false)
        problems.push(`${label}: changed no page (tests nothing)`);
    }
    expect(problems, problems.join("\n")).toEqual([]);
    if (stale.length > 0) expect.fail(report(stale));
    // docs/caching.md's table of what each write purges is what the code purged, no more, no less.
    const observed = Object.fromEntries([...purgedKinds].map(([fn, kinds]) => [fn, [...kinds].sort()]));
    expect(observed, "docs/caching.md#what-each-write-purges vs the tags the writes reported").toEqual(
      documentedPurges(),
    );
  }, 180_000);
});

// ---------------------------------------------------------------------------------------------
// Through the routes: the same writes as the API and the page actions make them, on the real server.

interface PageCheck {
  path: string;
  as: Session;
  /** The document's status after the write (default 200). */
  status?: number;
  /** Text the document and its `.data` must show, or must no longer show. */
  shows?: string[];
  hides?: string[];
  /** Links (`/studio/scenes/3`) the document must have, or must no longer have. */
  links?: string[];
  unlinks?: string[];
  /** Two fragments of the document, in this order. */
  order?: [string, string];
  /** The like and reply counts of the post page (or of the post's item on the feed: `post`). */
  counts?: { post?: number; likes?: number; replies?: number };
  /** Whether the like button is pressed. */
  pressed?: boolean;
}

interface RouteWrite {
  what: string;
  /** The commitChange reason the server logs with the tags the model reported. */
  reason: string;
  send(): Promise<Write>;
  pages: PageCheck[];
}

const ROUTE_PAGE_CONCURRENCY = 4;

/** What a page shows that it should not, after the write (empty: all is well). */
function complaints(check: PageCheck, doc: Page, data: Page): string[] {
  const found: string[] = [];
  const where = `${check.path} as ${check.as.name}`;
  if (doc.status !== (check.status ?? 200))
    found.push(`${where}: status ${doc.status}, expected ${check.status ?? 200}`);
  for (const text of check.shows ?? []) {
    if (!doc.body.includes(text)) found.push(`${where}: does not show "${text}"`);
    if (!data.body.includes(text)) found.push(`${dataUrl(check.path)} as ${check.as.name}: does not hold "${text}"`);
  }
  for (const text of check.hides ?? []) {
    if (doc.body.includes(text)) found.push(`${where}: still shows "${text}"`);
    if (data.body.includes(text)) found.push(`${dataUrl(check.path)} as ${check.as.name}: still holds "${text}"`);
  }
  for (const link of check.links ?? []) {
    if (!doc.body.includes(`href="${link}"`)) found.push(`${where}: no link to ${link}`);
  }
  for (const link of check.unlinks ?? []) {
    if (doc.body.includes(`href="${link}"`)) found.push(`${where}: still links to ${link}`);
  }
  if (check.order) {
    const [first, second] = check.order.map((text) => doc.body.indexOf(text));
    if (first === undefined || second === undefined || first < 0 || second < 0 || first > second) {
      found.push(`${where}: "${check.order[0]}" should come before "${check.order[1]}"`);
    }
  }
  if (check.counts) {
    const { post, ...expected } = check.counts;
    const shown = postCounts(doc.body, post);
    for (const [kind, n] of Object.entries(expected)) {
      const got = shown[kind as keyof typeof shown];
      if (got !== n) found.push(`${where}: shows ${got} ${kind}${post ? ` for post ${post}` : ""}, expected ${n}`);
    }
  }
  if (check.pressed !== undefined && !doc.body.includes(`aria-pressed="${check.pressed}"`)) {
    found.push(`${where}: the like button is not ${check.pressed ? "pressed" : "released"}`);
  }
  return found;
}

/** The tags of the server's `invalidate` log lines with this reason (debug level), in order. */
function loggedPurges(output: string, reason: string): string[][] {
  const purges: string[][] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{") || !line.includes('"invalidate"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; reason?: string; tags?: string[] };
      if (entry.msg === "invalidate" && entry.reason === reason && entry.tags) purges.push(entry.tags);
    } catch {
      // A line cut by the buffer: not ours.
    }
  }
  return purges;
}

/**
 * One write through a route: warm its pages (documents and `.data`, a HIT on the second read), send
 * it, check its `X-Cache-Invalidate` against the tags the model reported (the server's log), then
 * read the pages again and check they show the write.
 */
async function routeWrite(server: RunningServer, write: RouteWrite): Promise<string[]> {
  const found: string[] = [];
  const views = write.pages.flatMap((check) => [
    { check, path: check.path },
    { check, path: dataUrl(check.path) },
  ]);
  await mapLimit(views, ROUTE_PAGE_CONCURRENCY, async ({ check, path: url }) => {
    // A MISS is a HIT on the next read; a STALE page (a slow run) once its background refresh is done.
    let page = await get(server.url, url, check.as);
    for (let tries = 0; page.status === 200 && page.cache !== "HIT"; tries++) {
      if (tries === 40) {
        found.push(`${url} as ${check.as.name}: read until it is a HIT before the write, it stayed ${page.cache}`);
        break;
      }
      if (page.cache === "STALE") await sleep(25);
      page = await get(server.url, url, check.as);
    }
  });
  const logged = loggedPurges(server.output(), write.reason).length;
  const sent = await write.send();
  if (sent.status >= 400) return [...found, `the write answered ${sent.status}: ${JSON.stringify(sent.json)}`];
  let reported: string[] | undefined;
  // The log line can trail the response on a loaded machine.
  for (const deadline = Date.now() + 10_000; !reported && Date.now() < deadline; ) {
    reported = loggedPurges(server.output(), write.reason)[logged];
    if (!reported) await sleep(20);
  }
  const header = [...sent.tags].sort().join(", ");
  if (!reported) found.push(`the server logged no purge "${write.reason}" (X-Cache-Invalidate: ${header})`);
  else if ([...new Set(reported)].sort().join(", ") !== header) {
    found.push(`X-Cache-Invalidate [${header}] is not what the model purged [${[...reported].sort().join(", ")}]`);
  }
  const after = await mapLimit(write.pages, ROUTE_PAGE_CONCURRENCY, async (check) => {
    const [doc, data] = await Promise.all([
      get(server.url, check.path, check.as),
      get(server.url, dataUrl(check.path), check.as),
    ]);
    return complaints(check, doc, data);
  });
  return [...found, ...after.flat()];
}

/** Signs in, finds the demo data's ids in the pages, and lists the writes with what each must show. */
async function routeWrites(server: RunningServer): Promise<RouteWrite[]> {
  const url = server.url;
  const [alice, bob] = await Promise.all([
    signIn(url, "alice@example.com", "alice"),
    signIn(url, "bob@example.com", "bob"),
  ]);
  const anon = anonymous;
  const story = linkedIdNear((await get(url, "/", anon)).body, "/stories/", "The Lighthouse Keeper");
  const [chapter1, chapter2] = linkedIds((await get(url, `/studio/stories/${story}`, alice)).body, "/studio/chapters/");
  const [scene1, scene2, scene3] = linkedIds(
    (await get(url, `/studio/chapters/${chapter1}`, alice)).body,
    "/studio/scenes/",
  );
  const [post] = linkedIds((await get(url, "/community", anon)).body, "/community/posts/");
  if (!chapter1 || !chapter2 || !scene1 || !scene2 || !scene3 || !post) {
    throw new Error(
      `demo data not found: ${JSON.stringify({ story, chapter1, chapter2, scene1, scene2, scene3, post })}`,
    );
  }
  const before = postCounts((await get(url, `/community/posts/${post}`, anon)).body);
  const likes = before.likes ?? 0;
  const replies = before.replies ?? 0;
  const mark = (() => {
    const run = Math.random().toString(36).slice(2, 7);
    let n = 0;
    return () => `mk${run}x${++n}`;
  })();
  const text1 = mark();
  const title2 = mark();
  const chapterTitle = mark();
  const storyTitle = mark();
  const postTitle = mark();
  const reply1 = mark();
  const newChapter = mark();
  const chapterTitle2 = mark();
  const newScene = mark();
  const text3 = mark();
  const storyTitle2 = mark();
  const newStory = mark();
  const postTitle2 = mark();
  const reply2 = mark();
  const postTitle3 = mark();
  const patch = (path: string, as: Session, json: Record<string, unknown>) => () =>
    send(url, "PATCH", path, as, { json });
  const post_ =
    (path: string, as: Session, body: { json: Record<string, unknown> } | { form: Record<string, string> }) => () =>
      send(url, "POST", path, as, body);
  const reading = `/stories/${story}`;
  const studioStory = `/studio/stories/${story}`;
  const studioChapter = `/studio/chapters/${chapter1}`;
  const sceneLink = (id: number) => `/studio/scenes/${id}`;
  const postPage = `/community/posts/${post}`;

  return [
    {
      what: "PATCH /studio/api/scenes/:id (text only: an autosave)",
      reason: "scene.save",
      send: patch(`/studio/api/scenes/${scene1}`, alice, { content: `Words ${text1}.` }),
      pages: [
        { path: reading, as: anon, shows: [text1] },
        { path: sceneLink(scene1), as: alice, shows: [text1] },
      ],
    },
    {
      what: "PATCH /studio/api/scenes/:id (title)",
      reason: "scene.update",
      send: patch(`/studio/api/scenes/${scene2}`, alice, { title: `Title ${title2}` }),
      pages: [
        { path: reading, as: anon, shows: [title2] },
        { path: studioChapter, as: alice, shows: [title2] },
        { path: sceneLink(scene1), as: alice, shows: [title2] },
        { path: sceneLink(scene3), as: alice, shows: [title2] },
      ],
    },
    {
      what: "PATCH /studio/api/chapters/:id (title)",
      reason: "chapter.update",
      send: patch(`/studio/api/chapters/${chapter1}`, alice, { title: `Chapter ${chapterTitle}` }),
      pages: [
        { path: reading, as: anon, shows: [chapterTitle] },
        { path: studioStory, as: alice, shows: [chapterTitle] },
        { path: studioChapter, as: alice, shows: [chapterTitle] },
        { path: sceneLink(scene2), as: alice, shows: [chapterTitle] },
      ],
    },
    {
      what: "PATCH /studio/api/stories/:id/write (title)",
      reason: "story.update",
      send: patch(`/studio/api/stories/${story}/write`, alice, { title: `Story ${storyTitle}` }),
      pages: [
        { path: "/", as: anon, shows: [storyTitle] },
        { path: reading, as: anon, shows: [storyTitle] },
        { path: "/studio", as: alice, shows: [storyTitle] },
        { path: studioStory, as: alice, shows: [storyTitle] },
        { path: studioChapter, as: alice, shows: [storyTitle] },
        { path: sceneLink(scene2), as: alice, shows: [storyTitle] },
      ],
    },
    {
      what: "PATCH /studio/api/stories/:id/write (unpublish)",
      reason: "story.update",
      send: patch(`/studio/api/stories/${story}/write`, alice, { status: "draft" }),
      pages: [
        { path: "/", as: anon, hides: [storyTitle] },
        { path: reading, as: anon, status: 404 },
        { path: reading, as: alice, shows: [storyTitle] },
      ],
    },
    {
      what: "PATCH /studio/api/stories/:id/write (publish)",
      reason: "story.update",
      send: patch(`/studio/api/stories/${story}/write`, alice, { status: "published" }),
      pages: [
        { path: "/", as: anon, shows: [storyTitle] },
        { path: reading, as: anon, shows: [storyTitle] },
      ],
    },
    {
      what: "DELETE /studio/api/scenes/:id",
      reason: "scene.delete",
      send: () => send(url, "DELETE", `/studio/api/scenes/${scene1}`, alice),
      pages: [
        { path: reading, as: anon, hides: [text1] },
        { path: studioChapter, as: alice, unlinks: [sceneLink(scene1)] },
        { path: sceneLink(scene2), as: alice, unlinks: [sceneLink(scene1)] },
        { path: sceneLink(scene1), as: alice, status: 404 },
      ],
    },
    {
      what: "POST /community/api/posts",
      reason: "post.create",
      send: post_("/community/api/posts", bob, { json: { title: `Post ${postTitle}`, body: "Hello." } }),
      pages: [
        { path: "/community", as: anon, shows: [postTitle] },
        { path: "/community", as: alice, shows: [postTitle] },
      ],
    },
    {
      what: "PATCH /community/api/posts/:postId (one's own post)",
      reason: "post.update",
      send: async () => {
        const mine = linkedIdNear((await get(url, "/community", bob)).body, "/community/posts/", postTitle);
        return send(url, "PATCH", `/community/api/posts/${mine}`, bob, { json: { title: `Post ${postTitle3}` } });
      },
      pages: [
        { path: "/community", as: anon, shows: [postTitle3], hides: [postTitle] },
        { path: "/community", as: alice, shows: [postTitle3] },
      ],
    },
    {
      what: "DELETE /community/api/posts/:postId (one's own post)",
      reason: "post.delete",
      send: async () => {
        const mine = linkedIdNear((await get(url, "/community", bob)).body, "/community/posts/", postTitle3);
        return send(url, "DELETE", `/community/api/posts/${mine}`, bob);
      },
      pages: [
        { path: "/community", as: anon, hides: [postTitle3] },
        { path: "/community", as: alice, hides: [postTitle3] },
      ],
    },
    {
      what: "POST /community/api/posts/:id/like (like)",
      reason: "like.set",
      send: post_(`/community/api/posts/${post}/like`, alice, { json: { liked: true } }),
      pages: [
        { path: postPage, as: alice, counts: { likes: likes + 1 }, pressed: true },
        { path: postPage, as: bob, counts: { likes: likes + 1 }, pressed: false },
        { path: "/community", as: anon, counts: { post, likes: likes + 1 } },
      ],
    },
    {
      what: "POST /community/api/posts/:id/like (unlike)",
      reason: "like.set",
      send: post_(`/community/api/posts/${post}/like`, alice, { json: { liked: false } }),
      pages: [
        { path: postPage, as: alice, counts: { likes }, pressed: false },
        { path: "/community", as: anon, counts: { post, likes } },
      ],
    },
    {
      what: "POST /community/api/posts/:id/replies",
      reason: "reply.add",
      send: post_(`/community/api/posts/${post}/replies`, bob, { json: { body: `Reply ${reply1}` } }),
      pages: [
        { path: postPage, as: anon, shows: [reply1] },
        { path: postPage, as: alice, shows: [reply1] },
        { path: "/community", as: anon, counts: { post, replies: replies + 1 } },
      ],
    },
    {
      what: "POST /studio/stories/:id intent=add-chapter",
      reason: "chapter.add",
      send: post_(studioStory, alice, { form: { intent: "add-chapter", title: `Chapter ${newChapter}`, summary: "" } }),
      pages: [
        { path: studioStory, as: alice, shows: [newChapter] },
        { path: reading, as: anon, shows: [newChapter] },
      ],
    },
    {
      what: "POST /studio/stories/:id intent=move-chapter",
      reason: "chapter.update",
      send: post_(studioStory, alice, { form: { intent: "move-chapter", chapterId: String(chapter2), position: "1" } }),
      pages: [
        { path: studioStory, as: alice, order: [`/studio/chapters/${chapter2}"`, `/studio/chapters/${chapter1}"`] },
        { path: reading, as: anon, order: [`id="chapter-${chapter2}"`, `id="chapter-${chapter1}"`] },
      ],
    },
    {
      what: "POST /studio/chapters/:id intent=update-chapter",
      reason: "chapter.update",
      send: post_(studioChapter, alice, {
        form: { intent: "update-chapter", title: `Chapter ${chapterTitle2}`, summary: "Changed." },
      }),
      pages: [
        { path: studioChapter, as: alice, shows: [chapterTitle2] },
        { path: studioStory, as: alice, shows: [chapterTitle2] },
        { path: sceneLink(scene2), as: alice, shows: [chapterTitle2] },
        { path: reading, as: anon, shows: [chapterTitle2] },
      ],
    },
    {
      what: "POST /studio/chapters/:id intent=add-scene",
      reason: "scene.add",
      send: post_(studioChapter, alice, { form: { intent: "add-scene", title: `Scene ${newScene}` } }),
      pages: [
        { path: studioChapter, as: alice, shows: [newScene] },
        { path: sceneLink(scene3), as: alice, shows: [newScene] },
        { path: reading, as: anon, shows: [newScene] },
      ],
    },
    {
      what: "POST /studio/chapters/:id intent=move-scene",
      reason: "scene.update",
      send: post_(studioChapter, alice, { form: { intent: "move-scene", sceneId: String(scene3), position: "1" } }),
      pages: [
        { path: studioChapter, as: alice, order: [`${sceneLink(scene3)}"`, `${sceneLink(scene2)}"`] },
        { path: reading, as: anon, order: [`id="scene-${scene3}"`, `id="scene-${scene2}"`] },
        { path: sceneLink(scene2), as: alice, links: [sceneLink(scene3)] },
      ],
    },
    {
      what: "POST /studio/scenes/:id intent=save-scene",
      reason: "scene.update",
      send: post_(sceneLink(scene3), alice, { form: { intent: "save-scene", title: "Scene 3", content: text3 } }),
      pages: [
        { path: sceneLink(scene3), as: alice, shows: [text3] },
        { path: reading, as: anon, shows: [text3] },
      ],
    },
    {
      what: "POST /studio/scenes/:id intent=delete-scene",
      reason: "scene.delete",
      send: post_(sceneLink(scene3), alice, { form: { intent: "delete-scene" } }),
      pages: [
        { path: reading, as: anon, hides: [text3] },
        { path: studioChapter, as: alice, unlinks: [sceneLink(scene3)] },
        { path: sceneLink(scene3), as: alice, status: 404 },
      ],
    },
    {
      what: "POST /studio/stories/:id intent=update-story",
      reason: "story.update",
      send: post_(studioStory, alice, {
        form: { intent: "update-story", title: `Story ${storyTitle2}`, summary: "", status: "published" },
      }),
      pages: [
        { path: "/", as: anon, shows: [storyTitle2] },
        { path: "/studio", as: alice, shows: [storyTitle2] },
        { path: sceneLink(scene2), as: alice, shows: [storyTitle2] },
      ],
    },
    {
      what: "POST /studio/stories/:id intent=delete-chapter",
      reason: "chapter.delete",
      send: post_(studioStory, alice, { form: { intent: "delete-chapter", chapterId: String(chapter2) } }),
      pages: [
        { path: studioStory, as: alice, unlinks: [`/studio/chapters/${chapter2}`] },
        { path: reading, as: anon, hides: [`chapter-${chapter2}`] },
        { path: `/studio/chapters/${chapter2}`, as: alice, status: 404 },
      ],
    },
    {
      what: "POST /studio intent=create-story",
      reason: "story.create",
      send: post_("/studio?index", alice, {
        form: { intent: "create-story", title: `Story ${newStory}`, summary: "" },
      }),
      pages: [{ path: "/studio", as: alice, shows: [newStory] }],
    },
    {
      what: "POST /community intent=create-post",
      reason: "post.create",
      send: post_("/community?index", alice, {
        form: { intent: "create-post", title: `Post ${postTitle2}`, body: "Hi." },
      }),
      pages: [
        { path: "/community", as: anon, shows: [postTitle2] },
        { path: "/community", as: bob, shows: [postTitle2] },
      ],
    },
    {
      what: "POST /community/posts/:id intent=like",
      reason: "like.set",
      send: post_(postPage, bob, { form: { intent: "like", liked: "true" } }),
      pages: [
        { path: postPage, as: bob, counts: { likes: likes + 1 }, pressed: true },
        { path: postPage, as: anon, counts: { likes: likes + 1 } },
        { path: "/community?page=1", as: anon, counts: { post, likes: likes + 1 } },
      ],
    },
    {
      what: "POST /community/posts/:id intent=reply",
      reason: "reply.add",
      send: post_(postPage, alice, { form: { intent: "reply", body: `Reply ${reply2}` } }),
      pages: [
        { path: postPage, as: bob, shows: [reply2] },
        { path: "/community", as: anon, counts: { post, replies: replies + 2 } },
      ],
    },
  ];
}

interface RouteRun {
  writes: number;
  complaints: string[];
}

/**
 * Runs the route writes on a real server process (the production build the global setup made),
 * started as this file starts: it runs in the background while the model tests use this process.
 */
async function runRouteWrites(): Promise<RouteRun> {
  const server = await startServer({ LOG_LEVEL: "debug" });
  try {
    const writes = await routeWrites(server);
    const found: string[] = [];
    for (const write of writes) {
      for (const complaint of await routeWrite(server, write)) found.push(`${write.what}: ${complaint}`);
    }
    return { writes: writes.length, complaints: found };
  } finally {
    await server.stop();
  }
}

const ROUTES = "through the routes (a real server process)";
let routeRun: Promise<RouteRun | Error> | undefined;

// Started with the file (unless a filter leaves its test out), so that the server works on the other core.
beforeAll((file) => {
  const routes = file.tasks.find((task) => task.name === ROUTES);
  if (routes?.type !== "suite" || !routes.tasks.some((task) => task.mode === "run")) return;
  routeRun = runRouteWrites().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
});

describe(ROUTES, () => {
  it("shows every API write and page action on the pages that show its data, with the model's tags", async () => {
    const run = await routeRun;
    if (run instanceof Error || run === undefined) throw run ?? new Error("the route writes did not start");
    expect(run.writes).toBeGreaterThanOrEqual(20);
    if (run.complaints.length > 0) {
      expect.fail(`Pages that do not show a write made through a route:\n${run.complaints.join("\n")}`);
    }
  }, 120_000);
});

afterAll(async () => {
  await routeRun;
  await disconnectCacheRedis();
});
