import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { db, type Transaction } from "~/db/connection.server";
import { chapters, scenes, stories } from "~/db/schema";
import type { Actor, Reader } from "./actor";
import { NotFoundError } from "./errors";
import { nextPosition, placeSibling } from "./ordering.server";
import { loadOwnStory } from "./stories.server";
import { integerField, nonEmptyPatch, requiredTextField, textField, validate } from "./validation";

const NewChapter = z.object({
  title: requiredTextField("Title", 200),
  summary: textField("Summary", 2000).default(""),
});

const ChapterPatch = nonEmptyPatch({
  title: requiredTextField("Title", 200).optional(),
  summary: textField("Summary", 2000).optional(),
  position: integerField.pipe(z.number().int().min(1, "Position starts at 1").max(100_000)).optional(),
});

/** The chapter and its story, or 404; 403 unless `actor` wrote the story. */
export async function loadOwnChapter(actor: Reader, chapterId: number) {
  const [chapter] = await db().select().from(chapters).where(eq(chapters.id, chapterId)).limit(1);
  if (!chapter) throw new NotFoundError("Chapter");
  const story = await loadOwnStory(actor, chapter.storyId);
  return { chapter, story };
}

/**
 * What a change to a chapter touches: the chapter's page, the story's pages (they list it), and its
 * scenes' editors (their breadcrumbs show the chapter's title).
 */
async function chapterTags(tx: Transaction, chapter: { id: number; storyId: number }) {
  const sceneRows = await tx.select({ id: scenes.id }).from(scenes).where(eq(scenes.chapterId, chapter.id));
  return [tags.chapter(chapter.id), tags.story(chapter.storyId), ...sceneRows.map((s) => tags.scene(s.id))];
}

/** Every chapter of a story: a move or a delete renumbers them, and each page shows its position. */
async function storyChapterTags(tx: Transaction, storyId: number) {
  const rows = await tx.select({ id: chapters.id }).from(chapters).where(eq(chapters.storyId, storyId));
  return rows.map((c) => tags.chapter(c.id));
}

/** A chapter with its scenes (no text) for the studio. */
export async function getChapterForEditing(actor: Reader, chapterId: number) {
  const { chapter, story } = await loadOwnChapter(actor, chapterId);
  const sceneRows = await db()
    .select({
      id: scenes.id,
      position: scenes.position,
      title: scenes.title,
      wordCount: scenes.wordCount,
      updatedAt: scenes.updatedAt,
    })
    .from(scenes)
    .where(eq(scenes.chapterId, chapterId))
    .orderBy(asc(scenes.position), asc(scenes.id));
  return { story: { id: story.id, title: story.title, status: story.status }, chapter, scenes: sceneRows };
}

/** Adding or removing a chapter changes the story's counts and its place in the lists. */
function storyListTags(story: { id: number; authorId: number }) {
  return [tags.story(story.id), tags.userStories(story.authorId), tags.publishedStories()];
}

export async function addChapter(actor: Actor, storyId: number, input: unknown): Promise<Changed<{ id: number }>> {
  const story = await loadOwnStory(actor, storyId);
  const values = validate(NewChapter, input);
  return commitChange("chapter.add", async (tx) => {
    const position = await nextPosition(tx, "chapters", story.id);
    const [row] = await tx
      .insert(chapters)
      .values({ ...values, storyId: story.id, position })
      .returning({ id: chapters.id });
    if (!row) throw new Error("insert returned no row");
    await tx.update(stories).set({ updatedAt: new Date() }).where(eq(stories.id, story.id));
    return { value: row, tags: [tags.chapter(row.id), ...storyListTags(story)] };
  });
}

export async function updateChapter(actor: Actor, chapterId: number, input: unknown) {
  const { chapter, story } = await loadOwnChapter(actor, chapterId);
  const { position, ...fields } = validate(ChapterPatch, input);
  return commitChange("chapter.update", async (tx) => {
    if (position !== undefined) await placeSibling(tx, "chapters", story.id, chapter.id, position);
    const [row] = await tx
      .update(chapters)
      .set({ ...fields, updatedAt: new Date() })
      .where(and(eq(chapters.id, chapter.id), eq(chapters.storyId, story.id)))
      .returning();
    if (!row) throw new NotFoundError("Chapter");
    const renumbered = position === undefined ? [] : await storyChapterTags(tx, story.id);
    return { value: row, tags: [...(await chapterTags(tx, chapter)), ...renumbered] };
  });
}

export async function deleteChapter(actor: Actor, chapterId: number): Promise<Changed<{ storyId: number }>> {
  const { chapter, story } = await loadOwnChapter(actor, chapterId);
  return commitChange("chapter.delete", async (tx) => {
    await placeSibling(tx, "chapters", story.id, chapter.id, null);
    // Read before the delete: its scenes go with it (ON DELETE CASCADE), and so must their pages.
    const touched = [...(await chapterTags(tx, chapter)), ...(await storyChapterTags(tx, story.id))];
    await tx.delete(chapters).where(eq(chapters.id, chapter.id));
    await tx.update(stories).set({ updatedAt: new Date() }).where(eq(stories.id, story.id));
    return { value: { storyId: story.id }, tags: [...touched, ...storyListTags(story)] };
  });
}
