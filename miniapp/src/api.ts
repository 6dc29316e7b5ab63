// Typed client of the CRM API: the route types come from the server's exported app type, so a
// renamed field or route breaks the Mini App's typecheck, not a salesperson's day.
import { hc, type ClientResponse } from 'hono/client';
import type { AppType } from '../../api/app.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let authorization = '';

/** Every request carries Telegram's init data: the server validates its signature with the bot token. */
export function setInitData(raw: string): void {
  authorization = `tma ${raw}`;
}

export const api = hc<AppType>(window.location.origin, {
  headers: () => ({ authorization }),
});

type Body<R> = R extends ClientResponse<infer T, infer S, infer _F> ? (S extends 200 | 201 ? T : never) : never;

/** Awaits a client call: the success body, or an ApiError carrying the server's one error shape. */
export async function call<R extends ClientResponse<unknown, number, any>>(request: Promise<R>): Promise<Body<R>> {
  let res: R;
  try {
    res = await request;
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  if (res.ok) return (await res.json()) as Body<R>;
  let body: { error?: { code?: string; message?: string; fields?: Record<string, string>; details?: Record<string, unknown> } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    /* not JSON: a proxy or a crash page */
  }
  throw new ApiError(res.status, body.error?.code ?? (res.status >= 500 ? 'INTERNAL' : 'ERROR'), body.error?.message ?? res.statusText, body.error?.fields, body.error?.details);
}

export type Api = typeof api;
