import { Composer, type Context } from 'grammy';
import { createConversation } from '@grammyjs/conversations';
import { AppError } from '../../core/errors.js';
import { can } from '../../core/policy/policy.js';
import { LEAVE_REASON_MAX } from '../../core/leave/leave.js';
import { addLocalDays, localDate } from '../../core/worktime/worktime.js';
import { staffOf, type BotContext, type BotDeps } from '../context.js';
import { makeKit, type Convo, type ConvoArgs } from '../conversation-kit.js';
import { enterConversation } from '../conversations.js';
import { localDateLabel, parseLocalDate, parseTimeRange } from '../format.js';

export const REQUEST_LEAVE = 'request-leave';

/** Request leave: first day → last day → whole day or hours → reason; managers are told by the core. */
export function requestLeaveConversation(deps: BotDeps) {
  return async function requestLeave(conversation: Convo, ctx0: Context, args: ConvoArgs) {
    const k = makeKit(conversation, ctx0, deps, args);
    const tz = deps.config.CRM_TIMEZONE;
    const now = new Date(await k.nowMs());
    const today = localDate(now, tz);
    const tomorrow = addLocalDays(today, 1);

    let startDate: string | null = null;
    let question = k.tr('bot.leave.ask_start');
    while (!startDate) {
      const answer = await k.askText(question, {
        buttons: [
          { value: today, label: `${k.tr('bot.today')} (${localDateLabel(today)})` },
          { value: tomorrow, label: `${k.tr('bot.tomorrow')} (${localDateLabel(tomorrow)})` },
        ],
      });
      const date = answer && typeof answer === 'object' ? answer.button : typeof answer === 'string' ? parseLocalDate(answer, tz, now) : null;
      if (!date) question = k.tr('bot.leave.bad_date');
      else if (date < today) question = k.tr('bot.leave.past_date');
      else startDate = date;
    }

    let endDate: string | null = null;
    question = k.tr('bot.leave.ask_end');
    while (!endDate) {
      const answer = await k.askText(question, { buttons: [{ value: startDate, label: `${k.tr('bot.leave.same_day')} (${localDateLabel(startDate)})` }] });
      const date = answer && typeof answer === 'object' ? answer.button : typeof answer === 'string' ? parseLocalDate(answer, tz, now) : null;
      if (!date) question = k.tr('bot.leave.bad_date');
      else if (date < startDate) question = k.tr('bot.leave.bad_range');
      else endDate = date;
    }

    let times: { start: string; end: string } | null | undefined;
    question = k.tr('bot.leave.ask_times');
    while (times === undefined) {
      const answer = await k.askText(question, { buttons: [{ value: 'whole', label: k.tr('bot.leave.whole_day') }] });
      if (answer && typeof answer === 'object') times = null;
      else if (typeof answer === 'string') times = parseTimeRange(answer) ?? undefined;
      if (times === undefined) question = k.tr('bot.leave.bad_times');
    }

    let reason = await k.askPlain(k.tr('bot.leave.ask_reason'));
    // asked again here: refused by the core, the whole form would be lost for one over-long answer
    while (reason.length > LEAVE_REASON_MAX) reason = await k.askPlain(k.tr('bot.leave.long_reason', { max: LEAVE_REASON_MAX, n: reason.length }));
    const input = { startDate, endDate, startTime: times?.start ?? null, endTime: times?.end ?? null, reason };
    const sent = await k.core(async () => {
      const leave = await deps.services.leave.request(input, await deps.services.users.get(args.userId));
      return { id: leave.id };
    });
    if (!sent.ok) return k.sayError(sent.error);
    const span = times ? `, ${times.start}–${times.end}` : '';
    await k.say(k.tr('bot.leave.sent', { from: localDateLabel(startDate), to: localDateLabel(endDate), times: span }));
  };
}

export function leaveFeature(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('leave', async (ctx) => {
    const user = staffOf(ctx);
    if (!can(user, 'leave.request')) throw new AppError('FORBIDDEN', 'not allowed: leave.request');
    await enterConversation(ctx, REQUEST_LEAVE, { userId: user.id, lang: ctx.lang, chatId: ctx.chat!.id });
  });
  return c;
}

export const leaveConversations = (deps: BotDeps) => [createConversation<BotContext, Context>(requestLeaveConversation(deps), REQUEST_LEAVE)];
