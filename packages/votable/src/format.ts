/**
 * Text forms of values, shared by TABLEDATA, CSV and TSV. Numbers are written in the shortest form that reads
 * back to the same binary value, so that the text serializations lose nothing against BINARY2.
 */

/** VOTable 1.4 §6: "+Inf", "-Inf" and "NaN" are the special values. */
export function formatDouble(x: number): string {
  if (x === x && x !== Infinity && x !== -Infinity) {
    // String(-0) is "0": keep the sign, since it survives BINARY.
    return x === 0 && 1 / x < 0 ? "-0" : String(x);
  }
  return x !== x ? "NaN" : x > 0 ? "+Inf" : "-Inf";
}

/**
 * The shortest decimal that reads back (after rounding to float32) as the same float. JavaScript only offers
 * shortest forms for doubles, so try 6 to 9 significant digits: 9 always suffice for a float32 (IEEE 754 §5.12.2).
 */
export function formatFloat(value: number): string {
  const f = Math.fround(value);
  if (f !== f || f === Infinity || f === -Infinity) return formatDouble(f);
  if (f === 0) return 1 / f < 0 ? "-0" : "0";
  const s = String(f);
  // A double's shortest form with at most 7 significant digits is also the float's shortest: a shorter decimal
  // would be at least 1e-7 away in relative terms, more than half a float32 ulp (2^-24).
  if (significantDigits(s) <= 7) return s;
  for (let p = 6; p < 9; p++) {
    const t = f.toPrecision(p);
    if (Math.fround(Number(t)) === f) return trimPrecision(t);
  }
  return trimPrecision(f.toPrecision(9));
}

function significantDigits(s: string): number {
  let n = 0;
  let leading = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x65 /* e */) break;
    if (c >= 0x30 && c <= 0x39) {
      if (leading && c === 0x30) continue;
      leading = false;
      n++;
    }
  }
  return n;
}

/** "1.50000e+10" → "1.5e+10", "100.000" → "100". */
function trimPrecision(t: string): string {
  const e = t.indexOf("e");
  let mant = e < 0 ? t : t.slice(0, e);
  if (mant.includes(".")) {
    let end = mant.length;
    while (mant.charCodeAt(end - 1) === 0x30) end--;
    if (mant.charCodeAt(end - 1) === 0x2e) end--;
    mant = mant.slice(0, end);
  }
  return e < 0 ? mant : mant + t.slice(e);
}

const pad2 = (n: number): string => (n < 10 ? "0" + n : String(n));

/**
 * DALI 1.1 §3.3: YYYY-MM-DDThh:mm:ss[.SSS], in UTC and without a time zone letter (the astronomical form, which
 * DALI says is UTC by default).
 */
export function formatTimestamp(d: Date): string | undefined {
  const t = d.getTime();
  if (t !== t) return undefined;
  const y = d.getUTCFullYear();
  let year: string;
  if (y >= 0 && y <= 9999) year = String(y).padStart(4, "0");
  else year = (y < 0 ? "-" : "+") + String(Math.abs(y)).padStart(6, "0");
  const ms = d.getUTCMilliseconds();
  return (
    `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}` +
    (ms === 0 ? "" : "." + String(ms).padStart(3, "0"))
  );
}
