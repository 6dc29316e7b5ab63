import { CompiledQuery, sql } from 'kysely';
import type { Dialect, Tx } from '../../db/connection.js';
import type { NormalizedIntake } from '../leads/intake.js';
import { insertMany } from './bulk-insert.js';
import { appendNote as stampNote } from '../leads/notes.js';

const LEAD_COLUMNS = [
  'name', 'phone', 'phone2', 'student_name', 'student_age', 'student_level', 'course_id', 'source',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term',
  'status', 'parked', 'notes', 'last_note', 'created_by', 'created_at', 'updated_at', 'status_at',
];

/**
 * The parked intake of core/leads/intake.ts (`intakeTx` with `parked: true`), applied to a chunk
 * of rows with set-based writes so a 100k-row history import takes seconds, not minutes. The rules
 * are the same ones, row by row and in row order:
 * - a phone (either field) already known → a touch on that lead: the note appended when new, a
 *   missing secondary phone filled in, a `touched` event of kind `parked_touch`; no status change,
 *   no follow-up, nobody told (SPEC §4);
 * - otherwise a new lead: status `new`, parked, unassigned, its phones claimed in lead_phones and
 *   an `imported` event; no follow-up and no notification until a manager releases it.
 * Runs inside the caller's transaction. Changing the intake's parked rules means changing this too;
 * tests/integration/import-xlsx.test.ts compares both paths on the same rows.
 */

export interface ParkedRow {
  rowNo: number;
  input: NormalizedIntake;
}

export interface ParkedChunkResult {
  created: number;
  touched: number;
}

interface LeadState {
  id: number;
  isNew: boolean;
  row?: ParkedRow;
  phone: string;
  phone2: string | null;
  notes: string | null;
  lastNote: string | null;
  /** existing lead whose notes or phone2 changed */
  changed: boolean;
}

// the same line format as the intake's appendNote, so notes read alike whatever the path
const notePrefix = (at: Date, tz: string) => stampNote(null, '', at, tz);
function appendNote(existing: string | null, note: string, prefix: string): string {
  const line = prefix + note;
  return existing ? `${existing}\n${line}` : line;
}

/** PostgreSQL: the intake's per-phone advisory locks, taken for the whole chunk in one statement, in the same (sorted) order. */
async function lockPhones(t: Tx, dialect: Dialect, phones: string[]) {
  if (dialect !== 'postgres' || !phones.length) return;
  const sorted = [...new Set(phones)].sort();
  await sql`select count(pg_advisory_xact_lock(hashtext(p))) from (select unnest(${sorted}::text[]) as p order by 1) s`.execute(t);
}

async function inChunks<T>(items: T[], size: number, fn: (part: T[]) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}

export async function commitParkedChunk(
  t: Tx,
  ctx: { tz: string; now: Date; dialect: Dialect },
  rows: ParkedRow[],
  meta: { importId: number; actorId: number | null },
): Promise<ParkedChunkResult> {
  const nowIso = ctx.now.toISOString();
  const prefix = notePrefix(ctx.now, ctx.tz);
  const phones = rows.flatMap((r) => (r.input.phone2 ? [r.input.phone, r.input.phone2] : [r.input.phone]));
  await lockPhones(t, ctx.dialect, phones);

  // who owns each phone now (merged leads resolved to the survivor, as findByPhones does)
  const owner = new Map<string, LeadState>();
  const hits: { phone: string; lead_id: number }[] = [];
  await inChunks([...new Set(phones)], 1000, async (part) => {
    hits.push(...(await t.selectFrom('lead_phones').select(['phone', 'lead_id']).where('phone', 'in', part).execute()));
  });
  const states = new Map<number, LeadState>();
  const load = async (ids: number[]) => {
    const want = ids.filter((id) => !states.has(id));
    const found: { id: number; phone: string; phone2: string | null; notes: string | null; last_note: string | null; merged_into: number | null }[] = [];
    await inChunks([...new Set(want)], 1000, async (part) => {
      found.push(...(await t.selectFrom('leads').select(['id', 'phone', 'phone2', 'notes', 'last_note', 'merged_into']).where('id', 'in', part).execute()));
    });
    return found;
  };
  const rawLeads = new Map((await load(hits.map((h) => h.lead_id))).map((l) => [l.id, l]));
  const resolve = async (id: number): Promise<LeadState | null> => {
    let lead = rawLeads.get(id);
    for (let hops = 0; lead && lead.merged_into != null && hops < 20; hops++) {
      const next = lead.merged_into;
      if (!rawLeads.has(next)) for (const l of await load([next])) rawLeads.set(l.id, l);
      lead = rawLeads.get(next);
    }
    if (!lead) return null;
    let s = states.get(lead.id);
    if (!s) {
      s = { id: lead.id, isNew: false, phone: lead.phone, phone2: lead.phone2, notes: lead.notes, lastNote: lead.last_note, changed: false };
      states.set(lead.id, s);
    }
    return s;
  };
  for (const h of hits) {
    const s = await resolve(h.lead_id);
    if (s) owner.set(h.phone, s);
  }

  const created: LeadState[] = [];
  const addedPhones: { phone: string; lead: LeadState }[] = [];
  const events: { lead: LeadState; type: 'imported' | 'touched'; data: Record<string, unknown> }[] = [];
  const touchedExisting = new Set<LeadState>();
  let touched = 0;

  for (const row of rows) {
    const input = row.input;
    const existing = owner.get(input.phone) ?? (input.phone2 ? owner.get(input.phone2) : undefined);
    if (existing) {
      touched++;
      // intake's touch(): a note is added when it differs from the last one; an import also skips a
      // note the lead already holds, so importing the same file again adds none
      const newNote = input.note && input.note !== existing.lastNote && !(existing.notes ?? '').includes(input.note) ? input.note : null;
      if (newNote) {
        existing.notes = appendNote(existing.notes, newNote, prefix);
        existing.lastNote = newNote;
        existing.changed = true;
      }
      if (!existing.phone2 && input.phone2 && input.phone2 !== existing.phone && !owner.has(input.phone2)) {
        existing.phone2 = input.phone2;
        existing.changed = true;
        owner.set(input.phone2, existing);
        addedPhones.push({ phone: input.phone2, lead: existing });
      }
      if (!existing.isNew) touchedExisting.add(existing);
      events.push({
        lead: existing,
        type: 'touched',
        data: { source: input.source, note: newNote, kind: 'parked_touch', utm: input.utm ?? undefined, importId: meta.importId, row: row.rowNo },
      });
      continue;
    }
    const phone2 = input.phone2 && !owner.has(input.phone2) ? input.phone2 : null;
    const s: LeadState = {
      id: 0,
      isNew: true,
      row,
      phone: input.phone,
      phone2,
      notes: input.note ? appendNote(null, input.note, prefix) : null,
      lastNote: input.note ?? null,
      changed: false,
    };
    owner.set(input.phone, s);
    if (phone2) owner.set(phone2, s);
    created.push(s);
    events.push({ lead: s, type: 'imported', data: { source: input.source, parked: true, importId: meta.importId, row: row.rowNo } });
  }

  // new leads, in row order; ids matched back by their (unique) primary phone
  await inChunks(created, 400, async (part) => {
    const values = part.map((s) => {
      const i = s.row!.input;
      return [
        i.name, s.phone, s.phone2, i.studentName ?? null, i.studentAge ?? null, i.studentLevel ?? null, i.courseId ?? null, i.source,
        i.utm?.source ?? null, i.utm?.medium ?? null, i.utm?.campaign ?? null, i.utm?.content ?? null, i.utm?.term ?? null,
        'new', 1, s.notes, s.lastNote, meta.actorId, nowIso, nowIso, nowIso,
      ];
    });
    const ids = await insertMany<{ id: number; phone: string }>(t, ctx.dialect, 'leads', LEAD_COLUMNS, values, ['id', 'phone']);
    const byPhone = new Map(ids.map((r) => [r.phone, Number(r.id)]));
    for (const s of part) s.id = byPhone.get(s.phone)!;
  });

  const phoneRows = [
    ...created.flatMap((s) => (s.phone2 ? [[s.phone, s.id], [s.phone2, s.id]] : [[s.phone, s.id]])),
    ...addedPhones.filter((a) => !a.lead.isNew).map((a) => [a.phone, a.lead.id]),
  ];
  await inChunks(phoneRows, 1000, async (part) => {
    await insertMany(t, ctx.dialect, 'lead_phones', ['phone', 'lead_id'], part);
  });

  // phone2 found for a lead created earlier in this chunk: it was set before its insert
  const updateSql =
    ctx.dialect === 'postgres'
      ? 'update "leads" set "notes" = $1, "last_note" = $2, "phone2" = $3, "updated_at" = $4 where "id" = $5'
      : 'update "leads" set "notes" = ?, "last_note" = ?, "phone2" = ?, "updated_at" = ? where "id" = ?';
  for (const s of touchedExisting) {
    if (!s.changed) continue;
    // plain SQL: one statement text for every touched lead (thousands in a history import)
    await t.executeQuery(CompiledQuery.raw(updateSql, [s.notes, s.lastNote, s.phone2, nowIso, s.id]));
  }
  const plainTouched = [...touchedExisting].filter((s) => !s.changed).map((s) => s.id);
  await inChunks(plainTouched, 1000, async (part) => {
    await t.updateTable('leads').set({ updated_at: nowIso }).where('id', 'in', part).execute();
  });

  const eventRows = events.map((e) => [
    e.lead.id, meta.actorId, e.type, null, e.type === 'imported' ? 'new' : null, JSON.stringify(e.data), nowIso,
  ]);
  await inChunks(eventRows, 1000, async (part) => {
    await insertMany(t, ctx.dialect, 'lead_events', ['lead_id', 'actor_id', 'type', 'from_status', 'to_status', 'data', 'created_at'], part);
  });
  return { created: created.length, touched };
}
