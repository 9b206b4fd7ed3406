/**
 * XML 1.0 text and attribute escaping. Characters that XML 1.0 §2.2 forbids (most C0 controls, lone surrogates,
 * U+FFFE, U+FFFF) cannot be escaped either (`&#1;` is not well-formed), so they are replaced by U+FFFD.
 */

const REPLACEMENT = "\uFFFD";

// Anything that may need work; most strings match nothing and leave through the fast path. Matching control
// characters is the point of these patterns.
// eslint-disable-next-line no-control-regex
const TEXT_SPECIAL = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const ATTR_SPECIAL = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function escapeText(s: string): string {
  return TEXT_SPECIAL.test(s) ? slowEscape(s, false) : s;
}

export function escapeAttr(s: string): string {
  return ATTR_SPECIAL.test(s) ? slowEscape(s, true) : s;
}

function slowEscape(s: string, attr: boolean): string {
  let out = "";
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      if (c === 0x0d) rep = "&#13;"; // a literal CR would be normalised away by any parser (XML 1.0 §2.11)
      else if (c === 0x09) rep = attr ? "&#9;" : undefined; // attribute-value normalisation turns tabs and
      else if (c === 0x0a) rep = attr ? "&#10;" : undefined; // newlines into spaces (XML 1.0 §3.3.3)
      else rep = REPLACEMENT;
    } else if (c === 0x26) rep = "&amp;";
    else if (c === 0x3c) rep = "&lt;";
    else if (c === 0x3e) rep = "&gt;"; // needed after "]]" in text; cheaper to always do it
    else if (c === 0x22) rep = attr ? "&quot;" : undefined;
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++; // a well-formed pair: keep it
          continue;
        }
      }
      rep = REPLACEMENT;
    } else if (c === 0xfffe || c === 0xffff) rep = REPLACEMENT;
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return start === 0 ? out + s : out + s.slice(start);
}

/**
 * Replaces what XML 1.0 forbids, without escaping markup: what a string becomes once written in XML and read
 * back. Exported for tests and for callers who want to predict a round trip.
 */
export function xmlSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/.test(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) out += REPLACEMENT;
    else if (c === 0xfffe || c === 0xffff) out += REPLACEMENT;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += REPLACEMENT;
    else out += s[i]!;
  }
  return out;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Replaces lone surrogates by U+FFFD (what UTF-8 encoding does anyway), keeping everything else. */
export function wellFormed(s: string): string {
  if (!/[\uD800-\uDFFF]/.test(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += REPLACEMENT;
    else out += s[i]!;
  }
  return out;
}

const NCNAME = /^[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][A-Za-z_0-9.\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*$/;

/** `ID` attributes are xs:ID, so NCNames (XML Namespaces §3); checked so that we never write an invalid document. */
export function isNCName(s: string): boolean {
  return NCNAME.test(s);
}
