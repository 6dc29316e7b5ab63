import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { AppError, httpStatusOf, type ErrorCode } from '../core/errors.js';
import type { Log } from '../logger.js';

/** The one error body every route answers with (also for 404s, bad JSON and oversized bodies). */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION' }),
      message: z.string().openapi({ example: 'phone: "12" is not a valid phone number' }),
      fields: z.record(z.string(), z.string()).optional().openapi({ example: { phone: '"12" is not a valid phone number' } }),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof errorSchema>;

/** OpenAPI response entries for the error statuses a route can answer. */
export function errorResponses(...statuses: number[]) {
  const text: Record<number, string> = {
    400: 'Invalid input (the field is named in `fields`)',
    401: 'Missing, forged or expired Mini App init data',
    403: 'Not allowed for this user',
    404: 'Not found (also: another person’s record)',
    409: 'Conflicts with the current state',
    413: 'Body larger than the limit',
    415: 'Unsupported Content-Type',
    423: 'Locked',
    429: 'Too many requests (see Retry-After)',
  };
  const out: Record<number, { description: string; content: { 'application/json': { schema: typeof errorSchema } } }> = {};
  for (const s of statuses) out[s] = { description: text[s] ?? 'Error', content: { 'application/json': { schema: errorSchema } } };
  return out;
}

/** Field → message from a zod error, naming unknown keys one by one (strict schemas). */
export function zodFields(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[base ? `${base}.${k}` : k] ??= 'unknown field';
      continue;
    }
    fields[base || 'body'] ??= issue.message;
  }
  return fields;
}

export function validationError(error: z.ZodError): AppError {
  const fields = zodFields(error);
  const [first] = Object.entries(fields);
  return new AppError('VALIDATION', first ? `${first[0]}: ${first[1]}` : 'invalid input', fields);
}

/** The `defaultHook` of every router: a failed zod parse becomes the one error shape. */
export function validationHook(result: { success: boolean; error?: unknown }): void {
  if (!result.success) throw validationError(result.error as z.ZodError);
}

const codeOfStatus: Record<number, ErrorCode> = {
  400: 'VALIDATION',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'VALIDATION',
  423: 'LOCKED',
  429: 'RATE_LIMITED',
};

export interface ErrorPayload {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** Maps anything thrown to a status and body; unknown errors become a 500 that reveals nothing. */
export function toErrorPayload(err: unknown, requestId?: string): ErrorPayload {
  const headers: Record<string, string> = {};
  if (err instanceof AppError) {
    const status = httpStatusOf[err.code] ?? 400;
    if (err.code === 'RATE_LIMITED' && typeof err.details?.retryAfter === 'number') headers['Retry-After'] = String(err.details.retryAfter);
    const details = err.details && Object.keys(err.details).length ? err.details : undefined;
    return { status, headers, body: { error: { code: err.code, message: err.message, fields: err.fields, details, requestId } } };
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = codeOfStatus[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION');
    let message = err.message || (status === 404 ? 'not found' : 'bad request');
    const fields: Record<string, string> | undefined = /malformed json/i.test(message) ? { body: 'is not valid JSON' } : undefined;
    if (status === 415) message = 'unsupported Content-Type: send application/json or application/x-www-form-urlencoded';
    return { status, headers, body: { error: { code, message, fields, requestId } } };
  }
  return { status: 500, headers, body: { error: { code: 'INTERNAL', message: 'internal error', requestId } } };
}

export function errorResponse(c: Context, err: unknown): Response {
  const requestId = c.get('requestId') as string | undefined;
  const p = toErrorPayload(err, requestId);
  if (p.status >= 500) {
    const log = (c.get('log') as Log | undefined) ?? undefined;
    // the stack goes to the server log only, never to the client
    log?.error({ err }, 'request failed');
  }
  for (const [k, v] of Object.entries(p.headers)) c.header(k, v);
  return c.json(p.body, p.status as ContentfulStatusCode);
}

export function notFoundResponse(c: Context): Response {
  return errorResponse(c, new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`));
}
