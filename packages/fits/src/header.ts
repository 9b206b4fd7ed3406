/**
 * FITS headers (FITS 4.0 §4): 80-character cards in 2880-byte blocks, ended by END.
 *
 * Reading accepts fixed and free format values, strings with '' escapes, the CONTINUE long-string convention
 * (§4.2.1.2, announced by LONGSTRN), ESO's HIERARCH convention for long keywords, and commentary cards (COMMENT,
 * HISTORY, blank keyword, and any card without "= " in columns 9-10). Writing produces cards that read back to
 * the same values, in fixed format where the standard defines one.
 */
import { BLOCK, CARD, FitsError } from "./errors.js";

export type FitsComplex = { re: number; im: number };
export type CardValue = string | number | bigint | boolean | null | FitsComplex;

export interface Card {
  keyword: string;
  /**
   * Absent for commentary cards (whose text is in `comment`); null for a keyword with an undefined value
   * (§4.1.2.3, "KEYWORD =" followed by spaces).
   */
  value?: CardValue;
  comment?: string;
  /** The number was written (or is to be written) as a real: 1.0, not 1. */
  real?: boolean;
  /**
   * Set when the card could not be parsed: why (the card's text is in `comment`, and it has no value). A reader
   * that needs this keyword reports the reason; writers leave such cards out.
   */
  invalid?: string;
}

const COMMENTARY = new Set(["COMMENT", "HISTORY", ""]);
const STANDARD_KEYWORD = /^[A-Z0-9_-]{0,8}$/;
const INTEGER = /^[+-]?[0-9]+$/;
const REAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([EeDd][+-]?[0-9]+)?$/;

interface RawCard extends Card {
  /** A CONTINUE card: its string continues the previous card's when that one ends with '&'. */
  continuation?: boolean;
}

/** Parses one 80-character card. `where` names the HDU for errors. */
export function parseCard(text: string, where: { hdu?: number } = {}): RawCard {
  const key = text.slice(0, 8).trimEnd();
  if (key === "HIERARCH") {
    const eq = text.indexOf("=", 8);
    if (eq < 0) return { keyword: key, comment: text.slice(8).trimEnd() };
    const keyword = text.slice(8, eq).trim().toUpperCase();
    return { keyword, ...parseValueField(text.slice(eq + 1), keyword, where) };
  }
  if (key === "CONTINUE") {
    const field = parseValueField(text.slice(8), key, where, true);
    if (typeof field.value === "string") return { keyword: key, ...field, continuation: true };
    return { keyword: key, comment: text.slice(8).trimEnd() };
  }
  if (COMMENTARY.has(key) || text.slice(8, 10) !== "= ") {
    return { keyword: key, comment: text.slice(8).trimEnd() };
  }
  if (!STANDARD_KEYWORD.test(key)) {
    throw new FitsError("FITS_BAD_CARD", `keyword ${JSON.stringify(key)} has characters outside A-Z 0-9 _ -`, {
      ...where,
      card: JSON.stringify(key),
    });
  }
  return { keyword: key, ...parseValueField(text.slice(10), key, where) };
}

function parseValueField(
  field: string,
  keyword: string,
  where: { hdu?: number },
  lenient = false,
): { value: CardValue; comment?: string; real?: boolean } {
  let i = 0;
  while (i < field.length && field[i] === " ") i++;
  if (field[i] === "'") {
    let s = "";
    let j = i + 1;
    for (;;) {
      if (j >= field.length) {
        if (lenient) return { value: null };
        throw new FitsError("FITS_BAD_CARD", "string value has no closing quote", { ...where, card: keyword });
      }
      const c = field[j]!;
      if (c === "'") {
        if (field[j + 1] === "'") {
          s += "'";
          j += 2;
          continue;
        }
        break;
      }
      s += c;
      j++;
    }
    // Trailing spaces in a string are not significant; leading ones are (§4.2.1.1).
    const trimmed = s.replace(/ +$/, "");
    // A string of spaces means one space; only '' is the empty string (§4.2.1.1).
    return { value: trimmed === "" && s !== "" ? " " : trimmed, ...commentAfter(field.slice(j + 1), keyword, where, lenient) };
  }
  const slash = field.indexOf("/", i);
  const token = (slash < 0 ? field.slice(i) : field.slice(i, slash)).trim();
  const comment = slash < 0 ? undefined : field.slice(slash + 1).trim();
  const withComment = <T extends object>(o: T) => (comment === undefined ? o : { ...o, comment });
  if (token === "") return withComment({ value: null });
  if (token === "T" || token === "F") return withComment({ value: token === "T" });
  if (INTEGER.test(token)) {
    const big = BigInt(token);
    const value = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    return withComment({ value });
  }
  if (REAL.test(token)) return withComment({ value: Number(token.replace(/[Dd]/, "E")), real: true });
  const complex = /^\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)$/.exec(token);
  if (complex && REAL.test(complex[1]!) && REAL.test(complex[2]!)) {
    const n = (t: string) => Number(t.replace(/[Dd]/, "E"));
    return withComment({ value: { re: n(complex[1]!), im: n(complex[2]!) } });
  }
  if (lenient) return { value: null };
  throw new FitsError("FITS_BAD_CARD", `value ${JSON.stringify(token)} is not a FITS string, logical or number`, {
    ...where,
    card: keyword,
  });
}

function commentAfter(rest: string, keyword: string, where: { hdu?: number }, lenient: boolean): { comment?: string } {
  const t = rest.trim();
  if (t === "") return {};
  if (t.startsWith("/")) return { comment: t.slice(1).trim() };
  if (lenient) return {};
  throw new FitsError("FITS_BAD_CARD", `unexpected text ${JSON.stringify(t)} after the string value`, {
    ...where,
    card: keyword,
  });
}

/** Index of the END card's first byte in `bytes` (a whole number of cards), or -1. */
export function findEnd(bytes: Uint8Array): number {
  for (let p = 0; p + CARD <= bytes.length; p += CARD) {
    if (bytes[p] === 0x45 && bytes[p + 1] === 0x4e && bytes[p + 2] === 0x44) {
      let blank = true;
      for (let k = 3; k < 8; k++) if (bytes[p + k] !== 0x20) blank = false;
      if (blank) return p;
    }
  }
  return -1;
}

export class Header {
  readonly cards: Card[];

  constructor(cards: Card[] = []) {
    this.cards = cards;
  }

  /**
   * Parses the cards before END. `bytes` must hold the END card (see findEnd); what follows it is ignored.
   * Long strings are joined: the value of a card whose string ends in '&' continues in the CONTINUE cards after it.
   */
  static parse(bytes: Uint8Array, where: { hdu?: number } = {}): Header {
    const end = findEnd(bytes);
    if (end < 0) throw new FitsError("FITS_NO_END", "the header has no END card", where);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("latin1");
    const cards: Card[] = [];
    let open: Card | undefined;
    for (let p = 0; p < end; p += CARD) {
      let raw: RawCard;
      try {
        raw = parseCard(text.slice(p, p + CARD), where);
      } catch (e) {
        // Like cfitsio, a card is judged when it is needed: a malformed one that nothing asks for does not make
        // the file unreadable.
        if (!(e instanceof FitsError)) throw e;
        cards.push({ keyword: text.slice(p, p + 8).trimEnd().toUpperCase(), comment: text.slice(p + 8, p + CARD).trimEnd(), invalid: e.message });
        open = undefined;
        continue;
      }
      if (raw.continuation) {
        if (open && typeof open.value === "string" && open.value.endsWith("&")) {
          open.value = open.value.slice(0, -1) + (raw.value as string);
          if (raw.comment) open.comment = open.comment ? `${open.comment} ${raw.comment}` : raw.comment;
          continue;
        }
        cards.push({ keyword: "CONTINUE", comment: text.slice(p + 8, p + CARD).trimEnd() });
        open = undefined;
        continue;
      }
      delete raw.continuation;
      cards.push(raw);
      open = typeof raw.value === "string" ? raw : undefined;
    }
    return new Header(cards);
  }

  private find(keyword: string): Card | undefined {
    const k = keyword.toUpperCase();
    // The first occurrence wins, as in cfitsio.
    return this.cards.find((c) => c.keyword === k && c.value !== undefined);
  }

  has(keyword: string): boolean {
    return this.find(keyword) !== undefined;
  }

  get(keyword: string): CardValue | undefined {
    return this.find(keyword)?.value;
  }

  card(keyword: string): Card | undefined {
    return this.find(keyword);
  }

  /** The first card with this keyword that could not be parsed, if there is one and no valid card precedes it. */
  invalidCard(keyword: string): Card | undefined {
    const k = keyword.toUpperCase();
    const c = this.cards.find((x) => x.keyword === k && (x.value !== undefined || x.invalid !== undefined));
    return c?.invalid !== undefined ? c : undefined;
  }

  /** The value if it is a number (bigint values that fit a double are converted), else undefined. */
  number(keyword: string): number | undefined {
    const v = this.get(keyword);
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    return undefined;
  }

  string(keyword: string): string | undefined {
    const v = this.get(keyword);
    return typeof v === "string" ? v : undefined;
  }

  boolean(keyword: string): boolean | undefined {
    const v = this.get(keyword);
    return typeof v === "boolean" ? v : undefined;
  }

  /** Sets the first card with that keyword (keeping its comment unless one is given), or appends one. */
  set(keyword: string, value: CardValue, comment?: string, real?: boolean): this {
    const k = keyword.toUpperCase();
    const existing = this.find(k);
    const card: Card = { keyword: k, value };
    const c = comment ?? existing?.comment;
    if (c !== undefined) card.comment = c;
    if (real) card.real = true;
    if (existing) this.cards[this.cards.indexOf(existing)] = card;
    else this.cards.push(card);
    return this;
  }

  delete(keyword: string): this {
    const k = keyword.toUpperCase();
    for (let i = this.cards.length - 1; i >= 0; i--) {
      if (this.cards[i]!.keyword === k && this.cards[i]!.value !== undefined) this.cards.splice(i, 1);
    }
    return this;
  }

  clone(): Header {
    return new Header(this.cards.map((c) => ({ ...c })));
  }

  /** The header's bytes: cards, END, and spaces to the end of the block. */
  toBytes(): Buffer {
    const lines: string[] = [];
    const usesLongStrings = this.cards.some((c) => c.invalid === undefined && typeof c.value === "string" && formatCard(c).length > 1);
    for (const c of this.cards) if (c.invalid === undefined) lines.push(...formatCard(c));
    if (usesLongStrings && !this.has("LONGSTRN")) {
      // fitsverify warns about CONTINUE without LONGSTRN (§4.2.1.2 recommends it). It goes after the
      // mandatory keywords, before the first card that is not one of them.
      const at = this.cards.findIndex((c) => !isMandatory(c.keyword));
      const before = at < 0 ? this.cards : this.cards.slice(0, at);
      const n = before.reduce((s, c) => s + (c.invalid === undefined ? formatCard(c).length : 0), 0);
      lines.splice(n, 0, ...formatCard({ keyword: "LONGSTRN", value: "OGIP 1.0", comment: "The OGIP long string convention may be used" }));
    }
    lines.push("END".padEnd(CARD));
    const size = Math.ceil((lines.length * CARD) / BLOCK) * BLOCK;
    const out = Buffer.alloc(size, 0x20);
    out.write(lines.join(""), 0, "latin1");
    return out;
  }
}

function isMandatory(k: string): boolean {
  return /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|TFIELDS|ZIMAGE|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZCMPTYPE)$/.test(k);
}

/** Formats one card as one or more 80-character lines (more for a long string or a long commentary text). */
export function formatCard(card: Card): string[] {
  const { keyword } = card;
  if (card.value === undefined) {
    const text = card.comment ?? "";
    const out: string[] = [];
    for (let i = 0; i === 0 || i < text.length; i += 72) out.push(checkAscii(keyword.padEnd(8) + text.slice(i, i + 72), keyword).padEnd(CARD));
    return out;
  }
  const hierarch = !STANDARD_KEYWORD.test(keyword);
  const prefix = hierarch ? `HIERARCH ${keyword} = ` : `${keyword.padEnd(8)}= `;
  if (prefix.length > 60) throw new FitsError("FITS_INVALID_VALUE", "keyword too long for a HIERARCH card", { card: keyword });
  const v = card.value;
  if (typeof v === "string") return formatString(prefix, v, card.comment, keyword);
  let field: string;
  if (v === null) field = "";
  else if (typeof v === "boolean") field = (v ? "T" : "F").padStart(20);
  else if (typeof v === "bigint") field = v.toString().padStart(20);
  else if (typeof v === "number") field = formatNumber(v, card.real ?? false, keyword).padStart(20);
  else field = `(${formatNumber(v.re, true, keyword)}, ${formatNumber(v.im, true, keyword)})`.padStart(20);
  return [withComment(hierarch ? prefix + field.trimStart() : prefix + field, card.comment, keyword)];
}

function formatNumber(x: number, real: boolean, keyword: string): string {
  if (!Number.isFinite(x)) throw new FitsError("FITS_INVALID_VALUE", `${x} cannot be written in a header`, { card: keyword });
  if (!real && Number.isInteger(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  // JavaScript's shortest round-trip digits, with the exponent in FITS's upper case and a decimal point.
  const s = String(x).toUpperCase();
  const e = s.indexOf("E");
  if (e < 0) return s;
  const mantissa = s.slice(0, e);
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${s.slice(e + 1)}`;
}

function quote(s: string): string {
  return s.replace(/'/g, "''");
}

function formatString(prefix: string, s: string, comment: string | undefined, keyword: string): string[] {
  checkAscii(s, keyword);
  const q = quote(s.replace(/ +$/, (m) => (m.length === s.length ? " " : m)));
  const room = CARD - prefix.length - 2;
  if (q.length <= room) {
    // The empty string is '' exactly: quotes around spaces would read back as one space.
    const quoted = q === "" ? "''" : `'${q.padEnd(8)}'`;
    return [withComment(prefix + quoted.padEnd(20), comment, keyword)];
  }
  if (prefix.length > 10) throw new FitsError("FITS_INVALID_VALUE", "a long string cannot have a HIERARCH keyword", { card: keyword });
  // CONTINUE convention: each piece ends in '&' inside the quotes; a '' escape is never split.
  const pieces: string[] = [];
  let i = 0;
  while (i < q.length) {
    let n = Math.min(67, q.length - i);
    if (i + n < q.length) {
      let quotes = 0;
      for (let k = i + n - 1; k >= i && q[k] === "'"; k--) quotes++;
      if (quotes % 2 === 1) n--;
    }
    pieces.push(q.slice(i, i + n));
    i += n;
  }
  const lines = pieces.map((p, k) => {
    const last = k === pieces.length - 1;
    return `${k === 0 ? prefix : "CONTINUE  "}'${p}${last ? "" : "&"}'`;
  });
  lines[lines.length - 1] = withComment(lines[lines.length - 1]!, comment, keyword);
  return lines.map((l) => l.padEnd(CARD));
}

function withComment(line: string, comment: string | undefined, keyword: string): string {
  if (line.length > CARD) throw new FitsError("FITS_INVALID_VALUE", "value too long for one card", { card: keyword });
  if (comment === undefined || comment === "") return line.padEnd(CARD);
  checkAscii(comment, keyword);
  const room = CARD - line.length - 3;
  return (room > 0 ? `${line} / ${comment.slice(0, room)}` : line).padEnd(CARD);
}

function checkAscii(s: string, keyword: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) {
    throw new FitsError("FITS_INVALID_VALUE", "header text must be printable ASCII (FITS 4.0 §4.1.1)", { card: keyword });
  }
  return s;
}
