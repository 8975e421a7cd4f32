/**
 * Typed errors. Libraries throw these with context; only the HTTP layer maps `kind` to a status code and only the
 * CLI maps it to an exit code.
 */
export type ErrorKind =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media'
  | 'rate_limited'
  | 'dependency_missing'
  | 'internal';

/** An error that says what went wrong and what to check. */
export class MapmintError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'MapmintError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

/** Shorthand for an `invalid_input` error. */
export function invalid(code: string, message: string, details?: Record<string, unknown>): MapmintError {
  return new MapmintError('invalid_input', code, message, details);
}
