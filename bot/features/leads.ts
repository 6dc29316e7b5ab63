import { Composer, type Context } from 'grammy';
import { createConversation } from '@grammyjs/conversations';
import type { LeadSource } from '../../db/types.js';
import { can } from '../../core/policy/policy.js';
import { loadLandingContent } from '../../core/landing/content.js';
import { normalizePhone } from '../../core/shared/phone.js';
import { AppError } from '../../core/errors.js';
import { staffOf, type BotContext, type BotDeps } from '../context.js';
import { makeKit, type Convo, type ConvoArgs } from '../conversation-kit.js';
import { enterConversation } from '../conversations.js';

export const ADD_LEAD = 'add-lead';

/** Sources a person can enter by hand (form, Excel and Sheets come from their own channels). */
export const MANUAL_SOURCES: LeadSource[] = ['instagram', 'telegram', 'youtube', 'organic', 'walk_in', 'phone_call', 'referral', 'other'];

/** Add a lead: name → phone (asked again with the reason while invalid) → course → source → intake. */
export function addLeadConversation(deps: BotDeps) {
  return async function addLead(conversation: Convo, ctx0: Context, args: ConvoArgs) {
    const k = makeKit(conversation, ctx0, deps, args);

    let name = await k.askPlain(k.tr('bot.lead.ask_name'));
    while (name.length > 200) name = await k.askPlain(k.tr('bot.lead.bad_name'));

    let question = k.tr('bot.lead.ask_phone');
    let phone: string;
    for (;;) {
      const typed = await k.askPlain(question, { contact: true });
      try {
        // the same rule intake applies (pure: no replay concern), so what passes here is what intake stores
        phone = normalizePhone(typed);
        break;
      } catch {
        // asked again, with the reason
      }
      question = k.tr('bot.lead.bad_phone', { value: typed.slice(0, 40) });
    }

    const courses = await k.core(async () => (await loadLandingContent(deps.services.deps.db)).courses);
    let courseId: number | null = null;
    if (courses.ok && courses.value.length) {
      const picked = await k.choose(
        k.tr('bot.lead.ask_course'),
        [...courses.value.map((c) => ({ value: c.id, label: c.name })), { value: 0, label: k.tr('bot.lead.no_course') }],
        { columns: 2 },
      );
      if (picked.kind === 'option' && picked.value) courseId = picked.value;
    }

    const source = await k.choose(
      k.tr('bot.lead.ask_source'),
      MANUAL_SOURCES.map((s) => ({ value: s, label: k.tr(`source.${s}`) })),
      { columns: 2 },
    );
    if (source.kind !== 'option') return;

    const result = await k.core(async () => {
      const actor = await deps.services.users.get(args.userId);
      const r = await deps.services.leads.intake({ name, phone, courseId, source: source.value }, actor);
      // a known phone may be someone else's lead: a salesperson learns it is known, not whose or who it is
      if (!can(actor, 'lead.view', r.lead)) return { hidden: true as const };
      const owner = r.lead.assigned_to ? await deps.services.users.get(r.lead.assigned_to) : null;
      return { hidden: false as const, outcome: r.outcome, duplicate: r.duplicate, lead: { id: r.lead.id, name: r.lead.name, phone: r.lead.phone, status: r.lead.status }, owner: owner?.full_name ?? null };
    });
    if (!result.ok) return k.sayError(result.error);
    if (result.value.hidden) return k.say(k.tr('bot.lead.known_other'));
    const { lead, outcome } = result.value;
    const params = { name: lead.name, phone: lead.phone, status: k.tr(`status.${lead.status}`), owner: result.value.owner ?? k.tr('bot.lead.nobody') };
    const key =
      outcome === 'created' ? 'bot.lead.created' : outcome === 'reactivated' ? 'bot.lead.reactivated' : outcome === 'student_touched' ? 'bot.lead.student' : 'bot.lead.duplicate';
    await k.say(k.tr(key, params));
  };
}

export function leadsFeature(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('addlead', async (ctx) => {
    const user = staffOf(ctx);
    if (!can(user, 'lead.create')) throw new AppError('FORBIDDEN', 'not allowed: lead.create');
    await enterConversation(ctx, ADD_LEAD, { userId: user.id, lang: ctx.lang, chatId: ctx.chat!.id });
  });
  return c;
}

export const leadsConversations = (deps: BotDeps) => [createConversation<BotContext, Context>(addLeadConversation(deps), ADD_LEAD)];
