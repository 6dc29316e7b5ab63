import { Composer, type Context } from 'grammy';
import { createConversation } from '@grammyjs/conversations';
import type { LeadStatus } from '../../db/types.js';
import { AppError } from '../../core/errors.js';
import { can } from '../../core/policy/policy.js';
import { bookableGroups, freeTrialDates } from '../../core/trials/trial-slots.js';
import { clockOf, staffOf, type BotContext, type BotDeps } from '../context.js';
import { makeKit, type Convo, type ConvoArgs } from '../conversation-kit.js';
import { enterConversation } from '../conversations.js';
import { localDateLabel } from '../format.js';
import { loadLead, pickLead } from '../lead-picker.js';

export const BOOK_TRIAL = 'book-trial';
/** Statuses from which a trial can be booked (core/trials refuses the rest). */
const BOOKABLE: LeadStatus[] = ['contacted', 'interested', 'trial_not_attended', 'reactivation'];

/** Book a trial: lead → a group with free seats (the lead's course first) → a lesson date with a free seat. */
export function bookTrialConversation(deps: BotDeps) {
  return async function bookTrial(conversation: Convo, ctx0: Context, args: ConvoArgs) {
    const k = makeKit(conversation, ctx0, deps, args);
    const db = deps.services.deps.db;
    const lead = args.leadId
      ? await loadLead(k, deps, args, args.leadId)
      : await pickLead(k, deps, args, { statuses: BOOKABLE, question: k.tr('bot.trial.pick_lead'), empty: k.tr('bot.trial.no_leads') });
    if (!lead) return;

    let question = k.tr('bot.trial.pick_group', { name: lead.name });
    for (;;) {
      const groups = await k.core(() => bookableGroups(db, { courseId: lead.courseId, limit: 12 }));
      if (!groups.ok) return k.sayError(groups.error);
      if (!groups.value.length) return k.say(k.tr('bot.trial.no_groups'));
      const group = await k.choose(
        question,
        groups.value.map((g) => ({
          value: g.id,
          label: k.tr('bot.trial.group_label', { course: g.courseName, group: g.name, days: k.tr(`bot.days.${g.days}`), time: g.startTime }),
        })),
      );
      if (group.kind !== 'option') return;
      const dates = await k.core(() => freeTrialDates(db, { tz: deps.config.CRM_TIMEZONE, now: clockOf(deps).now() }, group.value));
      if (!dates.ok) return k.sayError(dates.error);
      if (!dates.value.length) {
        question = k.tr('bot.trial.no_dates');
        continue;
      }
      const groupName = groups.value.find((g) => g.id === group.value)?.name ?? '';
      const date = await k.choose(
        k.tr('bot.trial.pick_date', { group: groupName }),
        dates.value.map((d) => ({ value: d.date, label: k.tr('bot.trial.date_label', { date: localDateLabel(d.date), time: d.time, free: d.free }) })),
        { columns: 2 },
      );
      if (date.kind !== 'option') return;
      const booked = await k.core(async () => {
        const r = await deps.services.leads.bookTrial(lead.id, { groupId: group.value, date: date.value }, await deps.services.users.get(args.userId));
        return { date: r.trial.date, time: r.trial.time };
      });
      if (booked.ok) return k.say(k.tr('bot.trial.booked', { name: lead.name, group: groupName, date: localDateLabel(booked.value.date), time: booked.value.time }));
      await k.sayError(booked.error);
      // someone took the last seat meanwhile: choose again; any other refusal ends here
      if (booked.error.code !== 'GROUP_FULL') return;
      question = k.tr('bot.trial.pick_group', { name: lead.name });
    }
  };
}

function assertMayBook(ctx: BotContext) {
  const user = staffOf(ctx);
  if (!can(user, 'trial.book', { ownerId: user.id })) throw new AppError('FORBIDDEN', 'not allowed: trial.book');
  return user;
}

export function trialsFeature(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('trial', async (ctx) => {
    const user = assertMayBook(ctx);
    await enterConversation(ctx, BOOK_TRIAL, { userId: user.id, lang: ctx.lang, chatId: ctx.chat!.id });
  });
  c.callbackQuery(/^trial:(\d+)$/, async (ctx) => {
    const user = assertMayBook(ctx);
    await ctx.answerCallbackQuery();
    await enterConversation(ctx, BOOK_TRIAL, { userId: user.id, lang: ctx.lang, chatId: ctx.chat!.id, leadId: Number(ctx.match[1]) });
  });
  return c;
}

export const trialsConversations = (deps: BotDeps) => [createConversation<BotContext, Context>(bookTrialConversation(deps), BOOK_TRIAL)];
