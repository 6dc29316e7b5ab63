import type { Context } from 'grammy';
import type { ConversationFlavor } from '@grammyjs/conversations';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { CoreLogger } from '../core/deps.js';
import type { Lang } from '../core/i18n/i18n.js';
import type { Services } from '../core/services.js';
import type { User } from '../db/types.js';

/** What the bot needs from configuration. */
export type BotConfig = Pick<Config, 'PUBLIC_URL' | 'CRM_TIMEZONE'> &
  Partial<Pick<Config, 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_API_ROOT' | 'TELEGRAM_WEBHOOK_URL' | 'TELEGRAM_WEBHOOK_SECRET' | 'TELEGRAM_BOT_USERNAME'>>;

export interface BotDeps {
  services: Services;
  config: BotConfig;
  log: CoreLogger;
}

/** Set on every update by the identify middleware. */
export interface CrmFlavor {
  /** the linked, active staff user; null for anyone else */
  staff: User | null;
  lang: Lang;
  /** translate in this chat's language */
  tr(key: string, params?: Record<string, string | number | null | undefined>): string;
}

export type BotContext = ConversationFlavor<Context & CrmFlavor>;

/** The clock every handler and conversation reads (the injected one, never Date.now()). */
export const clockOf = (deps: BotDeps): Clock => deps.services.deps.clock;

/** A staff user that passed the gate; handlers after requireStaff may rely on it. */
export function staffOf(ctx: BotContext): User {
  if (!ctx.staff) throw new Error('requireStaff must run before this handler');
  return ctx.staff;
}
