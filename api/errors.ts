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

const typeWords: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
};
const typeWord = (t: unknown) => typeWords[String(t)] ?? String(t);
const list = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/** The value at `path` of what the client sent (undefined when absent). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v == null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * What is wrong with a field, in words an integrator reads without knowing zod: a missing field
 * "is required", a wrong type "must be a number", a long text "must be at most 200 characters".
 * Messages a schema wrote itself are kept; zod's own ("Invalid input: expected string, received
 * undefined") are rephrased.
 */
function issueMessage(issue: z.core.$ZodIssue, input: unknown, hasInput: boolean): string {
  if (!/^(Invalid|Too (big|small))\b/.test(issue.message)) return issue.message;
  // null is how many form builders send an empty field
  const missing = hasInput ? valueAt(input, issue.path) == null : /received (undefined|null)$/.test(issue.message);
  switch (issue.code) {
    case 'invalid_type':
      if (missing) return 'is required';
      if (issue.expected === 'never') return 'unknown field';
      return `must be ${typeWord(issue.expected)}`;
    case 'invalid_union': {
      if (missing) return 'is required';
      const expected = [...new Set(issue.errors.flat().filter((i) => i.code === 'invalid_type' && i.path.length === 0).map((i) => typeWord((i as { expected: unknown }).expected)))];
      if (expected.length === issue.errors.length && expected.length > 0) return `must be ${expected.join(' or ')}`;
      // one branch had the right type but a wrong value: its message is the useful one
      const inner = issue.errors.flat().find((i) => !(i.code === 'invalid_type' && i.path.length === 0));
      return inner ? issueMessage(inner as z.core.$ZodIssue, valueAt(input, issue.path), hasInput) : 'is not valid';
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${n} items`;
      return issue.inclusive === false ? `must be less than ${n}` : `must be at most ${n}`;
    }
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string') return n <= 1 ? 'is required' : `must be at least ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at least ${n} item${n === 1 ? '' : 's'}`;
      if (n === 0 && issue.inclusive === false) return 'must be greater than 0';
      return issue.inclusive === false ? `must be greater than ${n}` : `must be at least ${n}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${list(issue.values)}` : `must be one of ${list(issue.values)}`;
    case 'invalid_format':
      if (issue.format === 'datetime') return 'must be a date and time (ISO 8601, e.g. 2026-11-24T15:00:00+05:00)';
      if (issue.format === 'date') return 'must be a date YYYY-MM-DD';
      if (issue.format === 'time') return 'must be a time HH:MM';
      if (issue.format === 'email') return 'must be an email address';
      if (issue.format === 'url') return 'must be a URL';
      return 'has the wrong format';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
    case 'invalid_element':
      return 'is not valid';
    default:
      return issue.message;
  }
}

/**
 * Field → message from a zod error, naming unknown keys one by one (strict schemas). With the
 * input that failed, a field that is absent is told apart from one of the wrong type.
 */
export function zodFields(error: z.ZodError, ...input: [unknown?]): Record<string, string> {
  // no prototype: a client's unknown key "constructor" or "__proto__" must be named, not found inherited
  const fields: Record<string, string> = Object.create(null);
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[base ? `${base}.${k}` : k] ??= 'unknown field';
      continue;
    }
    fields[base || 'body'] ??= issueMessage(issue, input[0], input.length > 0);
  }
  return fields;
}

export function validationError(error: z.ZodError, ...input: [unknown?]): AppError {
  const fields = zodFields(error, ...input);
  const [first] = Object.entries(fields);
  return new AppError('VALIDATION', first ? `${first[0]}: ${first[1]}` : 'invalid input', fields);
}

/**
 * Field → message for every text of parsed input that holds a NUL character: PostgreSQL text cannot
 * store one (the write fails there as a 500, while SQLite keeps it), and nobody types one on purpose.
 */
export function nulFields(data: unknown, path = '', out: Record<string, string> = Object.create(null)): Record<string, string> {
  if (typeof data === 'string') {
    if (data.includes('\u0000')) out[path || 'body'] ??= 'must not contain a NUL character';
  } else if (Array.isArray(data)) {
    for (const v of data) nulFields(v, path, out);
  } else if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) nulFields(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

function fieldsError(fields: Record<string, string>): AppError {
  const [first] = Object.entries(fields);
  return new AppError('VALIDATION', first ? `${first[0]}: ${first[1]}` : 'invalid input', fields);
}

/** The `defaultHook` of every router: a failed zod parse (or a NUL in a text) becomes the one error shape. */
export function validationHook(result: { success: boolean; error?: unknown; data?: unknown }): void {
  if (!result.success) throw validationError(result.error as z.ZodError, ...('data' in result ? [result.data] : []));
  const nul = nulFields(result.data);
  if (Object.keys(nul).length) throw fieldsError(nul);
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
