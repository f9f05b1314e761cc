// One error type for every expected failure a client can see, mapped to the upstream `Error` body
// `{error, message, details?}`. `code` is the stable machine code (snake_case) that tests and clients match on;
// `message` is one sentence for people; `details` names the field, file or rule.

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** A backend (database, blob store) cannot be reached: the request may succeed later, so 503 rather than 500. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: 'database' | 'blobs' | 'kv' | 'mail',
    override readonly cause: unknown,
  ) {
    super(`the ${backend === 'kv' ? 'key-value store' : backend === 'blobs' ? 'blob store' : backend} is unavailable: ${describe(cause)}`);
    this.name = 'BackendUnavailableError';
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

// The catalogue of codes shared by every route. Resource-specific codes live with their service
// but follow the same shape.
export const badRequest = (message: string, details?: ErrorDetails) => new AppError(400, 'invalid_request', message, details);
export const unauthorized = (message: string, code = 'unauthorized') => new AppError(401, code, message);
export const forbidden = (message: string, code = 'forbidden', details?: ErrorDetails) => new AppError(403, code, message, details);
export const notFound = (message: string, details?: ErrorDetails) => new AppError(404, 'not_found', message, details);
export const conflict = (code: string, message: string, details?: ErrorDetails) => new AppError(409, code, message, details);
