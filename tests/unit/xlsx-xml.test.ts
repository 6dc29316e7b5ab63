import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { cellText } from '../../core/import/columns.js';
import { readXlsxRows } from '../../core/import/xlsx-reader.js';
import { SharedStringsParser, WorksheetParser, type ParsedRow } from '../../core/import/xlsx-xml.js';
import { tempDir } from '../support/xlsx-files.js';

// exceljs's own helpers, as the reader resolves them
const fromExceljs = createRequire(createRequire(import.meta.url).resolve('exceljs'));
const { xmlDecode } = fromExceljs('./lib/utils/utils.js') as { xmlDecode(s: string): string };
interface Zip {
  files: Record<string, { dir: boolean }>;
  file(name: string): { async(t: 'string'): Promise<string> } | null;
  file(name: string, data: string): Zip;
  generateAsync(o: { type: 'nodebuffer' }): Promise<Buffer>;
}
const JSZip = fromExceljs('jszip') as { new (): Zip; loadAsync(data: Buffer): Promise<Zip> };

const files = tempDir('crm-xlsx-xml-');
afterAll(() => files.cleanup());

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function sharedStrings(xml: string, size = xml.length): (string | null)[] {
  const p = new SharedStringsParser();
  for (const c of chunks(xml, size)) p.write(c);
  p.end();
  return p.strings;
}

function sheetRows(xml: string, shared: (string | null)[] = [], size = xml.length): ParsedRow[] {
  const p = new WorksheetParser(shared, xmlDecode);
  const rows: ParsedRow[] = [];
  for (const c of chunks(xml, size)) rows.push(...p.write(c));
  rows.push(...p.end());
  return rows;
}

const SST =
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<sst ${NS} count="6" uniqueCount="6">` +
  '<si><t>Ali</t></si>' +
  '<si><r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">Ali </t></r><r><t>Valiyev</t></r></si>' +
  '<si><t>Qo&apos;ng&apos;iroq &amp; &lt;b&gt; &#1040;&#x411; &quot;x&quot;</t></si>' +
  '<si><t/></si>' +
  '<si><t>bir\r\nikki\rUch</t></si>' +
  '<si>\n  <t>Малика</t>\n</si>' +
  '</sst>';

const SHEET =
  `<?xml version="1.0" encoding="UTF-8"?><worksheet ${NS}><dimension ref="A1:I6"/><cols><col min="1" max="2" width="9"/></cols><sheetData>` +
  '<row r="1" spans="1:9">' +
  '<c r="A1" t="s"><v>1</v></c>' +
  '<c r="B1"><v>998901234567</v></c>' +
  '<c r="C1" t="b"><v>1</v></c>' +
  '<c r="D1" t="e"><v>#N/A</v></c>' +
  '<c r="E1" t="str"><f>A1&amp;"x"</f><v>Ali Valiyevx</v></c>' +
  '<c r="F1" s="2"><f t="shared" ref="F1:F2" si="0">1+1</f><v>2</v></c>' +
  '<c r="G1" t="inlineStr"><is><t>inline &amp;amp; text</t></is></c>' +
  '<c r="H1" s="3"/>' +
  '<c r="I1" t="s"><v>99</v></c>' +
  '</row>' +
  '<row r="3" spans="1:9"/>' +
  '<row r="5">\n  <c r="B5" t="s">\n    <v>5</v>\n  </c>\n  <!-- a <c> in a comment --><c r="C5"><v><![CDATA[7]]></v></c><?pi x?>\n</row>' +
  '<row><c t="s"><v>0</v></c><c><v>45292.5</v></c><c r="E6" t="s"><v>2</v></c></row>' +
  '</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>';

describe('xlsx xml parsers', () => {
  it('reads a text or a tag far longer than a chunk whole', () => {
    const long = 'Ж&amp;\r\n'.repeat(200_000);
    const xml = `<sst ${NS}><si><t>${long}</t></si><si><t>b</t></si></sst>`;
    const got = sharedStrings(xml, 1000);
    expect(got).toEqual(['Ж&\n'.repeat(200_000), 'b']);
    const sheet = `<worksheet ${NS}><sheetData><row r="1" x="${'y'.repeat(1_000_000)}"><c r="A1" t="s"><v>1</v></c></row></sheetData></worksheet>`;
    expect(sheetRows(sheet, got, 1000)).toEqual([{ rowNo: 1, values: [undefined, 'b'] }]);
  });


  it('shared strings: plain, rich runs joined, entities and character references, line ends, empty', () => {
    expect(sharedStrings(SST)).toEqual(['Ali', 'Ali Valiyev', 'Qo\'ng\'iroq & <b> АБ "x"', null, 'bir\nikki\nUch', 'Малика\n']);
  });

  it('worksheet cells take the values exceljs gives them', () => {
    const shared = sharedStrings(SST);
    const rows = sheetRows(SHEET, shared);
    expect(rows.map((r) => r.rowNo)).toEqual([1, 3, 5, 6]);
    const first = rows[0].values;
    expect(first[1]).toBe('Ali Valiyev');
    expect(first[2]).toBe(998901234567);
    expect(first[3]).toBe(true);
    expect(first[4]).toEqual({ error: '#N/A' });
    expect(first[5]).toEqual({ formula: 'A1&"x"', result: 'Ali Valiyevx' });
    expect(first[6]).toEqual({ formula: '1+1', result: 2 });
    // exceljs decodes inline and formula text a second time
    expect(first[7]).toBe('inline & text');
    expect(8 in first).toBe(false);
    expect(9 in first).toBe(false);
    expect(rows[1].values).toEqual([]);
    // the text after </v> belongs to the value (exceljs gathers it too); CDATA, comments and PIs carry none
    expect(rows[2].values[2]).toBe('Малика\n');
    expect(rows[2].values[3]).toBeNaN();
    // a row and cells without references follow the previous ones
    expect(rows[3].values.slice(1)).toEqual(['Ali', 45292.5, undefined, undefined, 'Qo\'ng\'iroq & <b> АБ "x"']);
  });

  it('reads the same whatever the chunks: tags, entities, comments and CDATA cut anywhere', () => {
    const whole = sharedStrings(SST);
    const rows = sheetRows(SHEET, whole);
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      expect(sharedStrings(SST, size)).toEqual(whole);
      expect(sheetRows(SHEET, whole, size)).toEqual(rows);
    }
  });
});

/** exceljs's streaming reader, as the import used it before: rows as [rowNo, cell texts] */
async function exceljsRows(path: string) {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(path), { sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore', worksheets: 'emit' });
  const out: [number, unknown[]][] = [];
  for await (const ws of reader) for await (const row of ws as AsyncIterable<ExcelJS.Row>) out.push([row.number, (row.values as unknown[]).map((v) => cellText(v))]);
  return out;
}

async function readerRows(path: string) {
  const out: [number, unknown[]][] = [];
  for await (const r of readXlsxRows(path, statSync(path).size).rows) out.push([r.rowNo, r.values.map((v) => cellText(v))]);
  return out;
}

describe('xlsx reader against exceljs', () => {
  it('gives the cells exceljs gave for files exceljs writes, shared and inline strings alike', async () => {
    const rows: unknown[][] = [
      ['Ism', 'Telefon', 'Kurs', 'Izoh', 'Sana', 'Holat'],
      [{ richText: [{ font: { bold: true }, text: 'Ali ' }, { text: 'Valiyev' }] }, 998901234567, 'Ingliz tili', 'a & b <c> "d"', new Date(Date.UTC(2024, 2, 15)), true],
      ['Малика', '+998 90 123 45 67', { formula: 'C2&"!"', result: 'Ingliz tili!' }, '  bo\'sh joy  ', 45292, false],
      ['Шахзод', { text: '90 765 43 21', hyperlink: 'tel:+998907654321' }, null, 'qator\nikkinchi', '15.03.2024', { error: '#N/A' }],
      [null, null, null, null, null, null],
      ['Jami: 3', null, { formula: 'SUM(B2:B4)', result: 3 }],
    ];
    const book = files.path('types.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Mijozlar');
    rows.forEach((r, i) => r.forEach((v, c) => v != null && (ws.getCell(i + 1, c + 1).value = v as ExcelJS.CellValue)));
    await wb.xlsx.writeFile(book);

    const streamed = files.path('inline.xlsx');
    const sw = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: streamed, useSharedStrings: false, useStyles: true });
    const ss = sw.addWorksheet('Mijozlar');
    for (const r of rows) ss.addRow(r).commit();
    ss.commit();
    await sw.commit();

    for (const path of [book, streamed]) {
      const expected = await exceljsRows(path);
      expect(expected.length).toBeGreaterThan(4);
      expect(await readerRows(path)).toEqual(expected);
    }
  });

  it('gives the cells exceljs gave for hand-written XML (pretty-printed, entities, CDATA, inline rich text)', async () => {
    const base = files.path('base.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('S').addRows([['Ism', 'Telefon'], ['x', 'y']]);
    await wb.xlsx.writeFile(base);
    const original = await JSZip.loadAsync(readFileSync(base));
    const parts: Record<string, string> = {};
    for (const name of Object.keys(original.files)) if (!original.files[name].dir) parts[name] = await original.file(name)!.async('string');
    parts['xl/sharedStrings.xml'] = SST;
    parts['xl/worksheets/sheet1.xml'] = SHEET.replace(
      '<row><c t="s"><v>0</v></c><c><v>45292.5</v></c><c r="E6" t="s"><v>2</v></c></row>',
      '<row r="6"><c r="A6" t="inlineStr"><is><r><t>bir</t></r><r><rPr><i/></rPr><t>ikki</t></r></is></c></row>',
    );
    // the workbook first: exceljs's forward-only reader loses it when it comes last (exceljs #3064)
    const zip = new JSZip();
    const order = ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml'];
    for (const name of [...order, ...Object.keys(parts).filter((n) => !order.includes(n))]) if (parts[name] !== undefined) zip.file(name, parts[name]);
    const edited = files.path('edited.xlsx');
    writeFileSync(edited, await zip.generateAsync({ type: 'nodebuffer' }));
    const expected = await exceljsRows(edited);
    expect(expected.map(([n]) => n)).toEqual([1, 3, 5, 6]);
    expect(await readerRows(edited)).toEqual(expected);
  });

  it('keeps Cyrillic whole where the stream cuts a letter in two (exceljs made two U+FFFD of it)', async () => {
    const path = files.path('cyrillic.xlsx');
    const sw = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: false });
    const ws = sw.addWorksheet('Mijozlar');
    const names = Array.from({ length: 6000 }, (_, i) => `${['Шахзод', 'Малика', 'Нодира', 'Ўткир'][i % 4]} ${i}`);
    ws.addRow(['Исм', 'Телефон']).commit();
    for (const [i, n] of names.entries()) ws.addRow([n, `+99890${String(1_000_000 + i)}`]).commit();
    ws.commit();
    await sw.commit();
    const got = (await readerRows(path)).slice(1).map(([, v]) => v[1]);
    expect(got).toEqual(names);
  });
});
