import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { tags } from "~/cache/tags";
import { db } from "~/db/connection.server";
import { chapters, scenes, stories } from "~/db/schema";
import type { Actor, Changed } from "./actor";
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
export async function loadOwnChapter(actor: Actor, chapterId: number) {
  const [chapter] = await db().select().from(chapters).where(eq(chapters.id, chapterId)).limit(1);
  if (!chapter) throw new NotFoundError("Chapter");
  const story = await loadOwnStory(actor, chapter.storyId);
  return { chapter, story };
}

/** Tags a change to a chapter touches: the chapter, and the story that lists it. */
function chapterTags(chapter: { id: number; storyId: number }) {
  return [tags.chapter(chapter.id), tags.story(chapter.storyId)];
}

/** A chapter with its scenes (no text) for the studio. */
export async function getChapterForEditing(actor: Actor, chapterId: number) {
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

export async function addChapter(actor: Actor, storyId: number, input: unknown): Promise<Changed<{ id: number }>> {
  const story = await loadOwnStory(actor, storyId);
  const values = validate(NewChapter, input);
  const row = await db().transaction(async (tx) => {
    const position = await nextPosition(tx, "chapters", story.id);
    const [inserted] = await tx
      .insert(chapters)
      .values({ ...values, storyId: story.id, position })
      .returning({ id: chapters.id });
    await tx.update(stories).set({ updatedAt: new Date() }).where(eq(stories.id, story.id));
    return inserted;
  });
  if (!row) throw new Error("insert returned no row");
  return { value: row, tags: [...chapterTags({ id: row.id, storyId: story.id }), tags.userStories(story.authorId)] };
}

export async function updateChapter(actor: Actor, chapterId: number, input: unknown) {
  const { chapter, story } = await loadOwnChapter(actor, chapterId);
  const { position, ...fields } = validate(ChapterPatch, input);
  const row = await db().transaction(async (tx) => {
    if (position !== undefined) await placeSibling(tx, "chapters", story.id, chapter.id, position);
    const [updated] = await tx
      .update(chapters)
      .set({ ...fields, updatedAt: new Date() })
      .where(and(eq(chapters.id, chapter.id), eq(chapters.storyId, story.id)))
      .returning();
    return updated;
  });
  if (!row) throw new NotFoundError("Chapter");
  return { value: row, tags: chapterTags(chapter) } satisfies Changed<unknown>;
}

export async function deleteChapter(actor: Actor, chapterId: number): Promise<Changed<{ storyId: number }>> {
  const { chapter, story } = await loadOwnChapter(actor, chapterId);
  const removedScenes = await db().transaction(async (tx) => {
    await placeSibling(tx, "chapters", story.id, chapter.id, null);
    // Its scenes go with it (ON DELETE CASCADE): their cached pages must go too.
    const sceneIds = await tx.select({ id: scenes.id }).from(scenes).where(eq(scenes.chapterId, chapter.id));
    await tx.delete(chapters).where(eq(chapters.id, chapter.id));
    await tx.update(stories).set({ updatedAt: new Date() }).where(eq(stories.id, story.id));
    return sceneIds;
  });
  return {
    value: { storyId: story.id },
    tags: [...chapterTags(chapter), tags.userStories(story.authorId), ...removedScenes.map((s) => tags.scene(s.id))],
  };
}
