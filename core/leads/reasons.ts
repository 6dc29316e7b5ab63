/**
 * Events keep their reason as written (the back office and logs show it as is); what a salesperson
 * reads in their language is looked up here. The prefixes are the ones core writes (intake,
 * distribution, handover, release, bulk operations); anything else is a person's own words and is
 * shown unchanged. A lost reason code has its own label (`lost.<code>`).
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/^auto: fewest open leads/, 'reason.auto'],
  [/^entered by the salesperson/, 'reason.own'],
  [/^returning lead/, 'reason.returning'],
  [/^nobody available/, 'reason.nobody'],
  [/^handover: /, 'reason.handover'],
  [/^released to this salesperson/, 'reason.released_to'],
  [/^bulk reassignment by a manager/, 'reason.bulk'],
  [/^returned$/, 'reason.returned'],
  [/^touched by a live source/, 'reason.live_source'],
  [/^trial cancelled/, 'reason.trial_cancelled'],
  [/^reactivation milestone/, 'reason.milestone'],
];

/** The catalog key for a reason core wrote, or null for free text. */
export function reasonKey(reason: string, lostCodes: readonly string[]): string | null {
  if (lostCodes.includes(reason)) return `lost.${reason}`;
  for (const [re, key] of PATTERNS) if (re.test(reason)) return key;
  return null;
}
