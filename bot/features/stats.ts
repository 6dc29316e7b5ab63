import { Composer } from 'grammy';
import { staffOf, type BotContext, type BotDeps } from '../context.js';
import { localDateLabel } from '../format.js';
import { kpiOf } from '../kpi-port.js';

/** /stats: the person's own numbers for today, computed by the core (never by the bot). */
export function statsFeature(deps: BotDeps): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('stats', async (ctx) => {
    const user = staffOf(ctx);
    const kpi = kpiOf(deps.services);
    if (!kpi?.today) return void (await ctx.reply(ctx.tr('bot.error.unavailable')));
    const n = await kpi.today(user.id);
    await ctx.reply(
      [
        ctx.tr('bot.stats.title', { date: localDateLabel(n.date) }),
        ctx.tr('bot.stats.contacts', { n: n.contacts }),
        ctx.tr('bot.stats.followups', { done: n.followupsDone, due: n.followupsDue }),
        ctx.tr('bot.stats.overdue', { n: n.overdue }),
        ctx.tr('bot.stats.trials', { n: n.trialsToday }),
      ].join('\n'),
    );
  });
  return c;
}
