import { Api } from 'grammy';
import type { BotConfig } from './context.js';

/**
 * The bot's @username for deep links: TELEGRAM_BOT_USERNAME, else asked from the Bot API (getMe)
 * with the token; null when neither is configured or the Bot API cannot be reached.
 */
export async function resolveBotUsername(config: Pick<BotConfig, 'TELEGRAM_BOT_USERNAME' | 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_API_ROOT'>): Promise<string | null> {
  if (config.TELEGRAM_BOT_USERNAME) return config.TELEGRAM_BOT_USERNAME.replace(/^@/, '');
  if (!config.TELEGRAM_BOT_TOKEN) return null;
  try {
    const api = new Api(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT ? { apiRoot: config.TELEGRAM_API_ROOT, timeoutSeconds: 10 } : { timeoutSeconds: 10 });
    return (await api.getMe()).username;
  } catch {
    return null;
  }
}
