import { Composer } from 'grammy';
import { AppError } from '../../core/errors.js';
import { can } from '../../core/policy/policy.js';
import { staffOf, type BotContext, type BotDeps } from '../context.js';
import { localDateLabel } from '../format.js';

/** /stats: the person's own numbers for today, computed by the core KPI counters (never by the bot). */
export function statsFeature(deps: BotDeps): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('stats', async (ctx) => {
    const user = staffOf(ctx);
    if (!can(user, 'kpi.view', { user_id: user.id })) throw new AppError('FORBIDDEN', 'not allowed: kpi.view');
    const n = await deps.services.kpi.personToday(user.id);
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
