import { createHash } from 'node:crypto';
import { Bot, webhookCallback, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { t, LANGS, type Lang } from '../core/i18n/i18n.js';
import type { CoreLogger } from '../core/deps.js';
import type { Services } from '../core/services.js';
import { kvPurge } from '../core/shared/kv-state.js';
import { errorBoundary, identify, privateOnly, requireStaff } from './access.js';
import type { BotConfig, BotContext, BotDeps } from './context.js';
import { CONVERSATION_KEY_PREFIX } from './conversation-kit.js';
import { cancelFeature, chatLock, conversationsPlugin } from './conversations.js';
import { miniAppBase } from './format.js';
import { callsConversations, callsFeature } from './features/calls.js';
import { followupsFeature } from './features/followups.js';
import { helpFeature } from './features/help.js';
import { leadsConversations, leadsFeature } from './features/leads.js';
import { leaveConversations, leaveFeature } from './features/leave.js';
import { overdueFeature } from './features/overdue.js';
import { ratingFeature } from './features/rating.js';
import { startFeature } from './features/start.js';
import { statsFeature } from './features/stats.js';
import { trialsConversations, trialsFeature } from './features/trials.js';

export type CrmBot = Bot<BotContext>;

export interface CreateBotOptions {
  services: Services;
  config: BotConfig;
  log: CoreLogger;
  /** any Bot API server (an emulator in tests); default TELEGRAM_API_ROOT, else Telegram's */
  apiRoot?: string;
  /** skips getMe at start-up when given */
  botInfo?: UserFromGetMe;
}

/** The commands shown in Telegram's menu, in this order, for every language. */
export const BOT_COMMANDS = ['stats', 'followups', 'overdue', 'rating', 'addlead', 'call', 'trial', 'leave', 'cancel', 'help', 'start'] as const;

/** Only what the bot handles is asked for, so Telegram sends nothing else. */
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export const WEBHOOK_PATH = '/telegram/webhook';

/**
 * The staff bot: one Composer per feature behind an error boundary. Order matters: the boundary
 * first; then who is writing; /start (the only thing open to strangers); the staff gate; one update
 * per chat at a time; the conversations (state in the database) with /cancel ahead of them; the
 * commands; fallbacks.
 */
export function createBot(opts: CreateBotOptions): CrmBot {
  const token = opts.config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const apiRoot = opts.apiRoot ?? opts.config.TELEGRAM_API_ROOT;
  const bot = new Bot<BotContext>(token, { client: apiRoot ? { apiRoot } : undefined, botInfo: opts.botInfo });
  const deps: BotDeps = { services: opts.services, config: opts.config, log: opts.log };

  bot.use(errorBoundary(deps));
  bot.use(privateOnly);
  bot.use(identify(deps));
  bot.use(startFeature(deps));
  bot.use(requireStaff);
  bot.use(chatLock(deps));
  bot.use(conversationsPlugin(deps));
  bot.use(cancelFeature());
  for (const conversation of [...leadsConversations(deps), ...callsConversations(deps), ...trialsConversations(deps), ...leaveConversations(deps)]) {
    bot.use(conversation);
  }
  bot.use(
    helpFeature(),
    statsFeature(deps),
    followupsFeature(deps),
    overdueFeature(deps),
    ratingFeature(deps),
    leadsFeature(),
    callsFeature(),
    trialsFeature(),
    leaveFeature(),
  );
  // a button of a finished conversation or an old list
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: ctx.tr('bot.conv.stale') }));
  bot.on('message', (ctx) => ctx.reply(ctx.tr('bot.unknown')));
  // the boundary answers the person; this only catches what escaped it (e.g. its own reply failing)
  bot.catch((err) => opts.log.error({ err: err.error, update: err.ctx?.update?.update_id }, 'bot: unhandled error'));
  return bot;
}

function commandsFor(lang: Lang) {
  return BOT_COMMANDS.map((command) => ({ command, description: t(lang, `bot.cmd.${command}`) }));
}

/**
 * The command menu per language (Uzbek as the default for everyone else) and the chat menu button
 * that opens the Mini App. Each call that fails is logged and skipped: never fatal.
 */
export async function configureBotUi(bot: Bot<Context> | CrmBot, deps: Pick<BotDeps, 'config' | 'log'>): Promise<{ failed: string[] }> {
  const failed: string[] = [];
  const attempt = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (err) {
      failed.push(what);
      deps.log.warn({ err: err instanceof Error ? err.message : String(err), what }, 'bot: start-up Bot API call failed (continuing)');
    }
  };
  await attempt('setMyCommands', () => bot.api.setMyCommands(commandsFor('uz')));
  for (const lang of LANGS) await attempt(`setMyCommands:${lang}`, () => bot.api.setMyCommands(commandsFor(lang), { language_code: lang }));
  const base = miniAppBase(deps.config);
  if (base) {
    await attempt('setChatMenuButton', () =>
      bot.api.setChatMenuButton({ menu_button: { type: 'web_app', text: t('uz', 'bot.menu.app'), web_app: { url: `${base}/app/` } } }),
    );
  } else {
    deps.log.info({ publicUrl: deps.config.PUBLIC_URL }, 'bot: Mini App menu button skipped (Telegram needs an https PUBLIC_URL)');
  }
  return { failed };
}

/** The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token: configured, or derived from the token. */
export function webhookSecret(config: Pick<BotConfig, 'TELEGRAM_WEBHOOK_SECRET' | 'TELEGRAM_BOT_TOKEN'>): string {
  if (config.TELEGRAM_WEBHOOK_SECRET) return config.TELEGRAM_WEBHOOK_SECRET;
  return createHash('sha256').update(`crm-webhook:${config.TELEGRAM_BOT_TOKEN ?? ''}`).digest('hex').slice(0, 48);
}

/** POST /telegram/webhook on a Hono app; an update without the right secret header gets 401 and is not handled. */
// structural, so any Hono app (plain or OpenAPIHono with its own generics) fits
export function mountTelegramWebhook(app: { post(path: string, handler: (c: any) => Promise<Response>): unknown }, bot: CrmBot, secretToken: string, path = WEBHOOK_PATH): void {
  app.post(path, webhookCallback(bot, 'hono', { secretToken }));
}

export interface RunningBot {
  mode: 'polling' | 'webhook';
  /** settles when the start-up Bot API calls (menus, webhook) are done; never rejects */
  ready: Promise<{ failed: string[] }>;
  stop(): Promise<void>;
}

/**
 * Starts the bot: long polling, or (TELEGRAM_WEBHOOK_URL) registers the webhook whose route the
 * caller mounted with mountTelegramWebhook. The menus and the webhook are set in the background:
 * a Bot API that is down or refuses is logged and does not hold up or stop the process; polling
 * is retried until stop().
 */
export async function startBot(bot: CrmBot, deps: Pick<BotDeps, 'config' | 'log' | 'services'>, opts: { retryMs?: number } = {}): Promise<RunningBot> {
  try {
    // conversations nobody came back to for a week (the inactivity timeout closes them on the next update)
    const purged = await kvPurge(deps.services.deps.db, CONVERSATION_KEY_PREFIX, new Date(+deps.services.deps.clock.now() - 7 * 86_400_000));
    if (purged) deps.log.info({ purged }, 'bot: stale conversation states removed');
  } catch (err) {
    deps.log.warn({ err }, 'bot: could not purge stale conversation states');
  }

  const url = deps.config.TELEGRAM_WEBHOOK_URL;
  if (url) {
    const ready = (async () => {
      const ui = await configureBotUi(bot, deps);
      try {
        await bot.api.setWebhook(url, { secret_token: webhookSecret(deps.config), allowed_updates: [...ALLOWED_UPDATES] });
        deps.log.info({ url }, 'bot: webhook registered');
      } catch (err) {
        ui.failed.push('setWebhook');
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'bot: setWebhook failed (continuing; updates arrive once it is set)');
      }
      return ui;
    })();
    // nothing runs in webhook mode: the HTTP server stops taking updates when it closes
    return { mode: 'webhook', ready, stop: async () => undefined };
  }

  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const launch = () => {
    if (stopped) return;
    running = bot
      .start({ allowed_updates: [...ALLOWED_UPDATES], onStart: (me) => deps.log.info({ username: me.username }, 'bot: long polling started') })
      .catch((err) => {
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'bot: long polling stopped with an error; retrying');
        if (!stopped) timer = setTimeout(launch, opts.retryMs ?? 30_000);
      });
  };
  const ready = configureBotUi(bot, deps);
  launch();
  return {
    mode: 'polling',
    ready,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (bot.isRunning()) await bot.stop();
      await running;
    },
  };
}
