import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/connection.js';
import { createBotApiRecorder, type BotApiRecorder } from '../support/bot-api-recorder.js';
import { startServer } from '../support/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run crm -- …` as an operator runs it. */
function crm(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli.ts', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const waitFor = async (what: () => boolean | Promise<boolean>, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

const update = (from: number, text: string) => ({
  message: {
    message_id: 1,
    date: 1,
    chat: { id: from, type: 'private', first_name: 'G' },
    from: { id: from, is_bot: false, first_name: 'G' },
    text,
    entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0].length }],
  },
});

// The real process (main.ts, cli.ts) against the recorder: the wiring an operator gets.
describe('bot in the running server (main.ts) and `crm user link`', () => {
  let dir: string;
  let env: Record<string, string>;
  let recorder: BotApiRecorder;
  let database: Database;
  let userId: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-bot-server-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'crm.sqlite')}` };
    recorder = await createBotApiRecorder({ botUsername: 'crm_server_bot', maxPollMs: 300 });
    const added = await crm(['user', 'add', '--username', 'gulya', '--name', 'Gulya Sotuvchi', '--role', 'sales'], env);
    expect(added.code).toBe(0);
    userId = Number(/user (\d+) gulya/.exec(added.stdout)![1]);
    database = openDatabase({ dialect: 'sqlite', sqlitePath: join(dir, 'crm.sqlite') });
  });
  afterAll(async () => {
    await database?.destroy();
    await recorder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`user link <id>` prints the one-time deep link (username from config, else from getMe)', async () => {
    const fromConfig = await crm(['user', 'link', String(userId)], { ...env, TELEGRAM_BOT_USERNAME: 'crm_named_bot' });
    expect(fromConfig.code).toBe(0);
    expect(fromConfig.stdout.trim()).toMatch(/^https:\/\/t\.me\/crm_named_bot\?start=[A-Za-z0-9_-]{20,64}$/);
    const fromGetMe = await crm(['user', 'link', String(userId)], { ...env, TELEGRAM_BOT_TOKEN: recorder.token, TELEGRAM_API_ROOT: recorder.apiRoot });
    expect(fromGetMe.stdout.trim()).toMatch(/^https:\/\/t\.me\/crm_server_bot\?start=/);
    const unknown = await crm(['user', 'link', '9999'], { ...env, TELEGRAM_BOT_USERNAME: 'crm_named_bot' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('user not found');
  }, 60_000);

  it('long polling: the server started with TELEGRAM_BOT_TOKEN links an account from /start <token>, delivers queued notifications and stops cleanly', async () => {
    const link = await crm(['user', 'link', String(userId)], { ...env, TELEGRAM_BOT_USERNAME: 'crm_server_bot' });
    const token = link.stdout.trim().split('start=')[1];
    const server = await startServer({ ...env, TELEGRAM_BOT_TOKEN: recorder.token, TELEGRAM_API_ROOT: recorder.apiRoot });
    try {
      await waitFor(() => recorder.callsOf('getUpdates').length > 0);
      recorder.pushUpdate(update(9001, `/start ${token}`));
      await waitFor(() => recorder.delivered('9001').length > 0);
      expect(recorder.delivered('9001')[0].text).toContain('Gulya Sotuvchi');
      const row = await database.db.selectFrom('users').select('telegram_user_id').where('id', '=', userId).executeTakeFirstOrThrow();
      expect(row.telegram_user_id).toBe('9001');
      // the server's outbox delivery loop sends what the core queues, rendered in the user's language
      const now = new Date().toISOString();
      await database.db.insertInto('outbox').values({
        chat_id: '9001', user_id: userId, kind: 'manager_message', priority: 'urgent', not_before: now, created_at: now,
        payload: JSON.stringify({ messageId: 1, fromName: 'Menejer', text: 'Soat 17:00 da', urgent: true }),
      }).execute();
      await waitFor(() => recorder.delivered('9001').some((m) => (m.text ?? '').includes('Soat 17:00 da')));
      await waitFor(async () => (await database.db.selectFrom('outbox').select('status').where('kind', '=', 'manager_message').executeTakeFirstOrThrow()).status === 'sent');
    } finally {
      await server.stop();
    }
    expect(server.output()).not.toMatch(/"level":(50|60)/);
  }, 120_000);

  it('webhook mode: the server registers the webhook with its secret and refuses updates without it', async () => {
    const server = await startServer({
      ...env,
      TELEGRAM_BOT_TOKEN: recorder.token,
      TELEGRAM_API_ROOT: recorder.apiRoot,
      TELEGRAM_WEBHOOK_URL: 'https://crm.example.uz/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: 'hook-secret-1',
    });
    try {
      await waitFor(() => recorder.webhook !== null);
      expect(recorder.webhook).toEqual({ url: 'https://crm.example.uz/telegram/webhook', secretToken: 'hook-secret-1' });
      const post = (headers: Record<string, string>) =>
        fetch(`${server.url}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ update_id: 77, ...update(9001, '/help') }) });
      const before = recorder.delivered('9001').length;
      expect((await post({})).status).toBe(401);
      expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': 'wrong' })).status).toBe(401);
      expect(recorder.delivered('9001')).toHaveLength(before);
      expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': 'hook-secret-1' })).status).toBe(200);
      expect(recorder.delivered('9001')).toHaveLength(before + 1);
      expect(recorder.delivered('9001').at(-1)!.text).toContain('/followups');
    } finally {
      await server.stop();
    }
  }, 120_000);
});
