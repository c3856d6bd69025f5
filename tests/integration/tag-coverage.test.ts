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
import { invalidate } from "~/cache/invalidate.server";
import { stableKey } from "~/cache/query-cache.server";
import type { CacheStatus } from "~/cache/read-log";
import { disconnectCacheRedis } from "~/cache/redis.server";
import { type DatabaseHandle, db, setDatabase } from "~/db/connection.server";
import { chapters, posts, scenes, stories, users } from "~/db/schema";
import { seedDemo } from "~/db/seed.server";
import type { Changed, SignedIn } from "~/models/actor";
import { addChapter, deleteChapter, updateChapter } from "~/models/chapters.server";
import { setLike } from "~/models/likes.server";
import { createPost, FEED_PAGE_SIZE } from "~/models/posts.server";
import { addReply } from "~/models/replies.server";
import { addScene, deleteScene, updateScene } from "~/models/scenes.server";
import { createStory, updateStory } from "~/models/stories.server";
import { authenticate, createUser } from "~/models/users.server";
import "~/queries/index.server";
import { enableCache } from "../support/cache";
import { testDatabases } from "../support/databases";

/**
 * Tag coverage: after every mutation the product has, every page a user could visit shows it.
 *
 * For each mutation (and each meaningful variant of it), every page instance — a declared query
 * with its arguments and reader, enumerated from the database — is first read through the cache
 * until it is a HIT, then the mutation runs, then every instance is read through the cache again
 * and compared with a fresh load from the database (checkFreshness). A page served stale means the
 * mutation's tags miss it: the failure names the mutation, the query, its arguments and reader,
 * where the value differs, and the query's tags the mutation did not purge.
 */

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const READ_CONCURRENCY = 8;

type AnyQuery = Query<z.ZodType, z.ZodType>;
type Args = Record<string, number>;

/** One page a user could visit: a declared query, its arguments, and who reads it. */
interface PageRead {
  query: AnyQuery;
  args: Args;
  userId?: number;
}

interface Served {
  status: CacheStatus | "error";
  outcome: Outcome<unknown>;
}

const queryNamed = (name: string): AnyQuery => {
  const query = queryRegistry.get(name);
  if (!query) throw new Error(`no declared query ${name}`);
  return query;
};

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
    add("story.reading", { storyId: story.id });
    studio("studio.story", { storyId: story.id }, story);
  }
  for (const chapter of withNext(chapterRows)) studio("studio.chapter", { chapterId: chapter.id }, chapter);
  for (const scene of withNext(sceneRows)) studio("studio.scene", { sceneId: scene.id }, scene);
  for (const userId of userIds) {
    add("session.user", { userId }, userId);
    add("studio.stories", { authorId: userId }, userId);
  }
  const pageCount = Math.max(1, Math.ceil(postRows.length / FEED_PAGE_SIZE));
  for (let page = 1; page <= pageCount + 1; page++) add("community.feed", { page });
  for (const post of withNext(postRows)) {
    add("community.post", { postId: post.id });
    for (const userId of userIds) add("community.post.liked", { postId: post.id }, userId);
  }
  return reads;
}

async function readCached(read: PageRead): Promise<Served> {
  let status: Served["status"] = "error";
  const outcome = await settle(
    read.query.read(read.args, { userId: read.userId, track: false }).then((result) => {
      status = result.status;
      return result.value as unknown;
    }),
  );
  return { status, outcome };
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
    fn: "createUser",
    what: "create a user (no commitChange: purges nothing)",
    visible: false,
    run: async () => ({
      value: await createUser({ email: "dora@example.com", name: "Dora", password: "password" }),
      tags: [],
    }),
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
    `served ${outcomeAt(d.served, d.path)}, database ${outcomeAt(d.current, d.path)}\n    ${why}`
  );
}

function report(stale: Stale[]): string {
  const byMutation = new Map<string, Stale[]>();
  for (const s of stale) byMutation.set(s.mutation, [...(byMutation.get(s.mutation) ?? []), s]);
  const parts = [...byMutation].map(([mutation, list]) => {
    const purged = list[0]?.purged ?? [];
    const lines = list.slice(0, 12).map(describeStale);
    if (list.length > 12) lines.push(`  … and ${list.length - 12} more`);
    return `${mutation} purged [${purged.join(", ")}], and left ${list.length} page(s) stale:\n${lines.join("\n")}`;
  });
  return `Pages served stale after a write (tags that miss a page):\n\n${parts.join("\n\n")}`;
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
    const first = previous?.status === "hit" || previous?.status === "error" ? previous : await readCached(page);
    if (first.status === "hit" || first.status === "error") return first;
    const again = await readCached(page);
    if (again.status !== "hit") {
      problems.push(`${describeRead(page)}: read twice, the second read was ${again.status}, not a HIT`);
    }
    return again;
  });
}

/** Reads every page through the cache and compares each with the database. */
async function checkPages(pages: PageRead[], mutation: string, purged: string[]) {
  const checked = await mapLimit(pages, READ_CONCURRENCY, async (read) => {
    const served = await readCached(read);
    const difference = await checkFreshness(read.query.spec, read.args, served.outcome, { userId: read.userId });
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

/**
 * Stale pages the product is known to serve today: reported, not fixed yet. Each must still be
 * found (once it is fixed, the test fails until its entry goes), and nothing else may be.
 */
const KNOWN_GAPS: { mutation: RegExp; query: string; path: string; why: string }[] = [
  {
    mutation: /^(updateChapter: move|deleteChapter:)/,
    query: "studio.chapter",
    path: "chapter.position",
    why:
      "moving or deleting a chapter renumbers its sibling chapters, but updateChapter/deleteChapter purge " +
      "only their own chapter's tags, so a sibling's studio.chapter keeps its old position",
  },
];

const isKnown = (s: Stale) =>
  KNOWN_GAPS.some((g) => g.mutation.test(s.mutation) && g.query === s.read.query.name && g.path === s.difference.path);

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
    await createUser({ email: "carol@example.com", name: "Carol", password: "password" });
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
    let last = await checkPages(initial, "(no write yet: the warmed cache)", []);
    stale.push(...last.stale);

    for (const mutation of mutations) {
      const label = `${mutation.fn}: ${mutation.what}`;
      const pages = await enumeratePages();
      const before = await warm(pages, last.served, problems);
      const change = await mutation.run(world);
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
    const unknown = stale.filter((s) => !isKnown(s));
    if (unknown.length > 0) expect.fail(report(unknown));
    const gone = KNOWN_GAPS.filter((g) => !stale.some((s) => isKnown(s) && g.mutation.test(s.mutation)));
    expect(gone.map((g) => `${g.query} ${g.path}: no longer stale, remove it from KNOWN_GAPS`)).toEqual([]);
  }, 180_000);
});

afterAll(async () => {
  await disconnectCacheRedis();
});
