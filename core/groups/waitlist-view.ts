import type { Tx } from '../../db/connection.js';
import type { PolicyUser } from '../policy/policy.js';

export interface WaitlistView {
  count: number;
  /** the entries this viewer may see by name: a salesperson their own leads, managers everyone's */
  visible: Array<{ leadId: number; leadName: string; since: string }>;
}

/**
 * Who waits for a seat in each group (oldest first), for the groups screen. Everyone sees how
 * many wait; names only of the leads the viewer may see (SPEC §10: a salesperson sees own leads).
 */
export async function waitlistsOf(db: Tx, groupIds: number[], viewer: PolicyUser): Promise<Map<number, WaitlistView>> {
  const out = new Map<number, WaitlistView>(groupIds.map((id) => [id, { count: 0, visible: [] }]));
  if (!groupIds.length) return out;
  const rows = await db
    .selectFrom('waitlist')
    .innerJoin('leads', 'leads.id', 'waitlist.lead_id')
    .select(['waitlist.group_id', 'waitlist.since', 'leads.id as lead_id', 'leads.name', 'leads.assigned_to'])
    .where('waitlist.group_id', 'in', groupIds)
    .where('leads.status', 'not in', ['enrolled', 'lost'])
    .where('leads.merged_into', 'is', null)
    .orderBy('waitlist.since')
    .orderBy('waitlist.id')
    .execute();
  const manager = viewer.role === 'admin' || viewer.role === 'sales_manager';
  for (const r of rows) {
    const w = out.get(Number(r.group_id));
    if (!w) continue;
    w.count++;
    if (manager || r.assigned_to === viewer.id) w.visible.push({ leadId: Number(r.lead_id), leadName: r.name, since: r.since });
  }
  return out;
}
