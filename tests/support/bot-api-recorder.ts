import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

/**
 * A small Telegram Bot API server on 127.0.0.1 for tests and benches: it records every call and can
 * misbehave on purpose (429 with retry_after, 500s, refused connections, answers dropped after the
 * message was taken, connections reset before it was). Point grammY at it with `apiRoot`.
 *
 * Supported: getMe, sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
 * answerCallbackQuery, setMyCommands, getMyCommands, deleteMyCommands, setChatMenuButton,
 * getChatMenuButton, setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling over
 * updates queued with pushUpdate), setMyDescription, setMyShortDescription. Others answer 404.
 */

export interface RecordedCall {
  seq: number;
  method: string;
  chatId: string | null;
  text: string | null;
  params: Record<string, any>;
  /** arrival time in ms (performance clock on the epoch scale, sub-millisecond) */
  at: number;
  /**
   * ok: answered 200 · error: answered with an error · dropped: taken, then the connection was cut
   * without an answer (the message counts as delivered) · reset: cut before it was taken
   */
  outcome: 'ok' | 'error' | 'dropped' | 'reset';
  status: number | null;
}

export interface FaultPlan {
  /** methods the random faults apply to (default: sendMessage) */
  methods?: string[];
  /** share of calls answered 429 Too Many Requests with parameters.retry_after */
  rate429?: number;
  retryAfter?: number;
  /** share of calls answered 500 */
  rate500?: number;
  /** share of calls whose message is recorded and whose connection is then cut without an answer */
  dropRate?: number;
  /** share of calls whose connection is cut before the message is taken */
  resetRate?: number;
}

export interface ChatFault {
  code: number;
  description: string;
  /** how many calls it applies to; forever when omitted */
  times?: number;
}

export interface RecorderOptions {
  token?: string;
  botUsername?: string;
  faults?: FaultPlan | null;
  /** seed of the fault dice, so a failing run can be repeated */
  seed?: number;
  /** longest hold of a long-polling getUpdates, whatever timeout the client asks for */
  maxPollMs?: number;
}

export interface BotApiRecorder {
  /** for grammY: `new Api(token, { apiRoot })` */
  apiRoot: string;
  token: string;
  port: number;
  calls: RecordedCall[];
  /** sendMessage calls whose message was taken (answered ok, or taken and then the answer dropped) */
  delivered(chatId?: string): RecordedCall[];
  callsOf(method: string): RecordedCall[];
  setFaults(plan: FaultPlan | null): void;
  /** makes every call for one chat fail with this error (e.g. 403 bot was blocked by the user) */
  failChat(chatId: string | number, fault: ChatFault | null): void;
  /** refuses connections for `ms` (the listener is closed: clients get ECONNREFUSED) */
  outage(ms: number): Promise<void>;
  /** refuses connections until `until()` is true (checked every 10 ms) or `maxMs` has passed */
  outageUntil(until: () => boolean, maxMs: number): Promise<void>;
  /** repeats outages of `downMs` every `downMs + upMs`, starting with one, until stopOutages() */
  startOutages(opts: { downMs: number; upMs: number }): void;
  stopOutages(): Promise<void>;
  /** queues an update for getUpdates (update_id is assigned when missing) */
  pushUpdate(update: Record<string, unknown>): void;
  webhook: { url: string; secretToken: string | null } | null;
  commands: Map<string, unknown>;
  menuButton: unknown;
  close(): Promise<void>;
}

const nowMs = () => performance.timeOrigin + performance.now();

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Most events in any window of `windowMs` (half-open), e.g. the most messages seen in one second. */
export function maxPerWindow(times: number[], windowMs = 1000): number {
  const ts = [...times].sort((a, b) => a - b);
  let best = 0;
  let i = 0;
  for (let j = 0; j < ts.length; j++) {
    while (ts[j] - ts[i] >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** Most events to one chat in any window of `windowMs`. */
export function maxPerChatWindow(calls: RecordedCall[], windowMs = 1000): number {
  const byChat = new Map<string, number[]>();
  for (const c of calls) if (c.chatId != null) byChat.set(c.chatId, [...(byChat.get(c.chatId) ?? []), c.at]);
  let best = 0;
  for (const ts of byChat.values()) best = Math.max(best, maxPerWindow(ts, windowMs));
  return best;
}

async function readBody(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://x');
  const params: Record<string, any> = Object.fromEntries(url.searchParams);
  const type = String(req.headers['content-type'] ?? '');
  if (!raw) return params;
  if (type.includes('application/json')) return { ...params, ...JSON.parse(raw) };
  if (type.includes('application/x-www-form-urlencoded')) return { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
  if (type.includes('multipart/form-data')) {
    // enough for tests: plain text fields; files are recorded by field name only
    for (const m of raw.matchAll(/name="([^"]+)"(?:; filename="[^"]*")?\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--/g)) params[m[1]] = m[2];
    return params;
  }
  return { ...params, _raw: raw };
}

export async function createBotApiRecorder(opts: RecorderOptions = {}): Promise<BotApiRecorder> {
  const token = opts.token ?? '123456:TEST-recorder-token';
  const botId = Number(token.split(':')[0]) || 123456;
  const username = opts.botUsername ?? 'crm_test_bot';
  const maxPollMs = opts.maxPollMs ?? 1_000;
  let faults: FaultPlan | null = opts.faults ?? null;
  const dice = mulberry32(opts.seed ?? 1);
  const chatFaults = new Map<string, ChatFault>();
  const calls: RecordedCall[] = [];
  const messageIds = new Map<string, number>();
  const updates: Array<Record<string, unknown>> = [];
  let nextUpdateId = 1;
  const pollers = new Set<() => void>();
  let seq = 0;
  let closed = false;

  const state = {
    webhook: null as { url: string; secretToken: string | null } | null,
    commands: new Map<string, unknown>(),
    menuButton: null as unknown,
  };

  const sockets = new Set<Socket>();
  /** kept-alive connections between two requests: the only ones an outage may cut safely */
  const idle = new Set<Socket>();
  let down = false;

  const me = { id: botId, is_bot: true, first_name: 'CRM Test Bot', username, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

  function reply(res: ServerResponse, status: number, body: unknown) {
    const data = JSON.stringify(body);
    if (down) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
    res.end(data);
  }
  const ok = (res: ServerResponse, result: unknown) => reply(res, 200, { ok: true, result });
  const fail = (res: ServerResponse, code: number, description: string, parameters?: Record<string, unknown>) =>
    reply(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

  function message(chatId: string, params: Record<string, any>) {
    const id = (messageIds.get(chatId) ?? 0) + 1;
    messageIds.set(chatId, id);
    const numeric = Number(chatId);
    return {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: numeric < 0 ? { id: numeric, type: 'supergroup', title: 'Team' } : { id: numeric, type: 'private', first_name: 'User' },
      from: me,
      text: params.text,
      ...(params.reply_markup ? { reply_markup: typeof params.reply_markup === 'string' ? JSON.parse(params.reply_markup) : params.reply_markup } : {}),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const at = nowMs();
    const socket = req.socket;
    idle.delete(socket);
    res.on('finish', () => {
      if (!socket.destroyed) idle.add(socket);
    });
    const m = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    let params: Record<string, any>;
    try {
      params = await readBody(req);
    } catch {
      return fail(res, 400, 'Bad Request: invalid JSON');
    }
    if (!m) return fail(res, 404, 'Not Found');
    const [, tok, method] = m;
    const chatId = params.chat_id != null ? String(params.chat_id) : null;
    const call: RecordedCall = { seq: ++seq, method, chatId, text: params.text ?? null, params, at, outcome: 'ok', status: 200 };
    const record = (outcome: RecordedCall['outcome'], status: number | null) => {
      call.outcome = outcome;
      call.status = status;
      calls.push(call);
    };
    if (tok !== token) {
      record('error', 401);
      return fail(res, 401, 'Unauthorized');
    }

    const chatFault = chatId != null ? chatFaults.get(chatId) : undefined;
    if (chatFault) {
      if (chatFault.times != null && --chatFault.times <= 0) chatFaults.delete(chatId!);
      record('error', chatFault.code);
      return fail(res, chatFault.code, chatFault.description);
    }
    if (faults && (faults.methods ?? ['sendMessage']).includes(method)) {
      let r = dice();
      if ((r -= faults.resetRate ?? 0) < 0) {
        record('reset', null);
        socket.destroy();
        return;
      }
      if ((r -= faults.rate429 ?? 0) < 0) {
        const retryAfter = faults.retryAfter ?? 1;
        record('error', 429);
        return fail(res, 429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
      }
      if ((r -= faults.rate500 ?? 0) < 0) {
        record('error', 500);
        return fail(res, 500, 'Internal Server Error');
      }
      if ((r -= faults.dropRate ?? 0) < 0) {
        if (method === 'sendMessage' && chatId != null) message(chatId, params);
        record('dropped', null);
        socket.destroy();
        return;
      }
    }

    switch (method) {
      case 'getMe':
        record('ok', 200);
        return ok(res, me);
      case 'sendMessage': {
        if (chatId == null || chatId === '') {
          record('error', 400);
          return fail(res, 400, 'Bad Request: chat_id is empty');
        }
        if (typeof params.text !== 'string' || params.text.trim() === '') {
          record('error', 400);
          return fail(res, 400, 'Bad Request: message text is empty');
        }
        record('ok', 200);
        return ok(res, message(chatId, params));
      }
      case 'editMessageText':
        record('ok', 200);
        if (params.inline_message_id) return ok(res, true);
        return ok(res, { ...message(chatId ?? '0', params), message_id: Number(params.message_id) || 1, edit_date: Math.floor(Date.now() / 1000) });
      case 'setMyCommands': {
        const scope = params.scope ? JSON.stringify(params.scope) : 'default';
        state.commands.set(`${scope}|${params.language_code ?? ''}`, params.commands);
        record('ok', 200);
        return ok(res, true);
      }
      case 'getMyCommands':
        record('ok', 200);
        return ok(res, state.commands.get(`${params.scope ? JSON.stringify(params.scope) : 'default'}|${params.language_code ?? ''}`) ?? []);
      case 'deleteMyCommands':
        state.commands.delete(`${params.scope ? JSON.stringify(params.scope) : 'default'}|${params.language_code ?? ''}`);
        record('ok', 200);
        return ok(res, true);
      case 'setChatMenuButton':
        state.menuButton = params.menu_button ?? null;
        record('ok', 200);
        return ok(res, true);
      case 'getChatMenuButton':
        record('ok', 200);
        return ok(res, state.menuButton ?? { type: 'default' });
      case 'setWebhook':
        state.webhook = { url: String(params.url ?? ''), secretToken: params.secret_token ?? null };
        record('ok', 200);
        return ok(res, true);
      case 'deleteWebhook':
        state.webhook = null;
        record('ok', 200);
        return ok(res, true);
      case 'getWebhookInfo':
        record('ok', 200);
        return ok(res, { url: state.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: updates.length });
      case 'answerCallbackQuery':
      case 'editMessageReplyMarkup':
      case 'deleteMessage':
      case 'setMyDescription':
      case 'setMyShortDescription':
        record('ok', 200);
        return ok(res, true);
      case 'getUpdates': {
        record('ok', 200);
        if (state.webhook) return fail(res, 409, "Conflict: can't use getUpdates method while webhook is active");
        const offset = Number(params.offset ?? 0);
        const take = () => {
          while (updates.length && Number(updates[0].update_id) < offset) updates.shift();
          return updates.slice(0, Number(params.limit ?? 100));
        };
        let batch = take();
        const waitMs = Math.min(Number(params.timeout ?? 0) * 1000, maxPollMs);
        if (!batch.length && waitMs > 0 && !closed) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              pollers.delete(done);
              resolve();
            };
            const timer = setTimeout(done, waitMs);
            pollers.add(done);
            req.once('close', done);
          });
          batch = take();
        }
        if (res.destroyed) return;
        return ok(res, batch);
      }
      default:
        record('error', 404);
        return fail(res, 404, 'Not Found: method not found');
    }
  }

  const http = createHttpServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) fail(res, 500, `Internal Server Error: ${String(err)}`);
    });
  });
  // clients keep connections alive; a short server timeout would race them and fake resets
  http.keepAliveTimeout = 60_000;

  let listener: NetServer;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      listener = createNetServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => {
          sockets.delete(socket);
          idle.delete(socket);
        });
        http.emit('connection', socket);
      });
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        const addr = listener.address();
        if (addr && typeof addr === 'object') port = addr.port;
        resolve();
      });
    });
  await listen();

  const goDown = () => {
    down = true;
    listener.close();
    // kept-alive connections go too, so the next call has to connect (and is refused); one just
    // accepted may carry a request not yet read, and is left to finish with "connection: close"
    for (const s of idle) s.destroy();
  };
  const goUp = async () => {
    down = false;
    if (!closed) await listen();
  };

  let outageTimer: NodeJS.Timeout | null = null;
  let outageRunning: Promise<void> = Promise.resolve();

  const recorder: BotApiRecorder = {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    port,
    calls,
    delivered(chatId?: string) {
      return calls.filter((c) => c.method === 'sendMessage' && (c.outcome === 'ok' || c.outcome === 'dropped') && (chatId == null || c.chatId === chatId));
    },
    callsOf(method: string) {
      return calls.filter((c) => c.method === method);
    },
    setFaults(plan) {
      faults = plan;
    },
    failChat(chatId, fault) {
      if (fault) chatFaults.set(String(chatId), { ...fault });
      else chatFaults.delete(String(chatId));
    },
    async outage(ms: number) {
      goDown();
      await new Promise((r) => setTimeout(r, ms));
      await goUp();
    },
    async outageUntil(until: () => boolean, maxMs: number) {
      goDown();
      const end = Date.now() + maxMs;
      while (!until() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      await goUp();
    },
    startOutages({ downMs, upMs }) {
      const cycle = () => {
        outageRunning = recorder.outage(downMs).then(() => {
          if (outageTimer) outageTimer = setTimeout(cycle, upMs);
        });
      };
      // down first, so calls made right after this are refused
      outageTimer = setTimeout(cycle, 0);
    },
    async stopOutages() {
      if (outageTimer) clearTimeout(outageTimer);
      outageTimer = null;
      await outageRunning;
    },
    pushUpdate(update) {
      updates.push({ update_id: nextUpdateId++, ...update });
      const last = updates[updates.length - 1];
      if (Number(last.update_id) >= nextUpdateId) nextUpdateId = Number(last.update_id) + 1;
      for (const p of [...pollers]) p();
    },
    get webhook() {
      return state.webhook;
    },
    commands: state.commands,
    get menuButton() {
      return state.menuButton;
    },
    async close() {
      closed = true;
      await recorder.stopOutages();
      for (const p of [...pollers]) p();
      listener.close();
      for (const s of sockets) s.destroy();
      http.close();
    },
  };
  return recorder;
}
