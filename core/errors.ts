/** Every failure a caller can act on. Each transport maps every code (HTTP status, bot reply, admin notice). */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'INVALID_TRANSITION'
  | 'GROUP_FULL'
  | 'RATE_LIMITED'
  | 'LOCKED'
  | 'PAYLOAD_TOO_LARGE';

export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    /** field name → what is wrong with it */
    public readonly fields?: Record<string, string>,
    /** extra machine-readable detail (e.g. the waitlist offer when a group is full) */
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const validation = (field: string, message: string): AppError =>
  new AppError('VALIDATION', `${field}: ${message}`, { [field]: message });

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);

export const forbidden = (message = 'not allowed'): AppError => new AppError('FORBIDDEN', message);

export const httpStatusOf: Record<ErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  GROUP_FULL: 409,
  RATE_LIMITED: 429,
  LOCKED: 423,
  PAYLOAD_TOO_LARGE: 413,
};
