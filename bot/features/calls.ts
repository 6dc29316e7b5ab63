import { Composer, type Context } from 'grammy';
import { createConversation } from '@grammyjs/conversations';
import type { LeadStatus } from '../../db/types.js';
import { AppError } from '../../core/errors.js';
import { can } from '../../core/policy/policy.js';
import { CALL_OUTCOMES, LOST_REASONS, TRANSITIONS, type CallOutcome } from '../../core/leads/statuses.js';
import { staffOf, type BotContext, type BotDeps } from '../context.js';
import { makeKit, type Convo, type ConvoArgs } from '../conversation-kit.js';
import { enterConversation } from '../conversations.js';
import { localDayAt, parseLocalDateTime, shortTime } from '../format.js';
import { loadLead, pickLead } from '../lead-picker.js';

export const LOG_CALL = 'log-call';
const HOUR = 3_600_000;

// Moves that need more than a tap are left to their own flows: a trial (/trial) and enrollment (Mini App).
const NOT_FROM_A_CALL: LeadStatus[] = ['trial_registered', 'enrolled'];

/**
 * Log a call: lead (own open leads, or the one on the button) → outcome → optional status move
 * (the allowed next statuses; lost asks for the reason) → note → next step (when to call back).
 */
export function logCallConversation(deps: BotDeps) {
  return async function logCall(conversation: Convo, ctx0: Context, args: ConvoArgs) {
    const k = makeKit(conversation, ctx0, deps, args);
    const tz = deps.config.CRM_TIMEZONE;
    const lead = args.leadId
      ? await loadLead(k, deps, args, args.leadId)
      : await pickLead(k, deps, args, { question: k.tr('bot.call.pick_lead'), empty: k.tr('bot.call.no_leads') });
    if (!lead) return;

    const outcome = await k.choose(
      k.tr('bot.call.ask_outcome', { name: lead.name, phone: lead.phone, status: k.tr(`status.${lead.status}`) }),
      // a lost lead takes no call-back (core refuses it): not offered
      CALL_OUTCOMES.filter((o) => !(lead.status === 'lost' && o === 'call_back')).map((o) => ({ value: o as CallOutcome, label: k.tr(`outcome.${o}`) })),
      { columns: 2 },
    );
    if (outcome.kind !== 'option') return;

    let move: { to: LeadStatus; lostReason?: string; lostReasonText?: string } | null = null;
    // a student leaving the course (enrolled → lost) is recorded by managers only: not offered to others
    const manager = args.role === 'admin' || args.role === 'sales_manager';
    // "call back later" keeps the lead alive: losing it in the same breath would leave the call-back nowhere
    const targets = (TRANSITIONS[lead.status] ?? []).filter(
      (s) => !NOT_FROM_A_CALL.includes(s) && !(lead.status === 'enrolled' && s === 'lost' && !manager) && !(outcome.value === 'call_back' && s === 'lost'),
    );
    if (targets.length) {
      const status = await k.choose(
        k.tr('bot.call.ask_status', { status: k.tr(`status.${lead.status}`) }),
        [{ value: '', label: k.tr('bot.call.keep_status') }, ...targets.map((s) => ({ value: s as string, label: k.tr(`status.${s}`) }))],
        { columns: 2 },
      );
      if (status.kind === 'option' && status.value) {
        move = { to: status.value as LeadStatus };
        if (move.to === 'lost') {
          if (lead.status === 'enrolled') {
            // the only reason the core takes for a student: nothing to ask
            move.lostReason = 'left';
          } else {
            const reasons = LOST_REASONS.filter((r) => r !== 'left');
            const reason = await k.choose(k.tr('bot.call.ask_lost_reason'), reasons.map((r) => ({ value: r as string, label: k.tr(`lost.${r}`) })), { columns: 2 });
            if (reason.kind !== 'option') return;
            move.lostReason = reason.value;
            if (reason.value === 'other') move.lostReasonText = await k.askPlain(k.tr('bot.call.ask_lost_text'));
          }
        }
      }
    }

    const noteAnswer = await k.askText(k.tr('bot.call.ask_note'), { skippable: true });
    const note = typeof noteAnswer === 'string' ? noteAnswer : null;

    let callbackAt: string | null = null;
    if (outcome.value === 'call_back') {
      const presets = [
        { value: 'h1', label: k.tr('bot.call.in_1h') },
        { value: 'h3', label: k.tr('bot.call.in_3h') },
        { value: 't10', label: k.tr('bot.call.tomorrow_10') },
        { value: 'd3', label: k.tr('bot.call.in_3d') },
      ];
      let question = k.tr('bot.call.ask_callback');
      while (!callbackAt) {
        const answer = await k.askText(question, { buttons: presets });
        const now = await k.nowMs();
        let at: number | null = null;
        if (answer && typeof answer === 'object') {
          at = { h1: now + HOUR, h3: now + 3 * HOUR, t10: localDayAt(new Date(now), tz, 1, '10:00'), d3: now + 72 * HOUR }[answer.button] ?? null;
        } else if (typeof answer === 'string') {
          at = parseLocalDateTime(answer, tz, new Date(now));
        }
        if (at !== null && at > now) callbackAt = new Date(at).toISOString();
        else question = k.tr('bot.call.bad_time');
      }
    }

    // The move first: it closes the old status's follow-ups, which must not take the new call-back with them.
    let movedTo: LeadStatus | null = null;
    if (move) {
      const input = move;
      const moved = await k.core(async () => (await deps.services.leads.move(lead.id, input, await deps.services.users.get(args.userId))).status);
      if (moved.ok) movedTo = moved.value;
      else await k.sayError(moved.error);
    }
    const logged = await k.core(async () => {
      await deps.services.leads.logCall(lead.id, { outcome: outcome.value, note, callbackAt }, await deps.services.users.get(args.userId));
      return true;
    });
    if (!logged.ok) return k.sayError(logged.error);
    const now = await k.nowMs();
    const lines = [k.tr('bot.call.saved', { name: lead.name, outcome: k.tr(`outcome.${outcome.value}`) })];
    if (movedTo) lines.push(k.tr('bot.call.moved', { status: k.tr(`status.${movedTo}`) }));
    if (callbackAt) lines.push(k.tr('bot.call.callback_at', { time: shortTime(callbackAt, tz, new Date(now)) }));
    await k.say(lines.join('\n'));
  };
}

function assertMayLogCalls(ctx: BotContext) {
  const user = staffOf(ctx);
  if (!can(user, 'lead.log_call', { ownerId: user.id })) throw new AppError('FORBIDDEN', 'not allowed: lead.log_call');
  return user;
}

export function callsFeature(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('call', async (ctx) => {
    const user = assertMayLogCalls(ctx);
    await enterConversation(ctx, LOG_CALL, { userId: user.id, role: user.role, lang: ctx.lang, chatId: ctx.chat!.id });
  });
  // the 📞 button on a follow-up or a lead notification: the lead is already chosen
  c.callbackQuery(/^call:(\d+)$/, async (ctx) => {
    const user = assertMayLogCalls(ctx);
    await ctx.answerCallbackQuery();
    await enterConversation(ctx, LOG_CALL, { userId: user.id, role: user.role, lang: ctx.lang, chatId: ctx.chat!.id, leadId: Number(ctx.match[1]) });
  });
  return c;
}

export const callsConversations = (deps: BotDeps) => [createConversation<BotContext, Context>(logCallConversation(deps), LOG_CALL)];
