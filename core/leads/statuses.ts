import type { LeadSource, LeadStatus } from '../../db/types.js';

export const STATUSES: LeadStatus[] = [
  'new',
  'contacted',
  'interested',
  'trial_registered',
  'trial_attended',
  'trial_not_attended',
  'offer_sent',
  'enrolled',
  'lost',
  'reactivation',
];

export const CLOSED_STATUSES: LeadStatus[] = ['enrolled', 'lost'];
export const OPEN_STATUSES: LeadStatus[] = STATUSES.filter((s) => !CLOSED_STATUSES.includes(s));
export const isOpen = (s: LeadStatus): boolean => !CLOSED_STATUSES.includes(s);

export const SOURCES: LeadSource[] = [
  'instagram',
  'telegram',
  'youtube',
  'organic',
  'form',
  'excel',
  'google_sheets',
  'walk_in',
  'phone_call',
  'referral',
  'other',
];

/** What staff may pick when they type a lead in by hand (the others are set by their own doors). */
export const MANUAL_SOURCES = SOURCES.filter((s) => s !== 'form' && s !== 'excel' && s !== 'google_sheets') as [LeadSource, ...LeadSource[]];

export const LOST_REASONS = ['price', 'schedule', 'other_center', 'no_answer', 'not_interested', 'wrong_number', 'left', 'other'] as const;
export type LostReason = (typeof LOST_REASONS)[number];

export const CALL_OUTCOMES = ['reached', 'no_answer', 'busy', 'wrong_number', 'call_back'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** SPEC §3: the allowed moves. Anything else is refused (a manager's correction bypasses it). */
export const TRANSITIONS: Record<LeadStatus, LeadStatus[]> = {
  new: ['contacted', 'lost'],
  contacted: ['interested', 'trial_registered', 'offer_sent', 'lost'],
  interested: ['trial_registered', 'offer_sent', 'enrolled', 'lost'],
  trial_registered: ['trial_attended', 'trial_not_attended', 'offer_sent', 'enrolled', 'interested', 'lost'],
  trial_attended: ['offer_sent', 'enrolled', 'lost'],
  trial_not_attended: ['trial_registered', 'interested', 'lost'],
  offer_sent: ['enrolled', 'interested', 'lost'],
  lost: ['reactivation'],
  reactivation: ['contacted', 'interested', 'trial_registered', 'offer_sent', 'enrolled', 'lost'],
  enrolled: ['lost'],
};

export function canMove(from: LeadStatus, to: LeadStatus): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}
