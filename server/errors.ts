import { type ErrorKind, MapmintError } from '../core/index.ts';

/** The one place where error kinds become HTTP status codes. */
const STATUS: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media: 415,
  rate_limited: 429,
  dependency_missing: 503,
  internal: 500,
};

/** The JSON body every error response carries. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Maps any thrown value to a status code and body; unknown errors become 500 without leaking internals. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof MapmintError) {
    return {
      status: STATUS[err.kind],
      body: { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } },
    };
  }
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = e.validation ? 'invalid_request' : (e.code ?? 'bad_request').toLowerCase();
    return { status: e.statusCode, body: { error: { code, message: e.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error: see the server log' } } };
}

/** The shape tus hooks throw to answer a request with an error. */
export function toTusError(err: unknown): { status_code: number; body: string } {
  const { status, body } = toHttpError(err);
  return { status_code: status, body: JSON.stringify(body) };
}
