import { Composer } from 'grammy';
import type { BotContext, BotDeps } from '../context.js';
import { showList } from './followups.js';

/** /overdue: the person's open follow-ups past their due time, with the same buttons as /followups. */
export function overdueFeature(deps: BotDeps): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('overdue', (ctx) => showList(deps, ctx, 'fo'));
  return c;
}
