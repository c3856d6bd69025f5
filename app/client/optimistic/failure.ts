/**
 * What a form action answers when it did not do the work: the field errors of the server (400), or
 * a form-level error that `inlineFailures` made of a 5xx or a lost connection. Both keep the values
 * typed, so nothing is lost.
 */
export interface ActionFailure {
  intent: string;
  target?: number;
  fieldErrors: Record<string, string[]>;
  values: Record<string, string>;
}

export function isFailure(data: unknown): data is ActionFailure {
  return typeof data === "object" && data !== null && "fieldErrors" in data;
}

/** The failure in `data` when it came from the form of `intent` (and item `target`, if given). */
export function failureFor(data: unknown, intent: string, target?: number): ActionFailure | undefined {
  if (!isFailure(data) || data.intent !== intent) return undefined;
  if (target !== undefined && data.target !== target) return undefined;
  return data;
}

/** Every message of a failure, field errors first, for a control that has no fields of its own. */
export function failureMessages(failure: ActionFailure | undefined): string[] {
  return failure ? Object.values(failure.fieldErrors).flat() : [];
}
