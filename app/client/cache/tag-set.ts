/** Whether two tag lists share a tag (`*` matches everything). */
export function tagsIntersect(a: readonly string[], b: readonly string[]): boolean {
  if (a.includes("*") || b.includes("*")) return true;
  const set = new Set(a);
  return b.some((t) => set.has(t));
}
