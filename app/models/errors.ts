/**
 * The failures a model function can report. Routes map them to HTTP statuses (401, 403, 404, 400)
 * and pages show them next to the fields; anything else is a bug and becomes a 500.
 */
export type FieldErrors = Record<string, string[]>;

export class ModelError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 429,
    message: string,
  ) {
    super(message);
  }
}

export class ValidationError extends ModelError {
  override name = "ValidationError";
  constructor(
    readonly fieldErrors: FieldErrors,
    message = "Some fields are not valid",
  ) {
    super(400, message);
  }
}

export class UnauthorizedError extends ModelError {
  override name = "UnauthorizedError";
  constructor(message = "Sign in first") {
    super(401, message);
  }
}

export class ForbiddenError extends ModelError {
  override name = "ForbiddenError";
  constructor(message = "You may not do that") {
    super(403, message);
  }
}

export class NotFoundError extends ModelError {
  override name = "NotFoundError";
  constructor(what: string) {
    super(404, `${what} not found`);
  }
}

/** A write based on a version that is no longer the current one; `current` is what is there now. */
export class ConflictError<T = unknown> extends ModelError {
  override name = "ConflictError";
  constructor(
    readonly current: T,
    message = "It was changed elsewhere since you loaded it",
  ) {
    super(409, message);
  }
}
