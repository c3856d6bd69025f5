import { z } from "zod";
import { type FieldErrors, ValidationError } from "./errors";

/**
 * Field schemas that accept the same value from a JSON body and from a form body
 * (where everything is a string), and nothing else: `true` is not a position, `"3"` is.
 */
export const integerField = z.union([
  z.number().int(),
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, "must be a whole number")
    .transform(Number),
]);

export const booleanField = z.union([
  z.boolean(),
  z.enum(["true", "false", "on", "1", "0"]).transform((v) => v === "true" || v === "on" || v === "1"),
]);

/** Any text, except U+0000: Postgres cannot store it, so it is a field error (400), not a 500. */
export const plainText = (label: string) =>
  z
    .string({ error: `${label} must be text` })
    .refine((value) => !value.includes("\u0000"), `${label} must not contain NUL characters`);

export const textField = (label: string, max: number) =>
  plainText(label).trim().max(max, `${label} must be at most ${max} characters`);

export const requiredTextField = (label: string, max: number) => textField(label, max).min(1, `${label} is required`);

/** A positive database id from a URL segment or a body; anything else matches nothing. */
export function parseId(value: unknown): number | null {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^\d{1,9}$/.test(text)) return null;
  const id = Number(text);
  return id > 0 ? id : null;
}

/** Validates `input` or throws a ValidationError with one list of messages per field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  const formErrors: string[] = [];
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (field === undefined) {
      formErrors.push(issue.message);
      continue;
    }
    const key = String(field);
    fieldErrors[key] ??= [];
    fieldErrors[key].push(issue.message);
  }
  if (formErrors.length > 0) fieldErrors._form = formErrors;
  throw new ValidationError(fieldErrors);
}

/** A partial update must change something. */
export function nonEmptyPatch<T extends z.ZodRawShape>(shape: T) {
  return z
    .object(shape)
    .refine((v) => Object.values(v).some((x) => x !== undefined), "Send at least one field to change");
}
