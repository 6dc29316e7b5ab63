import { Composer } from 'grammy';
import { asLang, t } from '../../core/i18n/i18n.js';
import type { BotContext, BotDeps } from '../context.js';

/**
 * `/start <token>` links this Telegram account to a staff user (one-time link from the back
 * office or `npm run crm -- user link <id>`). Runs before the staff gate: it is the only thing an
 * unlinked person can do.
 */
export function startFeature(deps: BotDeps): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('start', async (ctx) => {
    const token = (typeof ctx.match === 'string' ? ctx.match : '').trim();
    if (!token) {
      await ctx.reply(ctx.staff ? ctx.tr('bot.start.hello', { name: ctx.staff.full_name }) : ctx.tr('bot.unlinked'));
      return;
    }
    if (ctx.staff) {
      // a link meant for someone else stays unused; this account keeps its binding
      await ctx.reply(ctx.tr('bot.link.already', { name: ctx.staff.full_name }));
      return;
    }
    const res = await deps.services.telegramLinks.redeem(token, { userId: ctx.from!.id, chatId: ctx.chat!.id });
    if (!res.ok) {
      deps.log.info({ refusal: res.refusal, telegramUserId: ctx.from!.id }, 'bot: link refused');
      await ctx.reply(ctx.tr(`bot.link.${res.refusal}`));
      return;
    }
    deps.log.info({ userId: res.user.id, telegramUserId: ctx.from!.id }, 'bot: Telegram account linked');
    ctx.staff = res.user;
    ctx.lang = asLang(res.user.language);
    ctx.tr = (key, params) => t(ctx.lang, key, params);
    await ctx.reply(ctx.tr('bot.link.ok', { name: res.user.full_name }));
  });
  return c;
}
