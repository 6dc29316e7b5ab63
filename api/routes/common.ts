import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import type { MiddlewareHandler } from 'hono';
import { errorResponses } from '../errors.js';
import { requireRole } from '../auth.js';
import type { AppEnv } from '../router.js';

/**
 * A signed-in staff route: the tma scheme and exactly the error answers it can give. 401/403 come
 * from sign-in (and roles); 400 from any params, query or body; 404 from an id in the path; 413
 * from the body limit on anything but GET; 415 from a body's media type. A route whose handler can
 * also refuse with 404 (an id in the body) or 409 (a state conflict) says so in `errors`.
 */
export function staffRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(route: R, opts: { errors?: Array<404 | 409> } = {}) {
  const request = route.request;
  const codes = new Set<number>([401, 403, ...(opts.errors ?? [])]);
  if (request?.params || request?.query || request?.body || request?.headers) codes.add(400);
  if (/\{[^}]+\}/.test(route.path)) codes.add(404);
  if (route.method !== 'get') codes.add(413);
  if (request?.body) codes.add(415);
  return createRoute({
    ...route,
    security: [{ tma: [] }],
    responses: { ...errorResponses(...[...codes].sort()), ...route.responses },
  });
}

/** A required JSON body validated by a (strict) zod schema. */
export function jsonBody<S extends ZodType>(schema: S) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}

export const jsonOk = <S extends ZodType>(schema: S, description = 'OK') => ({ description, content: { 'application/json': { schema } } }) as const;

/** Managers and admins only (SPEC §10); a salesperson gets 403 before the body is even read. */
export const managersOnly: MiddlewareHandler<AppEnv> = requireRole('admin', 'sales_manager');

export const isManager = (role: string) => role === 'admin' || role === 'sales_manager';
