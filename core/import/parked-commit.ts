import { CompiledQuery, sql } from 'kysely';
import type { Dialect, Tx } from '../../db/connection.js';
import type { NormalizedIntake } from '../leads/intake.js';
import { insertFlat, selectIn } from './bulk-insert.js';
import { appendNote as stampNote } from '../leads/notes.js';

// rows per INSERT statement (SQLite allows 32766 bound values)
const LEAD_BATCH = 400;
const PHONE_BATCH = 1000;
const EVENT_BATCH = 1000;
const UPDATE_BATCH = 200;
const EVENT_COLUMNS = ['lead_id', 'actor_id', 'type', 'from_status', 'to_status', 'data', 'created_at'];
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

const updateSqls = new Map<string, string>();
/** UPDATE … FROM (VALUES …): each row (id, notes, last_note, phone2); the same text on both dialects but for the placeholders. */
function updateSql(dialect: Dialect, rows: number): string {
  const key = `${dialect}|${rows}`;
  let text = updateSqls.get(key);
  if (text) return text;
  let n = 1;
  const p = () => (dialect === 'postgres' ? `$${n++}` : '?');
  const head = `update "leads" set "notes" = v.column2, "last_note" = v.column3, "phone2" = v.column4, "updated_at" = ${p()} from (values `;
  const tuples: string[] = [];
  // typed in the first row: PostgreSQL reads untyped parameters in VALUES as text
  for (let r = 0; r < rows; r++) tuples.push(r === 0 ? `(cast(${p()} as integer), cast(${p()} as text), cast(${p()} as text), cast(${p()} as text))` : `(${p()}, ${p()}, ${p()}, ${p()})`);
  text = `${head}${tuples.join(', ')}) as v where "leads"."id" = v.column1`;
  if (updateSqls.size > 50) updateSqls.clear();
  updateSqls.set(key, text);
  return text;
}

export async function commitParkedChunk(
  t: Tx,
  ctx: { tz: string; now: Date; dialect: Dialect },
  rows: ParkedRow[],
  meta: { importId: number; actorId: number | null },
): Promise<ParkedChunkResult> {
  const nowIso = ctx.now.toISOString();
  const prefix = notePrefix(ctx.now, ctx.tz);
  const phones: string[] = [];
  for (const r of rows) {
    phones.push(r.input.phone);
    if (r.input.phone2) phones.push(r.input.phone2);
  }
  await lockPhones(t, ctx.dialect, phones);

  // who owns each phone now (merged leads resolved to the survivor, as findByPhones does)
  const owner = new Map<string, LeadState>();
  const hits = await selectIn<{ phone: string; lead_id: number }>(t, ctx.dialect, 'select "phone", "lead_id" from "lead_phones" where', '"phone"', [...new Set(phones)]);
  const states = new Map<number, LeadState>();
  const load = async (ids: number[]) => {
    const want = [...new Set(ids.filter((id) => !states.has(id)))];
    return selectIn<{ id: number; phone: string; phone2: string | null; notes: string | null; last_note: string | null; merged_into: number | null }>(
      t,
      ctx.dialect,
      'select "id", "phone", "phone2", "notes", "last_note", "merged_into" from "leads" where',
      '"id"',
      want,
    );
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
  // the event's data as its JSON text right away, not an object kept until the insert
  const events: { lead: LeadState; type: 'imported' | 'touched'; data: string }[] = [];
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
        data: JSON.stringify({ source: input.source, note: newNote, kind: 'parked_touch', utm: input.utm ?? undefined, importId: meta.importId, row: row.rowNo }),
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
    events.push({ lead: s, type: 'imported', data: JSON.stringify({ source: input.source, parked: true, importId: meta.importId, row: row.rowNo }) });
  }

  // new leads, in row order; ids matched back by their (unique) primary phone. Values go straight
  // into one flat array per statement: per-row arrays for 100k rows were a good part of the garbage.
  for (let from = 0; from < created.length; from += LEAD_BATCH) {
    const to = Math.min(created.length, from + LEAD_BATCH);
    const params: unknown[] = new Array((to - from) * LEAD_COLUMNS.length);
    let k = 0;
    for (let n = from; n < to; n++) {
      const s = created[n];
      const i = s.row!.input;
      params[k++] = i.name;
      params[k++] = s.phone;
      params[k++] = s.phone2;
      params[k++] = i.studentName ?? null;
      params[k++] = i.studentAge ?? null;
      params[k++] = i.studentLevel ?? null;
      params[k++] = i.courseId ?? null;
      params[k++] = i.source;
      params[k++] = i.utm?.source ?? null;
      params[k++] = i.utm?.medium ?? null;
      params[k++] = i.utm?.campaign ?? null;
      params[k++] = i.utm?.content ?? null;
      params[k++] = i.utm?.term ?? null;
      params[k++] = 'new';
      params[k++] = 1;
      params[k++] = s.notes;
      params[k++] = s.lastNote;
      params[k++] = meta.actorId;
      params[k++] = nowIso;
      params[k++] = nowIso;
      params[k++] = nowIso;
    }
    const ids = await insertFlat<{ id: number; phone: string }>(t, ctx.dialect, 'leads', LEAD_COLUMNS, params, to - from, ['id', 'phone']);
    const byPhone = new Map(ids.map((r) => [r.phone, Number(r.id)]));
    for (let n = from; n < to; n++) created[n].id = byPhone.get(created[n].phone)!;
  }

  const phoneParams: unknown[] = [];
  for (const s of created) {
    phoneParams.push(s.phone, s.id);
    if (s.phone2) phoneParams.push(s.phone2, s.id);
  }
  for (const a of addedPhones) if (!a.lead.isNew) phoneParams.push(a.phone, a.lead.id);
  for (let from = 0; from < phoneParams.length; from += 2 * PHONE_BATCH) {
    const part = phoneParams.slice(from, from + 2 * PHONE_BATCH);
    await insertFlat(t, ctx.dialect, 'lead_phones', ['phone', 'lead_id'], part, part.length / 2);
  }

  // touched leads whose notes or secondary phone changed, many per statement (a history import
  // touches thousands); a phone2 found for a lead created earlier in this chunk was set before its insert
  const changed = [...touchedExisting].filter((s) => s.changed);
  for (let from = 0; from < changed.length; from += UPDATE_BATCH) {
    const part = changed.slice(from, from + UPDATE_BATCH);
    const params: unknown[] = [nowIso];
    for (const s of part) params.push(s.id, s.notes, s.lastNote, s.phone2);
    await t.executeQuery(CompiledQuery.raw(updateSql(ctx.dialect, part.length), params));
  }
  const plainTouched = [...touchedExisting].filter((s) => !s.changed).map((s) => s.id);
  for (let from = 0; from < plainTouched.length; from += 1000) {
    await t.updateTable('leads').set({ updated_at: nowIso }).where('id', 'in', plainTouched.slice(from, from + 1000)).execute();
  }

  for (let from = 0; from < events.length; from += EVENT_BATCH) {
    const to = Math.min(events.length, from + EVENT_BATCH);
    const params: unknown[] = new Array((to - from) * EVENT_COLUMNS.length);
    let k = 0;
    for (let n = from; n < to; n++) {
      const e = events[n];
      params[k++] = e.lead.id;
      params[k++] = meta.actorId;
      params[k++] = e.type;
      params[k++] = null;
      params[k++] = e.type === 'imported' ? 'new' : null;
      params[k++] = e.data;
      params[k++] = nowIso;
    }
    await insertFlat(t, ctx.dialect, 'lead_events', EVENT_COLUMNS, params, to - from);
  }
  return { created: created.length, touched };
}
