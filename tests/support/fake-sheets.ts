import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Google: an OAuth token endpoint for service-account JWTs and the Sheets v4
 * `values.get` route, on 127.0.0.1. Tests set the sheet's rows and queue failures.
 */
export interface FakeSheets {
  url: string;
  /** the rows values.get answers with (header included) */
  rows: unknown[][];
  sheetName: string;
  /** answers to use before the normal one, in order: an HTTP status and headers */
  queue: { status: number; headers?: Record<string, string>; path?: 'token' | 'values' }[];
  requests: { path: string; auth?: string }[];
  /** writes a service-account key whose token_uri points here */
  writeKey(path: string): void;
  close(): Promise<void>;
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (d) => (s += d));
    req.on('end', () => resolve(s));
  });

export async function startFakeSheets(spreadsheetId: string): Promise<FakeSheets> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const token = `fake-token-${Math.random().toString(36).slice(2)}`;
  const fake: FakeSheets = {
    url: '',
    rows: [],
    sheetName: 'Leads',
    queue: [],
    requests: [],
    writeKey(path) {
      writeFileSync(
        path,
        JSON.stringify({ type: 'service_account', client_email: 'crm@test.iam.gserviceaccount.com', private_key: privateKey, private_key_id: 'k1', token_uri: `${fake.url}/token` }),
      );
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    fake.requests.push({ path, auth: req.headers.authorization });
    const which = path === '/token' ? 'token' : 'values';
    const queued = fake.queue[0] && (fake.queue[0].path ?? 'values') === which ? fake.queue.shift() : undefined;
    if (queued) {
      res.writeHead(queued.status, { 'content-type': 'application/json', ...queued.headers });
      res.end(JSON.stringify({ error: { code: queued.status, message: 'queued failure' } }));
      return;
    }
    if (path === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(await body(req));
      const jwt = form.get('assertion') ?? '';
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || jwt.split('.').length !== 3) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'bad assertion' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, expires_in: 3600, token_type: 'Bearer' }));
      return;
    }
    const m = /^\/v4\/spreadsheets\/([^/]+)\/values\/(.+)$/.exec(path);
    if (m && req.method === 'GET') {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      if (decodeURIComponent(m[1]) !== spreadsheetId) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      const width = Math.max(1, ...fake.rows.map((r) => r.length));
      const col = String.fromCharCode(64 + width);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ range: `${fake.sheetName}!A1:${col}${Math.max(fake.rows.length, 1)}`, majorDimension: 'ROWS', values: fake.rows }));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
