import type { LeadStatus } from '../db/types.js';
import type { BotDeps } from './context.js';
import type { ConvoArgs, Kit } from './conversation-kit.js';

/** What a conversation keeps about the lead it works on (plain JSON for the replay log). */
export interface LeadBrief {
  id: number;
  name: string;
  phone: string;
  status: LeadStatus;
  courseId: number | null;
}

const SHOWN = 8;

function brief(l: { id: number; name: string; phone: string; status: LeadStatus; course_id: number | null }): LeadBrief {
  return { id: l.id, name: l.name, phone: l.phone, status: l.status, courseId: l.course_id };
}

/** The lead a conversation was entered with (a button on a lead): the core checks it is the user's. */
export async function loadLead(k: Kit, deps: BotDeps, args: ConvoArgs, leadId: number): Promise<LeadBrief | null> {
  const res = await k.core(async () => brief(await deps.services.leads.get(leadId, await deps.services.users.get(args.userId))));
  if (!res.ok) {
    await k.sayError(res.error);
    return null;
  }
  return res.value;
}

/**
 * Picks one of the person's own open leads: the newest as buttons, or typed text searches by
 * name or phone. `statuses` narrows the list (e.g. leads a trial can be booked for).
 */
export async function pickLead(
  k: Kit,
  deps: BotDeps,
  args: ConvoArgs,
  opts: { statuses?: LeadStatus[]; question: string; empty: string },
): Promise<LeadBrief | null> {
  const find = (q?: string) =>
    k.core(async () => {
      const actor = await deps.services.users.get(args.userId);
      const page = await deps.services.leads.list(
        { assignedTo: actor.id, status: opts.statuses, openOnly: !opts.statuses, q, limit: SHOWN },
        actor,
      );
      return page.items.map(brief);
    });
  let found = await find();
  if (!found.ok) {
    await k.sayError(found.error);
    return null;
  }
  if (!found.value.length) {
    await k.say(opts.empty);
    return null;
  }
  let items = found.value;
  let question = opts.question;
  for (;;) {
    const choice = await k.choose(
      question,
      items.map((l) => ({ value: l.id, label: `${l.name} · ${l.phone}` })),
      { allowText: true },
    );
    if (choice.kind === 'option') return items.find((l) => l.id === choice.value) ?? null;
    if (choice.kind !== 'text') return null;
    found = await find(choice.text);
    if (!found.ok) {
      await k.sayError(found.error);
      return null;
    }
    if (found.value.length) {
      items = found.value;
      question = opts.question;
    } else {
      question = k.tr('bot.call.not_found');
    }
  }
}
