import { Composer } from 'grammy';
import { DateTime } from 'luxon';
import { AppError } from '../../core/errors.js';
import { can } from '../../core/policy/policy.js';
import { clockOf, staffOf, type BotContext, type BotDeps } from '../context.js';
import { localDateLabel } from '../format.js';

/** The core gives rates in percent (0..100) or null when there was nothing to count. */
const pct = (v: number | null) => (v == null ? '—' : `${Math.round(v)}%`);

/** /rating: the team ranking from the first of this month to today (center's time zone). */
export function ratingFeature(deps: BotDeps): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('rating', async (ctx) => {
    const user = staffOf(ctx);
    if (!can(user, 'ranking.view')) throw new AppError('FORBIDDEN', 'not allowed: ranking.view');
    const today = DateTime.fromJSDate(clockOf(deps).now(), { zone: deps.config.CRM_TIMEZONE });
    const from = today.startOf('month').toISODate()!;
    const to = today.toISODate()!;
    const rows = await deps.services.kpi.ranking({ from, to });
    if (!rows.length) return void (await ctx.reply(ctx.tr('bot.rating.empty')));
    const lines = [ctx.tr('bot.rating.title', { period: `${localDateLabel(from)} — ${localDateLabel(to)}` })];
    rows.forEach((r, i) => {
      const line = ctx.tr('bot.rating.row', {
        place: i + 1,
        name: r.name,
        enrolled: r.enrolled,
        conversion: pct(r.conversionRate),
        completion: pct(r.completionRate),
      });
      lines.push(r.userId === user.id ? `${line}${ctx.tr('bot.rating.you')}` : line);
    });
    await ctx.reply(lines.join('\n').slice(0, 4096));
  });
  return c;
}
