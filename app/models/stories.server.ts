import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import type { Transaction } from "~/db/connection.server";
import { db } from "~/db/connection.server";
import { chapters, scenes, stories, users } from "~/db/schema";
import { type Actor, type Reader, requireSignedIn } from "./actor";
import { ForbiddenError, NotFoundError } from "./errors";
import { nonEmptyPatch, requiredTextField, textField, validate } from "./validation";

export const storyStatuses = ["draft", "published"] as const;

const NewStory = z.object({
  title: requiredTextField("Title", 200),
  summary: textField("Summary", 2000).default(""),
});

const StoryPatch = nonEmptyPatch({
  title: requiredTextField("Title", 200).optional(),
  summary: textField("Summary", 2000).optional(),
  status: z.enum(storyStatuses, { error: "Status must be draft or published" }).optional(),
});

/** The story, or 404; 403 unless `actor` wrote it. Chapters and scenes are checked through it. */
export async function loadOwnStory(actor: Reader, storyId: number) {
  const me = requireSignedIn(actor);
  const [story] = await db().select().from(stories).where(eq(stories.id, storyId)).limit(1);
  if (!story) throw new NotFoundError("Story");
  if (story.authorId !== me.id) throw new ForbiddenError("Only the author can change this story");
  return story;
}

/** The studio list: the author's stories, newest change first, with chapter counts. */
export async function listStoriesByAuthor(authorId: number) {
  return db()
    .select({
      id: stories.id,
      title: stories.title,
      summary: stories.summary,
      status: stories.status,
      updatedAt: stories.updatedAt,
      chapterCount: count(chapters.id),
    })
    .from(stories)
    .leftJoin(chapters, eq(chapters.storyId, stories.id))
    .where(eq(stories.authorId, authorId))
    .groupBy(stories.id)
    .orderBy(desc(stories.updatedAt), desc(stories.id));
}

/** A story with its chapters (and their scene counts) for the studio editor. */
export async function getStoryForEditing(actor: Reader, storyId: number) {
  const story = await loadOwnStory(actor, storyId);
  const chapterRows = await db()
    .select({
      id: chapters.id,
      position: chapters.position,
      title: chapters.title,
      summary: chapters.summary,
      updatedAt: chapters.updatedAt,
      sceneCount: count(scenes.id),
      wordCount: sql<number>`coalesce(sum(${scenes.wordCount}), 0)::int`,
    })
    .from(chapters)
    .leftJoin(scenes, eq(scenes.chapterId, chapters.id))
    .where(eq(chapters.storyId, storyId))
    .groupBy(chapters.id)
    .orderBy(asc(chapters.position), asc(chapters.id));
  return { story, chapters: chapterRows };
}

/**
 * The outline of the reading view: the story and its chapters, with the ids of each chapter's
 * scenes in order. The scenes' text is read apart (listScenesForReading), so that saving one scene
 * changes one small entry, not the whole story.
 */
export async function loadStoryOutline(storyId: number) {
  const [story] = await db()
    .select({
      id: stories.id,
      title: stories.title,
      summary: stories.summary,
      status: stories.status,
      authorId: stories.authorId,
      authorName: users.name,
      updatedAt: stories.updatedAt,
    })
    .from(stories)
    .innerJoin(users, eq(users.id, stories.authorId))
    .where(eq(stories.id, storyId))
    .limit(1);
  if (!story) throw new NotFoundError("Story");
  const rows = await db()
    .select({
      chapterId: chapters.id,
      chapterTitle: chapters.title,
      chapterSummary: chapters.summary,
      sceneId: scenes.id,
    })
    .from(chapters)
    .leftJoin(scenes, eq(scenes.chapterId, chapters.id))
    .where(eq(chapters.storyId, storyId))
    .orderBy(asc(chapters.position), asc(chapters.id), asc(scenes.position), asc(scenes.id));
  const chapterList: { id: number; title: string; summary: string; sceneIds: number[] }[] = [];
  for (const row of rows) {
    let chapter = chapterList.at(-1);
    if (chapter?.id !== row.chapterId) {
      chapter = { id: row.chapterId, title: row.chapterTitle, summary: row.chapterSummary, sceneIds: [] };
      chapterList.push(chapter);
    }
    if (row.sceneId !== null) chapter.sceneIds.push(row.sceneId);
  }
  return { story, chapters: chapterList };
}

/** Scenes as the reading view shows them, in the order of `sceneIds`; null for one that is gone. */
export async function listScenesForReading(sceneIds: readonly number[]) {
  if (sceneIds.length === 0) return [];
  const rows = await db()
    .select({ id: scenes.id, title: scenes.title, content: scenes.content, wordCount: scenes.wordCount })
    .from(scenes)
    .where(inArray(scenes.id, [...sceneIds]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return sceneIds.map((id) => byId.get(id) ?? null);
}

type StoryOutline = Awaited<ReturnType<typeof loadStoryOutline>>;
type ReadingScene = Awaited<ReturnType<typeof listScenesForReading>>[number];

/** The reading view from its outline and its scenes (in any order; a scene that is gone is left out). */
export function assembleStoryReading(outline: StoryOutline, sceneRows: readonly ReadingScene[]) {
  const byId = new Map(sceneRows.flatMap((row) => (row ? [[row.id, row] as const] : [])));
  return {
    story: outline.story,
    chapters: outline.chapters.map(({ sceneIds, ...chapter }) => ({
      ...chapter,
      scenes: sceneIds.flatMap((id) => byId.get(id) ?? []),
    })),
  };
}

/** The whole reading view, straight from the database: the outline with its scenes. */
export async function loadStoryForReading(storyId: number) {
  const outline = await loadStoryOutline(storyId);
  return assembleStoryReading(outline, await listScenesForReading(outline.chapters.flatMap((c) => c.sceneIds)));
}

/**
 * Published stories are for everyone; a draft only for its author (a preview). Anyone else gets
 * 404, not 403, so unpublished titles do not leak.
 */
export function assertReadable(story: { status: string; authorId: number }, reader: Reader): void {
  if (story.status !== "published" && story.authorId !== reader?.id) throw new NotFoundError("Story");
}

export async function getStoryForReading(reader: Reader, storyId: number) {
  const reading = await loadStoryForReading(storyId);
  assertReadable(reading.story, reader);
  return reading;
}

/** Published stories, newest first, for the home page. */
export async function listPublishedStories(limit = 20) {
  return db()
    .select({
      id: stories.id,
      title: stories.title,
      summary: stories.summary,
      authorName: users.name,
      updatedAt: stories.updatedAt,
    })
    .from(stories)
    .innerJoin(users, eq(users.id, stories.authorId))
    .where(eq(stories.status, "published"))
    .orderBy(desc(stories.updatedAt), desc(stories.id))
    .limit(limit);
}

export async function createStory(actor: Actor, input: unknown): Promise<Changed<{ id: number }>> {
  const me = requireSignedIn(actor);
  const values = validate(NewStory, input);
  return commitChange("story.create", async (tx) => {
    const [row] = await tx
      .insert(stories)
      .values({ ...values, authorId: me.id })
      .returning({ id: stories.id });
    if (!row) throw new Error("insert returned no row");
    return { value: row, tags: [tags.userStories(me.id), tags.story(row.id)] };
  });
}

export async function updateStory(actor: Actor, storyId: number, input: unknown) {
  const story = await loadOwnStory(actor, storyId);
  const patch = validate(StoryPatch, input);
  return commitChange("story.update", async (tx) => {
    const [row] = await tx
      .update(stories)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(stories.id, story.id), eq(stories.authorId, story.authorId)))
      .returning();
    if (!row) throw new NotFoundError("Story");
    // Every studio page of the story shows its title (breadcrumbs), and the home page lists it.
    return {
      value: row,
      tags: [...(await storyTreeTags(tx, story.id)), tags.userStories(story.authorId), tags.publishedStories()],
    };
  });
}

/** The tags of a story, its chapters and their scenes. */
export async function storyTreeTags(tx: Transaction, storyId: number): Promise<string[]> {
  const rows = await tx
    .select({ chapterId: chapters.id, sceneId: scenes.id })
    .from(chapters)
    .leftJoin(scenes, eq(scenes.chapterId, chapters.id))
    .where(eq(chapters.storyId, storyId));
  return [
    tags.story(storyId),
    ...new Set(rows.map((r) => tags.chapter(r.chapterId))),
    ...rows.flatMap((r) => (r.sceneId === null ? [] : [tags.scene(r.sceneId)])),
  ];
}
