/**
 * A small streaming reader for the two big parts of an .xlsx, the shared strings and the worksheet,
 * producing the same cell values as exceljs 4.4's streaming WorkbookReader (saxes events fed to
 * its worksheet and shared-string state machines, styles ignored), without building its event,
 * Row and Cell objects. On a 100k-row sheet those were most of the import's reading time and much
 * of its garbage. The rules kept from exceljs, on purpose, so that a file reads as it did:
 * - a cell's value: shared string by index; `str` / `inlineStr` text through exceljs's xmlDecode;
 *   `b` → boolean; `e` → { error }; otherwise parseFloat (styles are ignored, so no dates);
 *   a cell with a formula → { formula, result } (result parsed as above for `str`, else parseFloat);
 * - text is gathered the way exceljs gathers it: every text node after the cell's last <f>, <v>,
 *   <is> or <t> opened (so an inline rich string keeps its last run), and in a shared string every
 *   text node since the last <t> opened, rich runs joined;
 * - CDATA, comments and processing instructions carry no text (saxes reports CDATA separately and
 *   exceljs ignores it); entities and character references are decoded, line ends normalized.
 * Differences, both on files exceljs could not read: a row or cell without its `r` reference
 * follows the previous one (exceljs failed), and UTF-8 split across stream chunks is decoded
 * whole (exceljs decoded each chunk alone and could turn one Cyrillic letter into two U+FFFD).
 */

// element names the two readers act on
const N_OTHER = 0;
const N_ROW = 1;
const N_C = 2;
const N_F = 3;
const N_V = 4;
const N_IS = 5;
const N_T = 6;
const N_SHEETDATA = 7;
const N_SI = 8;
const N_R = 9;

const GT = 62; // >
const SLASH = 47;
const BANG = 33;
const QMARK = 63;
// cell types (the `t` attribute) exceljs tells apart; any other reads as a number
const T_OTHER = 0;
const T_S = 1;
const T_STR = 2;
const T_INLINE = 3;
const T_B = 4;
const T_E = 5;

const DQ = 34;
const SQ = 39;
const CR = 13;

function nameCode(s: string, a: number, b: number): number {
  const len = b - a;
  const c0 = s.charCodeAt(a);
  switch (len) {
    case 1:
      return c0 === 99 ? N_C : c0 === 118 ? N_V : c0 === 102 ? N_F : c0 === 116 ? N_T : c0 === 114 ? N_R : N_OTHER;
    case 2:
      if (c0 === 105 && s.charCodeAt(a + 1) === 115) return N_IS;
      if (c0 === 115 && s.charCodeAt(a + 1) === 105) return N_SI;
      return N_OTHER;
    case 3:
      return c0 === 114 && s.charCodeAt(a + 1) === 111 && s.charCodeAt(a + 2) === 119 ? N_ROW : N_OTHER;
    case 9:
      return s.startsWith('sheetData', a) ? N_SHEETDATA : N_OTHER;
    default:
      return N_OTHER;
  }
}

const isNameEnd = (ch: number) => ch === 32 || ch === 9 || ch === 10 || ch === CR || ch === GT || ch === SLASH;

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
function entity(m: string, body: string): string {
  switch (body) {
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  const code = body.charCodeAt(1) === 120 ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
  return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
}

/** XML text → string: entities and character references decoded, CRLF and CR read as LF. */
export function xmlText(s: string, a: number, b: number): string {
  let t = s.slice(a, b);
  if (t.indexOf('&') >= 0) t = t.replace(ENTITY, entity);
  if (t.indexOf('\r') >= 0) t = t.replace(/\r\n?/g, '\n');
  return t;
}

/** Value of attribute `name` in the tag text s[a, b) (raw, without entity decoding: references and types need none), or undefined. */
function attr(s: string, a: number, b: number, name: string): string | undefined {
  let i = a;
  while (i < b) {
    while (i < b && s.charCodeAt(i) <= 32) i++;
    const ns = i;
    while (i < b) {
      const ch = s.charCodeAt(i);
      if (ch === 61 /* = */ || ch <= 32) break;
      i++;
    }
    const ne = i;
    while (i < b && s.charCodeAt(i) <= 32) i++;
    if (i >= b || s.charCodeAt(i) !== 61) return undefined;
    i++;
    while (i < b && s.charCodeAt(i) <= 32) i++;
    const quote = s.charCodeAt(i);
    if (quote !== DQ && quote !== SQ) return undefined;
    const close = s.indexOf(quote === DQ ? '"' : "'", i + 1);
    if (close < 0 || close >= b) return undefined;
    if (ne - ns === name.length && s.startsWith(name, ns)) return s.slice(i + 1, close);
    i = close + 1;
  }
  return undefined;
}

/** Index of the '>' closing the tag opened at `lt` (quoted attribute values skipped); -1 when it is not in `s` yet. */
function tagEnd(s: string, lt: number): number {
  const n = s.length;
  for (let i = lt + 1; i < n; i++) {
    const ch = s.charCodeAt(i);
    if (ch === GT) return i;
    if (ch === DQ || ch === SQ) {
      const close = s.indexOf(ch === DQ ? '"' : "'", i + 1);
      if (close < 0) return -1;
      i = close;
    }
  }
  return -1;
}

interface Handler {
  onOpen(code: number, s: string, attrFrom: number, attrTo: number): void;
  onClose(code: number): void;
  /** text s[a, b) as written (undecoded); called only while wantsText() */
  onText(s: string, a: number, b: number): void;
  wantsText(): boolean;
}

/**
 * Feeds XML text through `h`, element by element. Returns the index where an incomplete construct
 * starts (the caller keeps s from there for the next chunk), or s.length.
 */
function scan(s: string, h: Handler): number {
  let pos = 0;
  const n = s.length;
  while (pos < n) {
    const lt = s.indexOf('<', pos);
    if (lt < 0) {
      // text running past this chunk: keep it whole for the next one (its entities may be cut)
      return pos;
    }
    if (lt > pos && h.wantsText()) h.onText(s, pos, lt);
    if (lt + 1 >= n) return lt;
    const c1 = s.charCodeAt(lt + 1);
    if (c1 === SLASH) {
      const gt = s.indexOf('>', lt + 2);
      if (gt < 0) return lt;
      let e = gt;
      while (e > lt + 2 && s.charCodeAt(e - 1) <= 32) e--;
      h.onClose(nameCode(s, lt + 2, e));
      pos = gt + 1;
    } else if (c1 === BANG) {
      let end: number;
      if (s.startsWith('<!--', lt)) {
        const e = s.indexOf('-->', lt + 4);
        end = e < 0 ? -1 : e + 3;
      } else if (s.startsWith('<![CDATA[', lt)) {
        const e = s.indexOf(']]>', lt + 9);
        end = e < 0 ? -1 : e + 3;
      } else {
        // <!DOCTYPE …>, possibly with an internal subset in brackets
        const br = s.indexOf('[', lt);
        const gt = s.indexOf('>', lt);
        if (gt < 0) end = -1;
        else if (br >= 0 && br < gt) {
          const e = s.indexOf(']', br);
          const g = e < 0 ? -1 : s.indexOf('>', e);
          end = g < 0 ? -1 : g + 1;
        } else end = gt + 1;
      }
      if (end < 0) return lt;
      pos = end;
    } else if (c1 === QMARK) {
      const e = s.indexOf('?>', lt + 2);
      if (e < 0) return lt;
      pos = e + 2;
    } else {
      const gt = tagEnd(s, lt);
      if (gt < 0) return lt;
      let ne = lt + 1;
      while (ne < gt && !isNameEnd(s.charCodeAt(ne))) ne++;
      const self = s.charCodeAt(gt - 1) === SLASH;
      const code = nameCode(s, lt + 1, ne);
      h.onOpen(code, s, ne, self ? gt - 1 : gt);
      if (self) h.onClose(code);
      pos = gt + 1;
    }
  }
  return n;
}

/** Streams XML text in chunks of any size (UTF-8 already decoded) through a handler. */
class ChunkedScanner {
  /** the unfinished end of what was scanned */
  private carry = '';
  /** chunks held back while the carry is long (see write) */
  private held: string[] = [];
  private heldLength = 0;
  constructor(private readonly h: Handler) {}

  write(chunk: string) {
    if (this.carry.length > 65_536) {
      // a text or tag longer than a chunk: scanning it again for every chunk would take quadratic
      // time, so the chunks wait until they are as long as what is already there
      this.held.push(chunk);
      this.heldLength += chunk.length;
      if (this.heldLength < this.carry.length) return;
      chunk = this.held.join('');
      this.held = [];
      this.heldLength = 0;
    }
    const s = this.carry ? this.carry + chunk : chunk;
    const stop = scan(s, this.h);
    this.carry = stop < s.length ? s.slice(stop) : '';
  }

  end() {
    if (this.held.length) {
      const s = this.carry + this.held.join('');
      this.held = [];
      this.heldLength = 0;
      const stop = scan(s, this.h);
      this.carry = stop < s.length ? s.slice(stop) : '';
    }
    if (this.carry) {
      // a trailing text node (after the root element) or an unterminated construct: text only
      const s = this.carry;
      this.carry = '';
      if (s.indexOf('<') < 0 && this.h.wantsText()) this.h.onText(s, 0, s.length);
    }
  }
}

/** Shared strings (xl/sharedStrings.xml) in order: a string, or null where exceljs had none. */
export class SharedStringsParser implements Handler {
  readonly strings: (string | null)[] = [];
  private text: string | null = null;
  private runs: (string | null)[] | null = null;
  private readonly scanner = new ChunkedScanner(this);

  write(chunk: string) {
    this.scanner.write(chunk);
  }
  end() {
    this.scanner.end();
  }
  wantsText() {
    return true;
  }
  onText(s: string, a: number, b: number) {
    const t = xmlText(s, a, b);
    if (t) this.text = this.text ? this.text + t : t;
  }
  onOpen(code: number) {
    if (code === N_SI) {
      this.runs = null;
      this.text = null;
    } else if (code === N_T) this.text = null;
  }
  onClose(code: number) {
    if (code === N_R) {
      (this.runs ??= []).push(this.text);
      this.text = null;
    } else if (code === N_SI) {
      // a rich string: its runs' texts, as exceljs's cellText joins them
      this.strings.push(this.runs ? this.runs.map((r) => r ?? '').join('') : this.text);
      this.runs = null;
      this.text = null;
    }
  }
}

export interface ParsedRow {
  rowNo: number;
  /** 1-based cell values (index 0 unused), holes where exceljs had no value */
  values: unknown[];
}

/** Rows of a worksheet part (xl/worksheets/sheetN.xml), as exceljs's WorksheetReader would give their values. */
export class WorksheetParser implements Handler {
  /** completed rows since the last take() */
  private rows: ParsedRow[] = [];
  private inRows = false;
  private row: ParsedRow | null = null;
  private lastRowNo = 0;
  private inCell = false;
  private col = 0;
  private lastCol = 0;
  private type = T_OTHER;
  private hasF = false;
  private hasV = false;
  private fText = '';
  private vText = '';
  /** 0 none, 1 formula, 2 value: where text goes */
  private target = 0;
  private readonly scanner = new ChunkedScanner(this);

  constructor(
    private readonly shared: readonly (string | null)[],
    private readonly xmlDecode: (s: string) => string,
  ) {}

  write(chunk: string): ParsedRow[] {
    this.scanner.write(chunk);
    return this.take();
  }
  end(): ParsedRow[] {
    this.scanner.end();
    return this.take();
  }
  private take() {
    const out = this.rows;
    if (out.length) this.rows = [];
    return out;
  }
  wantsText() {
    return this.inCell && this.target !== 0;
  }
  onText(s: string, a: number, b: number) {
    const t = xmlText(s, a, b);
    if (this.target === 1) this.fText += t;
    else this.vText += t;
  }
  onOpen(code: number, s: string, a: number, b: number) {
    switch (code) {
      case N_SHEETDATA:
        this.inRows = true;
        break;
      case N_ROW:
        if (this.inRows) {
          const r = attr(s, a, b, 'r');
          const rowNo = r !== undefined ? parseInt(r, 10) : this.lastRowNo + 1;
          this.row = { rowNo, values: [] };
          this.lastRowNo = rowNo;
          this.lastCol = 0;
        }
        break;
      case N_C:
        if (this.row) {
          this.cellAttributes(s, a, b);
          this.inCell = true;
          this.hasF = false;
          this.hasV = false;
          this.target = 0;
        }
        break;
      case N_F:
        if (this.inCell) {
          this.hasF = true;
          this.fText = '';
          this.target = 1;
        }
        break;
      case N_V:
      case N_IS:
      case N_T:
        if (this.inCell) {
          this.hasV = true;
          this.vText = '';
          this.target = 2;
        }
        break;
    }
  }
  onClose(code: number) {
    switch (code) {
      case N_SHEETDATA:
        this.inRows = false;
        break;
      case N_ROW:
        if (this.row) {
          this.rows.push(this.row);
          this.row = null;
        }
        break;
      case N_C:
        if (this.inCell) {
          this.inCell = false;
          this.target = 0;
          const v = this.cellValue();
          if (v !== null && v !== undefined) this.row!.values[this.col] = v;
        }
        break;
    }
  }
  /**
   * The column (from `r`) and type (`t`) of a <c> tag, in one pass over its attributes without
   * copying them: this runs for every cell of the sheet.
   */
  private cellAttributes(s: string, a: number, b: number) {
    let col = 0;
    let type = T_OTHER;
    let i = a;
    while (i < b) {
      while (i < b && s.charCodeAt(i) <= 32) i++;
      const ns = i;
      while (i < b) {
        const ch = s.charCodeAt(i);
        if (ch === 61 /* = */ || ch <= 32) break;
        i++;
      }
      const ne = i;
      while (i < b && s.charCodeAt(i) <= 32) i++;
      if (i >= b || s.charCodeAt(i) !== 61) break;
      i++;
      while (i < b && s.charCodeAt(i) <= 32) i++;
      const quote = s.charCodeAt(i);
      if (quote !== DQ && quote !== SQ) break;
      const vs = i + 1;
      const ve = s.indexOf(quote === DQ ? '"' : "'", vs);
      if (ve < 0 || ve >= b) break;
      if (ne - ns === 1) {
        const name = s.charCodeAt(ns);
        if (name === 114 /* r */) {
          // the letters before the row number, as exceljs's decodeAddress reads them ("$" and the like skipped)
          for (let j = vs; j < ve; j++) {
            const ch = s.charCodeAt(j);
            if (ch >= 65 && ch <= 90) col = col * 26 + ch - 64;
            else if (ch >= 48 && ch <= 57) break;
          }
        } else if (name === 116 /* t */) type = typeCode(s, vs, ve);
      }
      i = ve + 1;
    }
    this.col = col > 0 ? col : this.lastCol + 1;
    this.lastCol = this.col;
    this.type = type;
  }

  private cellValue(): unknown {
    const t = this.type;
    if (this.hasF) {
      const result = this.hasV ? (t === T_STR ? this.xmlDecode(this.vText) : parseFloat(this.vText)) : undefined;
      return { formula: this.fText, result };
    }
    if (!this.hasV) return undefined;
    switch (t) {
      case T_S:
        return this.shared[parseInt(this.vText, 10)];
      case T_INLINE:
      case T_STR:
        return this.xmlDecode(this.vText);
      case T_E:
        return { error: this.vText };
      case T_B:
        return parseInt(this.vText, 10) !== 0;
      default:
        return parseFloat(this.vText);
    }
  }
}

function typeCode(s: string, a: number, b: number): number {
  const len = b - a;
  const c0 = s.charCodeAt(a);
  if (len === 1) return c0 === 115 /* s */ ? T_S : c0 === 98 /* b */ ? T_B : c0 === 101 /* e */ ? T_E : T_OTHER;
  if (len === 3) return s.startsWith('str', a) ? T_STR : T_OTHER;
  if (len === 9) return s.startsWith('inlineStr', a) ? T_INLINE : T_OTHER;
  return T_OTHER;
}
