import { statSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { cellDate, cellText, courseLookup, detectColumns, judgeRow, type RowContext } from '../../core/import/columns.js';
import { readXlsxRows } from '../../core/import/xlsx-reader.js';
import { normalizeIntake } from '../../core/leads/intake.js';
import { tempDir } from '../support/xlsx-files.js';

const files = tempDir('crm-cols-');
afterAll(() => files.cleanup());
const row = (...cells: unknown[]) => [undefined, ...cells];

describe('header detection', () => {
  it('reads Uzbek (Latin and Cyrillic), Russian and English headers', () => {
    expect(detectColumns(row("Ismi sharifi", 'Telefon raqami', "Qo'shimcha telefon", "Yo'nalish", 'Izoh', 'Manba', 'Sana', "O'quvchi ismi", 'Yoshi'))).toEqual({
      name: 1, phone: 2, phone2: 3, course: 4, comment: 5, source: 6, date: 7, studentName: 8, studentAge: 9,
    });
    expect(detectColumns(row('Ф.И.О.', 'Тел.', 'Телефон 2', 'Курс', 'Примечание', 'Источник', 'Дата обращения'))).toEqual({
      name: 1, phone: 2, phone2: 3, course: 4, comment: 5, source: 6, date: 7,
    });
    expect(detectColumns(row('Исм', 'Телефон рақами', 'Изоҳ', 'Манба', 'Сана'))).toEqual({ name: 1, phone: 2, comment: 3, source: 4, date: 5 });
    expect(detectColumns(row('Full name', 'Phone number', 'Phone 2', 'Course', 'Notes', 'utm_campaign'))).toEqual({
      name: 1, phone: 2, phone2: 3, course: 4, comment: 5, utmCampaign: 6,
    });
    // two plain phone columns: the second is the secondary phone
    expect(detectColumns(row('Name', 'Telefon', 'Telefon'))).toEqual({ name: 1, phone: 2, phone2: 3 });
  });

  it('reads the hyphenated and Cyrillic spellings of "full name" and the х-for-ҳ typing of Uzbek Cyrillic headers', () => {
    expect(detectColumns(row('№', 'Исм-шарифи', 'Телефон рақами', 'Курс номи', 'Изох'))).toEqual({ name: 2, phone: 3, course: 4, comment: 5 });
    expect(detectColumns(row('Ism-sharifi', 'Tel. raqam', "Yo'nalishi"))).toEqual({ name: 1, phone: 2, course: 3 });
    expect(detectColumns(row('Исми шарифи', 'Рақами', 'Йўналиши'))).toEqual({ name: 1, phone: 2, course: 3 });
    expect(detectColumns(row('Фамилия, исм', 'Асосий рақам'))).toEqual({ name: 1, phone: 2 });
  });

  it('lets a mapping override detection by header text, letter or number', () => {
    const header = row('Kontakt', 'Mobil', 'Ism', 'Boshqa');
    expect(detectColumns(header, { name: 'Kontakt', phone: 'D' })).toMatchObject({ name: 1, phone: 4 });
    expect(detectColumns(header, { phone: 2, name: 3 })).toMatchObject({ name: 3, phone: 2 });
  });
});

describe('cells', () => {
  it('turns rich text, formulas, hyperlinks and numbers into text', () => {
    expect(cellText({ richText: [{ text: 'Ali ' }, { text: 'Valiyev' }] })).toBe('Ali Valiyev');
    expect(cellText({ formula: 'A1&B1', result: 'Ali' })).toBe('Ali');
    expect(cellText({ sharedFormula: 'A1', result: 998901234567 })).toBe('998901234567');
    expect(cellText({ text: 'link', hyperlink: 'https://x' })).toBe('link');
    expect(cellText({ error: '#N/A' })).toBe('');
    expect(cellText(998901234567)).toBe('998901234567');
  });

  it('reads dates as serials (1900 and 1904 systems), Date values and local text', () => {
    expect(cellDate(45292)).toBe('2024-01-01');
    expect(cellDate(45292.75)).toBe('2024-01-01');
    expect(cellDate(43830, true)).toBe('2024-01-01');
    expect(cellDate(new Date(Date.UTC(2024, 1, 29)))).toBe('2024-02-29');
    expect(cellDate('15.03.2024')).toBe('2024-03-15');
    expect(cellDate('15/03/24')).toBe('2024-03-15');
    expect(cellDate('2024-03-15 10:30')).toBe('2024-03-15');
    expect(cellDate('31.02.2024')).toBeNull();
    expect(cellDate('ertaga')).toBeNull();
  });
});

describe('row verdicts', () => {
  const ctx: RowContext = { columns: { name: 1, phone: 2, phone2: 3, course: 4, comment: 5 }, courses: [], source: 'excel', parked: true, lang: 'en' };
  const find = courseLookup([{ id: 7, name: 'Ingliz tili' }]);

  it('skips empty rows and footer junk, keeps every other row with a reason', () => {
    expect(judgeRow(row(null, null, ''), ctx, find)).toEqual({ kind: 'empty' });
    expect(judgeRow(row('Jami: 120 ta'), ctx, find)).toEqual({ kind: 'skip' });
    expect(judgeRow(row('Итого', null, null, null, '120'), ctx, find)).toEqual({ kind: 'skip' });
    // a totals row counting in the phone column, as a number or a formula's result
    expect(judgeRow(row('Jami', 120), ctx, find)).toEqual({ kind: 'skip' });
    expect(judgeRow(row('Итого:', { formula: 'COUNTA(B3:B10)', result: 8 }), ctx, find)).toEqual({ kind: 'skip' });
    // a lead whose name starts like a total but with a real number is still a lead
    expect(judgeRow(row('Summa Aliyeva', '901234567'), ctx, find)).toMatchObject({ kind: 'valid' });
    expect(judgeRow(row('Ali', null, null, 'Ingliz tili'), ctx, find)).toMatchObject({ kind: 'invalid', reason: 'phone_missing' });
    expect(judgeRow(row('Ali', '12-34'), ctx, find)).toMatchObject({ kind: 'invalid', reason: 'phone_invalid', params: { value: '12-34' } });
    expect(judgeRow(row(null, '901234567'), ctx, find)).toMatchObject({ kind: 'invalid', reason: 'name_missing' });
  });

  it('splits two numbers in one cell, keeps a bad secondary number in the note, matches courses by name', () => {
    const v = judgeRow(row('  Ali   Valiyev ', '90 123 45 67, 93 765 43 21', null, 'ingliz  TILI', 'salom'), ctx, find);
    expect(v).toMatchObject({ kind: 'valid', input: { name: 'Ali Valiyev', phone: '+998901234567', phone2: '+998937654321', courseId: 7, note: 'salom' } });
    const w = judgeRow(row('Vali', '+998 90 111 22 33', '123', 'Robototexnika'), ctx, find);
    expect(w).toMatchObject({ kind: 'valid', input: { phone: '+998901112233', phone2: null, courseId: null, note: 'Course: Robototexnika · Phone 2: 123' } });
  });

  it('builds only inputs the intake schema would keep as they are (its limits, trimmed): normalizeIntake returns each unchanged', () => {
    // judgeRow leaves the schema step of normalizeIntake out; this holds it to the schema
    const all: RowContext = {
      columns: { name: 1, phone: 2, phone2: 3, course: 4, comment: 5, source: 6, date: 7, studentName: 8, studentAge: 9, studentLevel: 10, utmMedium: 11, utmCampaign: 12, utmContent: 13, utmTerm: 14 },
      courses: [],
      source: 'google_sheets',
      parked: false,
      lang: 'ru',
    };
    // a space right where each text is cut to its limit
    const at = (n: number) => `${'ж'.repeat(n - 1)} ${'z'.repeat(30)}`;
    const rows = [
      row(at(200), '90 123 45 67', '93 765 43 21', 'Ingliz tili', at(4000), at(200), 45292, at(200), '12 yosh', at(100), at(200), at(200), at(200), at(200)),
      row('  Ali \t  Valiyev  ', '+998 (90) 111-22-33 / 93 111 22 33', null, 'Robototexnika', '  izoh  ', 'Instagram', '15.03.2024', null, '300', 'A1'),
      row('Vali', 998901112244, 'yo‘q', null, null, null, 'ertaga'),
      row('Х', '901112255', '901112255', 'ingliz  TILI', ' ', null, null, ' ', '0'),
    ];
    for (const r of rows) {
      const v = judgeRow(r, all, find);
      expect(v.kind).toBe('valid');
      if (v.kind !== 'valid') continue;
      expect(normalizeIntake(v.input)).toEqual(v.input);
    }
    const first = judgeRow(rows[0], all, find);
    expect(first).toMatchObject({ kind: 'valid', input: { name: 'ж'.repeat(199), studentLevel: 'ж'.repeat(99), utm: { source: 'ж'.repeat(199) } } });
  });
});

describe('xlsx reader', () => {
  it('reads exceljs-written multi-sheet workbooks every time, sheet by sheet in workbook order', async () => {
    // exceljs stores xl/workbook.xml last; its own forward-only reader loses it intermittently (exceljs #3064)
    const path = files.path('two-sheets.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Birinchi').addRows([['Ism', 'Telefon'], ['Ali', 901234567]]);
    wb.addWorksheet('Ikkinchi').addRows([['x', 'y']]);
    await wb.xlsx.writeFile(path);
    for (let i = 0; i < 30; i++) {
      const got: unknown[][] = [];
      for await (const r of readXlsxRows(path, statSync(path).size).rows) got.push([r.sheet, ...r.values.slice(1)]);
      expect(got).toEqual([[0, 'Ism', 'Telefon'], [0, 'Ali', 901234567], [1, 'x', 'y']]);
    }
  });
});
