import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import type { MiddlewareHandler } from 'hono';
import { errorResponses } from '../errors.js';
import { requireRole } from '../auth.js';
import type { AppEnv } from '../router.js';

/** A signed-in staff route: the tma scheme and the error answers every such route can give. */
export function staffRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(route: R) {
  return createRoute({
    ...route,
    security: [{ tma: [] }],
    responses: { ...errorResponses(400, 401, 403, 404, 409), ...route.responses },
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
