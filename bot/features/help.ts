import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

export function helpFeature(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('help', (ctx) => ctx.reply(ctx.tr('bot.help')));
  return c;
}
