/** k6 durations: "30s", "1m30s", "500ms", "2h", or a number of milliseconds. */
export function parseDuration(value: string | number | undefined, fallbackMs = 0): number {
  if (value === undefined) return fallbackMs;
  if (typeof value === "number") return value;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const match of value.matchAll(re)) {
    const n = Number(match[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
    consumed += match[0].length;
  }
  if (consumed !== value.length || value.length === 0)
    throw new Error(`duration "${value}": expected e.g. 30s, 1m30s, 500ms`);
  return total;
}
