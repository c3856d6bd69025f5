import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import { z } from "zod";
import { type Changed, commitChange } from "~/cache/invalidate.server";
import { tags } from "~/cache/tags";
import { db, type Transaction } from "~/db/connection.server";
import { chapters, scenes } from "~/db/schema";
import { countWords } from "~/lib/word-count";
import type { Actor, Reader } from "./actor";
import { loadOwnChapter } from "./chapters.server";
import { ConflictError, NotFoundError } from "./errors";
import { nextPosition, placeSibling } from "./ordering.server";
import { integerField, nonEmptyPatch, plainText, requiredTextField, validate } from "./validation";

export const MAX_SCENE_CHARACTERS = 200_000;

const NewScene = z.object({
  title: requiredTextField("Title", 200),
  content: plainText("Content").max(MAX_SCENE_CHARACTERS).default(""),
});

const ScenePatch = nonEmptyPatch({
  title: requiredTextField("Title", 200).optional(),
  content: plainText("Content")
    .max(MAX_SCENE_CHARACTERS, `Content must be at most ${MAX_SCENE_CHARACTERS} characters`)
    .optional(),
  position: integerField.pipe(z.number().int().min(1, "Position starts at 1").max(100_000)).optional(),
});

/**
 * The version a PATCH was based on (the scene's `updatedAt` when the editor loaded it). Optional:
 * callers that send none overwrite whatever is there, as before.
 */
const BaseVersion = z.object({
  updatedAt: z.iso
    .datetime({ offset: true, error: "updatedAt must be an ISO 8601 date-time" })
    .transform((value) => new Date(value))
    .optional(),
});

/** The scene with its chapter and story, or 404; 403 unless `actor` wrote the story. */
export async function loadOwnScene(actor: Reader, sceneId: number) {
  const [scene] = await db().select().from(scenes).where(eq(scenes.id, sceneId)).limit(1);
  if (!scene) throw new NotFoundError("Scene");
  const { chapter, story } = await loadOwnChapter(actor, scene.chapterId);
  return { scene, chapter, story };
}

/**
 * What a change to a scene touches (docs/caching.md#what-each-write-purges): the scene (its editor
 * and its reading entry), its chapter's list and the story's word counts in the studio. When the
 * order or a title changes, the other scenes of the chapter too (their editors link to their
 * neighbours by title); when the chapter's scenes change (added, moved, deleted), the story's
 * outline. A content-only save (autosave) touches just the first three.
 */
async function sceneTags(
  tx: Transaction,
  sceneId: number,
  chapter: { id: number; storyId: number },
  { siblings, outline }: { siblings: boolean; outline: boolean },
) {
  const own = [tags.scene(sceneId), tags.chapter(chapter.id), tags.storyWordCounts(chapter.storyId)];
  if (outline) own.push(tags.story(chapter.storyId));
  if (!siblings) return own;
  const rows = await tx.select({ id: scenes.id }).from(scenes).where(eq(scenes.chapterId, chapter.id));
  return [...own, ...rows.map((r) => tags.scene(r.id))];
}

/** The scene editor's data: the scene, where it sits, and its neighbours for navigation. */
export async function getSceneForEditing(actor: Reader, sceneId: number) {
  const { scene, chapter, story } = await loadOwnScene(actor, sceneId);
  const neighbour = (direction: "previous" | "next") =>
    db()
      .select({ id: scenes.id, title: scenes.title })
      .from(scenes)
      .where(
        and(
          eq(scenes.chapterId, chapter.id),
          direction === "next" ? gt(scenes.position, scene.position) : lt(scenes.position, scene.position),
        ),
      )
      .orderBy(direction === "next" ? asc(scenes.position) : desc(scenes.position))
      .limit(1);
  const [[previous], [next]] = await Promise.all([neighbour("previous"), neighbour("next")]);
  return {
    story: { id: story.id, title: story.title },
    chapter: { id: chapter.id, title: chapter.title },
    scene,
    previous: previous ?? null,
    next: next ?? null,
  };
}

export async function addScene(actor: Actor, chapterId: number, input: unknown): Promise<Changed<{ id: number }>> {
  const { chapter } = await loadOwnChapter(actor, chapterId);
  const values = validate(NewScene, input);
  return commitChange("scene.add", async (tx) => {
    // The ownership check ran before the transaction: the chapter may have been deleted since.
    // Locked here, it stays until the scene is in (a 404 then, never a foreign-key 500).
    const [still] = await tx
      .select({ id: chapters.id })
      .from(chapters)
      .where(eq(chapters.id, chapter.id))
      .for("update");
    if (!still) throw new NotFoundError("Chapter");
    const position = await nextPosition(tx, "scenes", chapter.id);
    const [row] = await tx
      .insert(scenes)
      .values({ ...values, chapterId: chapter.id, position, wordCount: countWords(values.content) })
      .returning({ id: scenes.id });
    if (!row) throw new Error("insert returned no row");
    return { value: row, tags: await sceneTags(tx, row.id, chapter, { siblings: true, outline: true }) };
  });
}

/**
 * Changes a scene. With `updatedAt` (the version the change was based on) it is refused with a
 * ConflictError holding the current scene when someone saved it since: two editors never silently
 * overwrite each other. The check and the write happen under a row lock.
 */
export async function updateScene(actor: Actor, sceneId: number, input: unknown) {
  const { scene, chapter } = await loadOwnScene(actor, sceneId);
  const { position, ...fields } = validate(ScenePatch, input);
  const { updatedAt: basedOn } = validate(BaseVersion, input);
  const contentOnly = position === undefined && fields.title === undefined;
  return commitChange(contentOnly ? "scene.save" : "scene.update", async (tx) => {
    if (basedOn) {
      const [current] = await tx.select().from(scenes).where(eq(scenes.id, scene.id)).for("update");
      if (!current) throw new NotFoundError("Scene");
      // Both sides went through a JS Date, so both are at millisecond precision.
      if (current.updatedAt.getTime() !== basedOn.getTime()) throw new ConflictError(current);
    }
    if (position !== undefined) await placeSibling(tx, "scenes", chapter.id, scene.id, position);
    const [row] = await tx
      .update(scenes)
      .set({
        ...fields,
        ...(fields.content === undefined ? {} : { wordCount: countWords(fields.content) }),
        updatedAt: new Date(),
      })
      .where(and(eq(scenes.id, scene.id), eq(scenes.chapterId, chapter.id)))
      .returning();
    if (!row) throw new NotFoundError("Scene");
    return {
      value: row,
      tags: await sceneTags(tx, scene.id, chapter, { siblings: !contentOnly, outline: position !== undefined }),
    };
  });
}

export async function deleteScene(actor: Actor, sceneId: number): Promise<Changed<{ chapterId: number }>> {
  const { scene, chapter } = await loadOwnScene(actor, sceneId);
  return commitChange("scene.delete", async (tx) => {
    const touched = await sceneTags(tx, scene.id, chapter, { siblings: true, outline: true });
    await placeSibling(tx, "scenes", chapter.id, scene.id, null);
    await tx.delete(scenes).where(eq(scenes.id, scene.id));
    return { value: { chapterId: chapter.id }, tags: touched };
  });
}
