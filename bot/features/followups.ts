import { Composer, InlineKeyboard } from 'grammy';
import { DateTime } from 'luxon';
import { t, type Lang } from '../../core/i18n/i18n.js';
import type { User } from '../../db/types.js';
import { clockOf, staffOf, type BotContext, type BotDeps } from '../context.js';
import { localDayAt, miniAppLeadUrl, shortTime } from '../format.js';

/** Longest list shown with buttons; the rest is counted ("… and N more", full list in the Mini App). */
const MAX_ITEMS = 10;
const HOUR = 3_600_000;

/**
 * Button data: <where>:<action>:<follow-up id>. `ft` = the /followups list, `fo` = the /overdue
 * list (both re-render in place), `fu` = a notification from the outbox (bot/render.ts sends
 * fu:done / fu:snooze). Actions: done, h1 (+1 hour), tm (tomorrow), snooze (show the choices).
 */
const DATA = /^(ft|fo|fu):(done|h1|tm|snooze):(\d+)$/;
type Where = 'ft' | 'fo' | 'fu';

type Row = Awaited<ReturnType<BotDeps['services']['followUps']['listFor']>>[number];

function endOfToday(now: Date, tz: string): string {
  return DateTime.fromJSDate(now, { zone: tz }).plus({ days: 1 }).startOf('day').toUTC().toISO()!;
}

async function loadList(deps: BotDeps, user: User, where: Exclude<Where, 'fu'>): Promise<Row[]> {
  const now = clockOf(deps).now();
  return where === 'fo'
    ? deps.services.followUps.listFor(user.id, { overdueOnly: true })
    : deps.services.followUps.listFor(user.id, { to: endOfToday(now, deps.config.CRM_TIMEZONE) });
}

/** The list message: numbered lines, and per follow-up a row of buttons. */
export function renderList(deps: BotDeps, lang: Lang, rows: Row[], where: Exclude<Where, 'fu'>) {
  const tz = deps.config.CRM_TIMEZONE;
  const now = clockOf(deps).now();
  if (!rows.length) return { text: t(lang, where === 'fo' ? 'bot.overdue.none' : 'bot.fu.none'), keyboard: undefined };
  const shown = rows.slice(0, MAX_ITEMS);
  const lines = [t(lang, where === 'fo' ? 'bot.overdue.title' : 'bot.fu.title', { n: rows.length })];
  const kb = new InlineKeyboard();
  shown.forEach((r, i) => {
    const late = Date.parse(r.due_at) < +now;
    const params = { time: shortTime(r.due_at, tz, now), name: r.lead_name, phone: r.lead_phone, status: t(lang, `status.${r.lead_status}`) };
    lines.push(`${i + 1}. ${t(lang, late ? 'bot.fu.item_overdue' : 'bot.fu.item', params)}`);
    kb.text(`✅ ${i + 1}. ${r.lead_name}`.slice(0, 40), `${where}:done:${r.id}`)
      .text('⏰ +1h', `${where}:h1:${r.id}`)
      .text(t(lang, 'bot.btn.snooze_tomorrow'), `${where}:tm:${r.id}`)
      .text('📞', `call:${r.lead_id}`);
    const url = miniAppLeadUrl(deps.config, r.lead_id);
    if (url) kb.webApp('📱', url);
    kb.row();
  });
  if (rows.length > shown.length) lines.push(t(lang, 'bot.fu.more', { n: rows.length - shown.length }));
  return { text: lines.join('\n'), keyboard: kb };
}

export async function showList(deps: BotDeps, ctx: BotContext, where: Exclude<Where, 'fu'>) {
  const { text, keyboard } = renderList(deps, ctx.lang, await loadList(deps, staffOf(ctx), where), where);
  await ctx.reply(text, keyboard ? { reply_markup: keyboard } : {});
}

/** When a snooze lands: +1 hour from the later of now and the due time; tomorrow at the person's shift start. */
function snoozeUntil(deps: BotDeps, user: User, dueAt: string, action: 'h1' | 'tm'): string {
  const now = clockOf(deps).now();
  const due = Date.parse(dueAt);
  if (action === 'h1') return new Date(Math.max(+now, due) + HOUR).toISOString();
  let at = localDayAt(now, deps.config.CRM_TIMEZONE, 1, user.work_start || '09:00');
  if (at <= due) at = due + 24 * HOUR;
  return new Date(at).toISOString();
}

export function followupsFeature(deps: BotDeps): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('followups', (ctx) => showList(deps, ctx, 'ft'));

  c.callbackQuery(DATA, async (ctx) => {
    const [, where, action, idText] = ctx.match as RegExpMatchArray;
    const user = staffOf(ctx);
    const id = Number(idText);
    const message = ctx.callbackQuery.message;
    if (action === 'snooze') {
      // a notification's "snooze" button: offer the two choices in place
      await ctx.answerCallbackQuery();
      await ctx.editMessageReplyMarkup({
        reply_markup: new InlineKeyboard().text(t(ctx.lang, 'bot.btn.snooze_1h'), `fu:h1:${id}`).text(t(ctx.lang, 'bot.btn.snooze_tomorrow'), `fu:tm:${id}`),
      });
      return;
    }
    let notice: string;
    if (action === 'done') {
      const fu = await deps.services.followUps.complete(id, user);
      const lead = await deps.services.leads.get(fu.lead_id, user);
      notice = ctx.tr('bot.fu.done', { name: lead.name });
    } else {
      const current = await deps.services.followUps.get(id);
      const fu = await deps.services.followUps.snooze(id, snoozeUntil(deps, user, current.due_at, action as 'h1' | 'tm'), user);
      const lead = await deps.services.leads.get(fu.lead_id, user);
      notice = ctx.tr('bot.fu.snoozed', { name: lead.name, time: shortTime(fu.due_at, deps.config.CRM_TIMEZONE, clockOf(deps).now()) });
    }
    await ctx.answerCallbackQuery({ text: notice });
    if (!message) return;
    if (where === 'fu') {
      const text = 'text' in message && message.text ? `${message.text}\n\n${notice}` : notice;
      await ctx.editMessageText(text.slice(0, 4096));
      return;
    }
    const { text, keyboard } = renderList(deps, ctx.lang, await loadList(deps, user, where as 'ft' | 'fo'), where as 'ft' | 'fo');
    await ctx.editMessageText(`${notice}\n\n${text}`.slice(0, 4096), keyboard ? { reply_markup: keyboard } : {});
  });
  return c;
}
