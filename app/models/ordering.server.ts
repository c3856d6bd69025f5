import { and, asc, eq, sql } from "drizzle-orm";
import type { Transaction } from "~/db/connection.server";
import { chapters, scenes } from "~/db/schema";

/** Chapters order within a story, scenes within a chapter; both keep positions 1..n without gaps. */
const orderings = {
  chapters: { table: chapters, parent: chapters.storyId },
  scenes: { table: scenes, parent: scenes.chapterId },
} as const;

type Ordered = keyof typeof orderings;

/** The position a new last sibling takes. */
export async function nextPosition(tx: Transaction, kind: Ordered, parentId: number): Promise<number> {
  const { table, parent } = orderings[kind];
  const [row] = await tx
    .select({ max: sql<number | null>`max(${table.position})` })
    .from(table)
    .where(eq(parent, parentId));
  return Number(row?.max ?? 0) + 1;
}

/**
 * Puts `id` at `position` (clamped to 1..n) among its siblings, or removes it from the order when
 * `position` is null (before a delete), and renumbers the rest so positions stay 1..n.
 */
export async function placeSibling(
  tx: Transaction,
  kind: Ordered,
  parentId: number,
  id: number,
  position: number | null,
): Promise<void> {
  const { table, parent } = orderings[kind];
  const siblings = await tx
    .select({ id: table.id, position: table.position })
    .from(table)
    .where(eq(parent, parentId))
    .orderBy(asc(table.position), asc(table.id))
    .for("update");
  const order = siblings.map((s) => s.id).filter((s) => s !== id);
  if (position !== null) {
    const index = Math.min(Math.max(position, 1), order.length + 1) - 1;
    order.splice(index, 0, id);
  }
  const current = new Map(siblings.map((s) => [s.id, s.position]));
  for (const [index, siblingId] of order.entries()) {
    if (current.get(siblingId) !== index + 1) {
      await tx
        .update(table)
        .set({ position: index + 1 })
        .where(and(eq(table.id, siblingId), eq(parent, parentId)));
    }
  }
}
