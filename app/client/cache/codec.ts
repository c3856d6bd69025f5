/**
 * Loader data as text for localStorage. Single fetch hands loaders' Dates to the page as Dates, so
 * a cached copy must come back with Dates too; plain JSON would turn them into strings.
 */
const DATE = "$quill:date";

export function encodeData(data: unknown): string {
  return JSON.stringify(data, function replacer(this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? { [DATE]: raw.getTime() } : value;
  });
}

export function decodeData(text: string): unknown {
  return JSON.parse(text, (_key, value) =>
    value !== null && typeof value === "object" && typeof value[DATE] === "number" && Object.keys(value).length === 1
      ? new Date(value[DATE])
      : value,
  );
}
