import { readFile } from 'node:fs/promises';
import type { JWT } from 'google-auth-library';

/**
 * A thin Google Sheets API v4 reader: `values.get` of one range with a service-account key. The
 * token comes from google-auth-library's JWT client; its token endpoint is the key file's
 * `token_uri` (Google's by default) so tests can run against a local fake, and the API base URL is
 * configuration (GOOGLE_SHEETS_API_ROOT). Failures are classified, never retried here: the sync
 * decides when to try again.
 */

export type SheetsErrorKind = 'auth' | 'quota' | 'not_found' | 'http' | 'network' | 'config';

export class SheetsError extends Error {
  constructor(
    public readonly kind: SheetsErrorKind,
    message: string,
    public readonly status?: number,
    /** seconds, from Retry-After on a 429 */
    public readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'SheetsError';
  }
}

export interface SheetValues {
  /** the range the API answered for, e.g. `Leads!A1:F120` */
  range: string;
  /** rows of cells (UNFORMATTED_VALUE: numbers stay numbers, dates are serials) */
  values: unknown[][];
}

export interface SheetsFetcher {
  getValues(): Promise<SheetValues>;
}

export interface SheetsFetcherOptions {
  spreadsheetId: string;
  range: string;
  /** path to the service account's JSON key */
  keyFile: string;
  /** default https://sheets.googleapis.com */
  apiRoot?: string;
  /** per request, ms */
  timeoutMs?: number;
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/spreadsheets.readonly';

interface ServiceAccountKey {
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
}

export function createSheetsFetcher(o: SheetsFetcherOptions): SheetsFetcher {
  const apiRoot = (o.apiRoot ?? 'https://sheets.googleapis.com').replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 30_000;
  let client: JWT | null = null;

  async function auth(): Promise<JWT> {
    if (client) return client;
    let key: ServiceAccountKey;
    try {
      key = JSON.parse(await readFile(o.keyFile, 'utf8'));
    } catch (err) {
      throw new SheetsError('config', `cannot read the service account key file (${(err as Error).message})`);
    }
    if (!key.client_email || !key.private_key) throw new SheetsError('config', 'the key file has no client_email or private_key');
    // loaded on first use: most installations never configure Sheets, and the library is large
    const { JWT: Jwt } = await import('google-auth-library');
    const jwt = new Jwt({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, scopes: [SCOPE] });
    const tokenUri = key.token_uri;
    if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) {
      // google-auth-library posts to Google's endpoint unconditionally; honour the key's own token_uri
      jwt.transporter.interceptors.request.add({
        resolved: async (config) => {
          if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
          return config;
        },
      });
    }
    client = jwt;
    return jwt;
  }

  async function token(): Promise<string> {
    const jwt = await auth();
    try {
      const { token } = await jwt.getAccessToken();
      if (!token) throw new Error('no access token in the answer');
      return token;
    } catch (err) {
      const e = err as { status?: number; response?: { status?: number }; message?: string };
      const status = e.status ?? e.response?.status;
      if (status === 429) throw new SheetsError('quota', 'token endpoint: too many requests (429)', 429);
      if (status && status < 500) throw new SheetsError('auth', `authentication failed (${status}): ${e.message ?? ''}`.trim(), status);
      throw new SheetsError(status ? 'http' : 'network', `token endpoint unreachable: ${e.message ?? String(err)}`, status);
    }
  }

  async function getValues(): Promise<SheetValues> {
    const bearer = await token();
    const url = `${apiRoot}/v4/spreadsheets/${encodeURIComponent(o.spreadsheetId)}/values/${encodeURIComponent(o.range)}?valueRenderOption=UNFORMATTED_VALUE&majorDimension=ROWS`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new SheetsError('network', `Sheets API unreachable: ${(err as Error).message}`);
    }
    if (res.status === 429) {
      const ra = Number(res.headers.get('retry-after'));
      throw new SheetsError('quota', 'Sheets API quota exceeded (429)', 429, Number.isFinite(ra) && ra > 0 ? ra : undefined);
    }
    if (res.status === 401 || res.status === 403) {
      if (res.status === 401) client = null; // a revoked token: sign again next time
      throw new SheetsError('auth', `Sheets API refused access (${res.status}): share the sheet with the service account`, res.status);
    }
    if (res.status === 404) throw new SheetsError('not_found', 'spreadsheet or range not found (404)', 404);
    if (!res.ok) throw new SheetsError('http', `Sheets API error ${res.status}`, res.status);
    const body = (await res.json()) as { range?: string; values?: unknown[][] };
    return { range: body.range ?? o.range, values: Array.isArray(body.values) ? body.values : [] };
  }

  return { getValues };
}
