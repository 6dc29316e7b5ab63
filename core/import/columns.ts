import { AppError } from '../errors.js';
import { normalizeValidIntake, type NormalizedIntake, type ValidIntake } from '../leads/intake.js';
import { t, type Lang } from '../i18n/i18n.js';
import type { LeadSource } from '../../db/types.js';

/**
 * Column detection and row normalization shared by the Excel reader and the Google Sheets sync:
 * both turn a header row plus value rows into intake inputs through the lead core's own
 * normalization, so an imported row is judged exactly like a lead typed into the bot.
 */

export const FIELDS = [
  'name',
  'phone',
  'phone2',
  'course',
  'comment',
  'source',
  'date',
  'studentName',
  'studentAge',
  'studentLevel',
  'utmMedium',
  'utmCampaign',
  'utmContent',
  'utmTerm',
] as const;
export type Field = (typeof FIELDS)[number];

/** field → header text, column letter ("C") or 1-based column number; replaces detection for that field */
export type ColumnMapping = Partial<Record<Field, string | number>>;

/** Header spellings seen in Uzbek (Latin and Cyrillic), Russian and English sheets, in normalized form. */
const ALIASES: Record<Field, string[]> = {
  name: [
    'ism', 'ismi', 'ismfamiliya', 'ismfamiliyasi', 'ismifamiliyasi', 'ismsharif', 'ismisharifi', 'familiyaism',
    'familiyaismi', 'fio', 'fish', 'mijoz', 'mijozismi', 'mijozlar', 'ismsharifi', 'ismfamiliyaotasiningismi', 'исм', 'исми',
    'исмшариф', 'исмшарифи', 'исмишарифи', 'исмфамилия', 'исмфамилияси', 'фамилияисм', 'фамилияисми', 'мижоз', 'мижозисми',
    'фио', 'фиш', 'имя', 'имяфамилия',
    'фамилияимя', 'фамилияимяотчество', 'клиент', 'имяклиента', 'контакт', 'name', 'fullname', 'firstname',
    'clientname', 'client', 'customer', 'customername', 'contact', 'contactname', 'lead', 'leadname',
  ],
  phone: [
    'telefon', 'tel', 'telefonraqami', 'telefonraqam', 'raqam', 'raqami', 'nomer', 'nomeri', 'telefon1', 'tel1',
    'mobil', 'телефон', 'тел', 'телефонрақами', 'рақам', 'номер', 'номертелефона', 'телефон1', 'мобильный',
    'мобильныйтелефон', 'сотовый', 'контактныйтелефон', 'phone', 'phonenumber', 'phone1', 'mobile', 'mobilephone',
    'tel.', 'telephone', 'number', 'contactphone',
  ],
  phone2: [
    'telefon2', 'tel2', 'qoshimchatelefon', 'qoshimcharaqam', 'ikkinchitelefon', 'ikkinchiraqam', 'телефон2', 'тел2',
    'номер2', 'доптелефон', 'дополнительныйтелефон', 'второйтелефон', 'қўшимчателефон', 'phone2', 'secondphone',
    'additionalphone', 'otherphone', 'altphone', 'mobile2', 'alternativephone',
  ],
  course: [
    'kurs', 'kurslar', 'kursnomi', 'yonalish', 'yonalishi', 'fan', 'курс', 'курсы', 'курсноми', 'направление', 'предмет', 'йўналиш',
    'йўналиши', 'йуналиш', 'фан', 'course', 'program', 'programme', 'subject',
  ],
  comment: [
    'izoh', 'izohlar', 'izohi', 'eslatma', 'изоҳ', 'изоҳлар', 'изох', 'изохлар', 'эслатма', 'комментарий', 'комментарии', 'примечание', 'примечания', 'заметка',
    'заметки', 'comment', 'comments', 'note', 'notes', 'remark', 'remarks',
  ],
  source: ['manba', 'manbaa', 'qayerdan', 'kanal', 'манба', 'источник', 'канал', 'откуда', 'source', 'channel', 'utmsource', 'leadsource'],
  date: ['sana', 'sanasi', 'kelgansana', 'murojaatsanasi', 'сана', 'дата', 'датаобращения', 'датасоздания', 'date', 'created', 'createdat', 'registered'],
  studentName: ['oquvchi', 'oquvchiismi', 'talaba', 'bolaismi', 'ўқувчи', 'ученик', 'имяученика', 'ребенок', 'ребёнок', 'student', 'studentname', 'child', 'childname'],
  studentAge: ['yosh', 'yoshi', 'oquvchiyoshi', 'ёши', 'возраст', 'возрастученика', 'age', 'studentage'],
  studentLevel: ['daraja', 'darajasi', 'даража', 'уровень', 'level', 'studentlevel'],
  utmMedium: ['utmmedium'],
  utmCampaign: ['utmcampaign', 'kampaniya', 'кампания', 'campaign'],
  utmContent: ['utmcontent'],
  utmTerm: ['utmterm'],
};

/** lower case, ё→е, no apostrophes (o'quvchi / oʻquvchi), no spaces or punctuation */
export function normalizeHeader(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\s'`ʻʼ’‘"«».,:;()[\]{}#№*_/\\|-]+/g, '');
}

const ALIAS_INDEX = new Map<string, Field>();
for (const f of FIELDS) for (const a of ALIASES[f]) ALIAS_INDEX.set(normalizeHeader(a), f);
const PHONE_ROOTS = ['telefon', 'телефон', 'phone', 'raqam', 'рақам', 'номер'];

function fieldOfHeader(header: string): Field | null {
  const h = normalizeHeader(header);
  if (!h) return null;
  const exact = ALIAS_INDEX.get(h);
  if (exact) return exact;
  // "Telefon raqami (asosiy)", "Контактный телефон 2": a phone word anywhere in the header
  if (PHONE_ROOTS.some((r) => h.includes(r))) return /2$/.test(h) || /^(qoshimcha|доп|second|additional)/.test(h) ? 'phone2' : 'phone';
  return null;
}

/** Text of any cell value exceljs or the Sheets API produces: rich text, formulas, hyperlinks, numbers, dates. */
export function cellText(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return Number.isFinite(v) ? (Number.isInteger(v) ? v.toFixed(0) : String(v)) : '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return Number.isNaN(+v) ? '' : v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text?: string }[]).map((r) => r.text ?? '').join('').trim();
    if ('formula' in o || 'sharedFormula' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
    if ('error' in o) return '';
  }
  return String(v).trim();
}

function formulaResult(v: unknown): unknown {
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    if ('formula' in o || 'sharedFormula' in o) return o.result;
  }
  return v;
}

const pad = (n: number) => String(n).padStart(2, '0');
const ymd = (y: number, m: number, d: number): string | null => {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCMonth() === m - 1 ? `${y}-${pad(m)}-${pad(d)}` : null;
};

// day number → 'YYYY-MM-DD': a sheet's dates repeat, and formatting each one showed in profiles
const serialDays = new Map<number, string>();

/**
 * A local calendar date 'YYYY-MM-DD' from an Excel serial (1900 or 1904 system), a Date exceljs
 * built from one, or text written the way people here write dates (dd.mm.yyyy first).
 */
export function cellDate(v: unknown, date1904 = false): string | null {
  v = formulaResult(v);
  if (v instanceof Date) return Number.isNaN(+v) ? null : v.toISOString().slice(0, 10);
  if (typeof v === 'number') {
    if (!(v >= 1 && v < 200_000)) return null;
    // day 0 is 1899-12-30 in the 1900 system (this absorbs Excel's fictitious 1900-02-29)
    const days = Math.floor(v) + (date1904 ? 1462 : 0);
    let text = serialDays.get(days);
    if (text === undefined) {
      text = new Date(Date.UTC(1899, 11, 30) + days * 86_400_000).toISOString().slice(0, 10);
      if (serialDays.size < 50_000) serialDays.set(days, text);
    }
    return text;
  }
  const s = cellText(v);
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s) && !/^\d{8}$/.test(s)) return cellDate(Number(s), date1904);
  let m = /^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:\D|$)/.exec(s);
  if (m) return ymd(+m[1], +m[2], +m[3]);
  m = /^(\d{1,2})[-./](\d{1,2})[-./](\d{2}|\d{4})(?:\D|$)/.exec(s);
  if (m) return ymd(m[3].length === 2 ? 2000 + +m[3] : +m[3], +m[2], +m[1]);
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return ymd(+m[1], +m[2], +m[3]);
  return null;
}

function columnNumber(ref: string | number): number | null {
  if (typeof ref === 'number') return Number.isInteger(ref) && ref > 0 ? ref : null;
  const s = ref.trim().toUpperCase();
  if (/^\d+$/.test(s)) return Number(s) || null;
  if (!/^[A-Z]{1,3}$/.test(s)) return null;
  let n = 0;
  for (const ch of s) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** field → 1-based column */
export type Columns = Partial<Record<Field, number>>;

/**
 * Finds the columns in a header row. Overrides win; a header name override is matched like the
 * built-in names, a letter or number names the column directly.
 */
export function detectColumns(headerRow: unknown[], mapping: ColumnMapping = {}): Columns {
  const cols: Columns = {};
  const used = new Set<number>();
  const headers = new Map<number, string>();
  for (let c = 1; c < headerRow.length; c++) {
    const text = cellText(headerRow[c]);
    if (text) headers.set(c, text);
  }
  for (const f of FIELDS) {
    const ref = mapping[f];
    if (ref === undefined || ref === '') continue;
    let col: number | null = null;
    if (typeof ref === 'string') {
      const want = normalizeHeader(ref);
      for (const [c, text] of headers) if (normalizeHeader(text) === want) col = c;
    }
    col ??= columnNumber(ref);
    if (col != null) {
      cols[f] = col;
      used.add(col);
    }
  }
  for (const [c, text] of headers) {
    if (used.has(c)) continue;
    let f = fieldOfHeader(text);
    if (!f) continue;
    if (f === 'phone' && cols.phone !== undefined && cols.phone2 === undefined && mapping.phone2 === undefined) f = 'phone2';
    if (cols[f] !== undefined || mapping[f] !== undefined) continue;
    cols[f] = c;
    used.add(c);
  }
  return cols;
}

export interface CourseRef {
  id: number;
  name: string;
}

export type RowVerdict =
  | { kind: 'empty' }
  | { kind: 'skip' }
  | { kind: 'invalid'; reason: ReasonCode; params: Record<string, string>; raw: RawRow }
  | { kind: 'valid'; input: NormalizedIntake; raw: RawRow };

export type ReasonCode = 'phone_missing' | 'phone_invalid' | 'name_missing' | 'invalid_value';
export type RawRow = Partial<Record<Field, string>>;

// \b is ASCII-only in JS, so the end of the word is spelled out for Cyrillic labels
const TOTAL_LABEL = /^(jami|итого|всего|жами|total|sum|summa|сумма)(?=$|[\s:.,;!-])/i;

export interface RowContext {
  columns: Columns;
  courses: CourseRef[];
  source: LeadSource;
  parked: boolean;
  lang: Lang;
  date1904?: boolean;
  /** note labels in `lang`, filled on first use */
  labels?: { course: string; date: string; phone2: string };
}

const normCourse = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Builds a course lookup by name (case and spacing ignored; active courses first). */
export function courseLookup(courses: CourseRef[]): (text: string) => number | null {
  const byName = new Map<string, number>();
  for (const c of courses) if (!byName.has(normCourse(c.name))) byName.set(normCourse(c.name), c.id);
  return (text) => byName.get(normCourse(text)) ?? null;
}

/**
 * Turns one sheet row (1-based values, as exceljs gives them) into an intake input or a reason.
 * Empty rows and footer junk ("Jami: 120", a lone remark under the table) are skipped.
 */
// module-level helpers: judgeRow runs once per row of a 100k-row file, and closures created inside
// it cost an allocation (and a name wrapper under tsx) each time
const HAS_DIGIT = /\d/;
const PHONE_SEPARATOR = /[,;\n/]/;
const PHONE_SPLIT = /[,;\n]|\s\/\s?|\/(?=\s*\+?\d)/;
function splitPhones(text: string): string[] {
  const out: string[] = [];
  for (const p of text.split(PHONE_SPLIT)) {
    const v = p.trim();
    if (v) out.push(v);
  }
  return out;
}
function isTotalRow(raw: RawRow): boolean {
  for (const v of Object.values(raw)) if (v && TOTAL_LABEL.test(v)) return true;
  return false;
}
// at most n characters, trimmed as the intake schema trims
function cut(s: string | undefined, n: number): string | undefined {
  return s ? s.slice(0, n).trim() : undefined;
}
// A row's input always passes the intake schema: every text is cut to the schema's limit and
// trimmed, the name is a non-empty cell, the age and course are checked, the source is the
// import's. So the schema step of normalizeIntake is left out (its allocations were a third of a
// 100k-row dry run's garbage) and only the rest runs. tests/unit/import-columns.test.ts checks that
// normalizeIntake returns every input judgeRow builds unchanged.
function finish(input: ValidIntake, noteParts: string[]): NormalizedIntake {
  input.note = noteParts.length ? noteParts.join(' · ').slice(0, 4000).trim() : null;
  return normalizeValidIntake(input);
}

export function judgeRow(values: unknown[], ctx: RowContext, findCourse: (text: string) => number | null): RowVerdict {
  const raw: RawRow = {};
  let filled = 0;
  for (const f of FIELDS) {
    const c = ctx.columns[f];
    if (c === undefined) continue;
    const text = cellText(values[c]);
    if (text) {
      raw[f] = text.slice(0, 4000);
      filled++;
    }
  }
  if (filled === 0) return { kind: 'empty' };
  if (!HAS_DIGIT.test(raw.phone ?? '') && !HAS_DIGIT.test(raw.phone2 ?? '') && (filled === 1 || isTotalRow(raw))) return { kind: 'skip' };

  // one cell holding two numbers ("90 123 45 67, 93 765 43 21"): the second is the secondary phone
  let phoneText = raw.phone ?? '';
  let phone2Text = raw.phone2 ?? '';
  if (PHONE_SEPARATOR.test(phoneText)) {
    const parts = splitPhones(phoneText);
    if (parts.length > 1) {
      phoneText = parts[0];
      if (!phone2Text) phone2Text = parts[1];
    }
  }
  if (!phoneText) return { kind: 'invalid', reason: 'phone_missing', params: {}, raw };
  if (!raw.name) return { kind: 'invalid', reason: 'name_missing', params: {}, raw };

  const labels = (ctx.labels ??= { course: t(ctx.lang, 'import.note.course'), date: t(ctx.lang, 'import.note.date'), phone2: t(ctx.lang, 'import.note.phone2') });
  const noteParts: string[] = [];
  if (raw.comment) noteParts.push(raw.comment);
  let courseId: number | null = null;
  if (raw.course) {
    courseId = findCourse(raw.course);
    if (courseId == null) noteParts.push(`${labels.course}: ${raw.course}`);
  }
  if (ctx.columns.date !== undefined) {
    const d = cellDate(values[ctx.columns.date], ctx.date1904);
    if (d) noteParts.push(`${labels.date}: ${d}`);
    else if (raw.date) noteParts.push(`${labels.date}: ${raw.date}`);
  }
  const age = raw.studentAge ? Number(raw.studentAge.replace(/[^\d]/g, '')) : NaN;
  const input: ValidIntake = {
    name: raw.name.slice(0, 200).trim(),
    phone: phoneText,
    phone2: phone2Text || null,
    courseId,
    source: ctx.source,
    note: null,
    utm: {
      source: cut(raw.source, 200),
      medium: cut(raw.utmMedium, 200),
      campaign: cut(raw.utmCampaign, 200),
      content: cut(raw.utmContent, 200),
      term: cut(raw.utmTerm, 200),
    },
    studentName: cut(raw.studentName, 200),
    studentAge: Number.isInteger(age) && age >= 1 && age <= 120 ? age : null,
    studentLevel: cut(raw.studentLevel, 100),
    parked: ctx.parked,
  };
  try {
    return { kind: 'valid', input: finish(input, noteParts), raw };
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'VALIDATION') throw err;
    const field = Object.keys(err.fields ?? {})[0] ?? '';
    if (field === 'phone2') {
      // a bad secondary number must not lose the lead: it is kept in the note instead
      input.phone2 = null;
      noteParts.push(`${labels.phone2}: ${phone2Text}`);
      try {
        return { kind: 'valid', input: finish(input, noteParts), raw };
      } catch (again) {
        if (!(again instanceof AppError)) throw again;
        return verdictOf(again, raw, phoneText);
      }
    }
    return verdictOf(err, raw, phoneText);
  }
}

function verdictOf(err: AppError, raw: RawRow, phoneText: string): RowVerdict {
  const field = Object.keys(err.fields ?? {})[0] ?? '';
  // a totals row under the table ("Jami | 120", "Итого | =COUNTA(B:B)") counts in the phone column:
  // it is footer junk, not a lead with a bad number
  if (field === 'phone' && isTotalRow(raw)) return { kind: 'skip' };
  if (field === 'phone') return { kind: 'invalid', reason: 'phone_invalid', params: { value: phoneText }, raw };
  if (field === 'name') return { kind: 'invalid', reason: 'name_missing', params: {}, raw };
  return { kind: 'invalid', reason: 'invalid_value', params: { field, message: err.fields?.[field] ?? err.message }, raw };
}

/** A readable, translated reason for a staged row (error report, back office). */
export function reasonText(lang: Lang, reason: string | null, params: Record<string, unknown> = {}): string {
  if (!reason) return '';
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v == null ? '' : String(v)]));
  return t(lang, `import.reason.${reason}`, p);
}
