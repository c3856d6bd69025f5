/**
 * `ids` with `id` moved to the 1-based `position`, the others shifting, as the server's
 * `placeSibling` does; a position past either end is clamped, an unknown id changes nothing.
 */
export function moveItem(ids: readonly number[], id: number, position: number): number[] {
  const from = ids.indexOf(id);
  if (from < 0 || !Number.isInteger(position)) return [...ids];
  const rest = ids.filter((other) => other !== id);
  const to = Math.min(Math.max(position - 1, 0), rest.length);
  return [...rest.slice(0, to), id, ...rest.slice(to)];
}

/** The items in the order of `ids` (items not named there keep their place at the end). */
export function inOrder<T extends { id: number }>(items: readonly T[], ids: readonly number[]): T[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  const ordered = ids.flatMap((id) => byId.get(id) ?? []);
  return [...ordered, ...items.filter((item) => !ids.includes(item.id))];
}

export function sameOrder(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
