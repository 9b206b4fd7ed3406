/**
 * Text forms of values, shared by TABLEDATA, CSV and TSV. Numbers are written in the shortest form that reads
 * back to the same binary value, so that the text serializations lose nothing against BINARY2.
 */

/** VOTable 1.4 §6: "+Inf", "-Inf" and "NaN" are the special values. */
export function formatDouble(x: number): string {
  if (x === x && x !== Infinity && x !== -Infinity) {
    // String(-0) is "0": keep the sign, since it survives BINARY. JSON.stringify is Number::toString for finite
    // numbers (ECMA-262 SerializeJSONProperty), but V8 allocates String(x)'s result in the old generation (for its
    // number-string cache), which grows the heap by tens of MB over a million rows; JSON.stringify's does not.
    return x === 0 && 1 / x < 0 ? "-0" : JSON.stringify(x);
  }
  return x !== x ? "NaN" : x > 0 ? "+Inf" : "-Inf";
}

/** Powers of ten, correctly rounded (exact up to 1e22). */
const P10: number[] = Array.from({ length: 60 }, (_, k) => Number(`1e${k}`));

/**
 * The shortest decimal that reads back (after rounding to float32) as the same float, and of those the nearest.
 * JavaScript only offers shortest forms for doubles; String(Math.fround(0.1)) is "0.10000000149011612". 9 digits
 * always suffice for a float32 (IEEE 754 §5.12.2). shortestFloat finds the digits with double arithmetic; where it
 * cannot decide, the string route does (toPrecision for p = 1..9, checked by parsing).
 */
export function formatFloat(value: number): string {
  const f = Math.fround(value);
  if (f !== f || f === Infinity || f === -Infinity) return formatDouble(f);
  if (f === 0) return 1 / f < 0 ? "-0" : "0";
  const short = shortestFloat(f);
  if (short === undefined) return formatFloatSlow(f);
  const text = decimalString(String(short.digits), short.exp);
  return f < 0 ? "-" + text : text;
}

/** Reused result of shortestFloat (it runs for every float cell: no allocation). */
const SHORT = { digits: 0, exp: 0 };
const F32 = new Float32Array(1);
const F32_BITS = new Uint32Array(F32.buffer);
/** Decisions closer than this (in units of the 9th digit) to an interval's end or to a tie are left to the string route. */
const FLOAT_MARGIN = 1e-6;

/**
 * For a finite non-zero float32 f: |f| ≈ digits·10^exp with the fewest digits that round back to f, or undefined
 * when the fast arithmetic cannot decide (then use the string route). The result object is reused.
 *
 * |f| = M·2^e exactly, and the decimals that read back as f are those within half a gap of it (the gap below is
 * half as wide at a power of two). Scaled to nine digits, X = |f|·10^k in [10^8, 10^9), the half-gaps are more
 * than 2.9 for a normal f, so the nearest integer is inside. Then, for j = 1, 2..., the nearest multiple of 10^j is
 * tried while it stays inside: the last that does has the fewest digits, and is the nearest of them (toPrecision's
 * choice, which the string route makes).
 *
 * For 0 ≤ k ≤ 12, X and the half-gaps are exact (M·5^k < 2^53), and so is every comparison: an end of the interval
 * reads back as f when M is even (ties go to even), and of two multiples equally near, toPrecision takes the larger.
 * Otherwise X and the half-gaps carry relative errors below 2^-52 (a product or quotient by 10^k, inexact beyond
 * 10^22), so below 2.3e-7 in these units, and a decision closer than FLOAT_MARGIN is left to the string route, as
 * are subnormals. Over every positive float32, the string route takes 0.42%: the 8,388,607 subnormals and 622,903
 * others near an end or a tie.
 */
export function shortestFloat(f: number): { readonly digits: number; readonly exp: number } | undefined {
  F32[0] = f;
  const bits = F32_BITS[0]! & 0x7fffffff;
  const biased = bits >>> 23;
  if (biased === 0 || biased === 255) return undefined;
  const a = f < 0 ? -f : f;
  // half the gap above: M's last bit is worth 2^(biased - 150)
  const above0 = POW2[biased - 151 + POW2_BIAS]!;
  const powerOfTwo = (bits & 0x7fffff) === 0 && biased > 1;
  // floor(log10(a)) is floor(e2·0.30103) or one off, e2 = biased - 127: the scaled value's range settles it
  let k = FLOAT_SCALE_OF[biased]!;
  let x = scale(a, k);
  if (x >= 1e9) x = scale(a, --k);
  else if (x < 1e8) x = scale(a, ++k);
  if (!(x >= 1e8 && x < 1e9)) return undefined;
  const above = scale(above0, k);
  const margin = k >= 0 && k <= 12 ? 0 : FLOAT_MARGIN;
  const evenM = (bits & 1) === 0;
  // floor(x + 0.5) is Math.round(x) here (x + 0.5 is exact below 2^52), and V8 makes it about 9 ns cheaper
  let digits = Math.floor(x + 0.5);
  let tied = margin !== 0 && 0.5 - Math.abs(x - digits) <= margin;
  let j = 0;
  while (j < 8) {
    const unit = P10[j + 1]!;
    const half = unit / 2;
    // the nearest multiple c·10^j; d, the candidate minus X, is exact (X and c·10^j are on the same binary grid)
    let c = Math.floor(x * INV10[j + 1]! + 0.5);
    let d = c * unit - x;
    if (d > half) {
      c--;
      d -= unit;
    } else if (d < -half) {
      c++;
      d += unit;
    }
    if (d === -half) {
      c++;
      d += unit;
    }
    const dist = d < 0 ? -d : d;
    const room = powerOfTwo && d < 0 ? above / 2 : above;
    if (dist > room + margin) break;
    if (dist >= room - margin && (margin !== 0 || !evenM)) {
      if (margin !== 0) return undefined;
      break; // exactly at the end, which reads back as f's odd neighbour
    }
    // a tie matters only if no shorter candidate follows
    tied = margin !== 0 && Math.abs(dist - half) <= margin;
    digits = c;
    j++;
    if (margin === 0) {
      // Exact arithmetic: c's trailing zeros are the next candidates, at the same distance, so they pass the same
      // test. Counting them in int32 skips those rounds (short decimals such as magnitudes: 59 → 46 ns per float).
      let q = ((digits | 0) / 10) | 0;
      while (j < 8 && digits === q * 10) {
        digits = q;
        j++;
        q = (q / 10) | 0;
      }
    }
  }
  if (tied) return undefined;
  SHORT.digits = digits;
  SHORT.exp = j - k;
  return SHORT;
}

/** shortestFloat's first guess at k, by biased exponent: 8 - floor(e2·0.30103), a table rather than a floor per float. */
const FLOAT_SCALE_OF = Int32Array.from({ length: 256 }, (_, biased) => 8 - Math.floor((biased - 127) * 0.30103));

/** a·10^k for an integer k from -38 to 53 (P10 holds 10^0 to 10^59). */
function scale(a: number, k: number): number {
  return k >= 0 ? a * P10[k]! : a / P10[-k]!;
}

/** 10^-j, for a quotient that the rounding then corrects. */
const INV10 = Array.from({ length: 10 }, (_, j) => Number(`1e-${j}`));

/** 2^n for n from -POW2_BIAS (POW2[n + POW2_BIAS]), by halving: exact, as doubles hold powers of two down to 2^-1074. */
const POW2_BIAS = 160;
const POW2 = Float64Array.from({ length: 300 }, (_, i) => {
  let p = 1;
  for (let n = i - POW2_BIAS; n < 0; n++) p /= 2;
  for (let n = i - POW2_BIAS; n > 0; n--) p *= 2;
  return p;
});

/** Reused result of shortestDouble: |x| = (hi·10^8 + lo)·10^exp, hi < 10^10 and 0 ≤ lo < 10^8, both integers. */
const SHORT_DOUBLE = { hi: 0, lo: 0, exp: 0 };
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
/** Half an ulp of a double of biased exponent e: 2^(e - 1023 - 53), for the exponents of [1e-6, 1e17). */
const HALF_ULP = Float64Array.from({ length: 1024 + 64 }, (_, e) => (e >= 1023 - 30 ? 2 ** (e - 1023 - 53) : 0));
/** Decisions closer than this (in units of the 17th digit) to a boundary are left to V8: the arithmetic errs < 1e-14. */
const MARGIN = 1e-9;
/** floor(e2·0.30103) by biased exponent (e2 + 1023): shortestDouble's estimate of floor(log10(a)), from a table. */
const DECIMAL_EXPONENT_OF = Int32Array.from({ length: 2048 }, (_, biased) => Math.floor((biased - 1023) * 0.30103));

/**
 * The digits of Number#toString(a) for a finite a in [1e-6, 1e17), or undefined when a is outside that range or
 * the fast arithmetic cannot decide (then use formatDouble, which is V8's). ECMA-262 Number::toString: the fewest
 * digits that read back as a, and of those the closest to a. It exists for speed: V8's string costs 150-250 ns
 * per double on this machine, this 55-65 ns, and its digits go straight into the output bytes (writeDouble).
 *
 * At most 15 digits: d = round(a·10^k) with d < 10^15 is exact to 1/16, and a decimal within half an ulp of a lies
 * within 0.11 of a·10^k, so d is the only 15-digit candidate; with d and 10^k exact doubles (k ≤ 22), d/10^k is the
 * correctly rounded decimal, which is what a reader gets, so the check is exact. Its trailing zeros give the
 * shortest form.
 *
 * Otherwise 16 or 17 digits: X = a·10^k in [10^16, 10^17) is hi + lo exactly (Dekker's product; 10^k exact), and
 * the half-gap to a's neighbours, scaled by 10^k, is a power of two times 10^k, also exact. A candidate integer D
 * reads back as a when |D - X| is inside that gap: the multiples of ten around X (16 digits) first, else the
 * integer nearest X (17). A decision within MARGIN of a boundary or of a tie is left to V8.
 */
export function shortestDouble(a: number): { readonly hi: number; readonly lo: number; readonly exp: number } | undefined {
  if (!(a >= 1e-6 && a < 1e17)) return undefined;
  F64[0] = a;
  const high = U32[1 - LOW_WORD]!;
  const low = U32[LOW_WORD]!;
  // floor(log10(a)) from the binary exponent e2 (Math.log10 costs 18 ns): log10(a) lies in [e2·log10(2),
  // (e2 + 1)·log10(2)), and 0.30103 exceeds log10(2) by 4.3e-9, too little to cross an integer for the range's e2
  // (-20 to 56; direct.test checks), so the estimate is exact or one low; one comparison with a power of ten
  // settles it (exact from 1 to 1e22)
  const e2 = (high >>> 20) - 1023;
  let e10 = DECIMAL_EXPONENT_OF[e2 + 1023]!;
  if (e10 >= -1 ? a >= P10[e10 + 1]! : a * P10[-e10 - 1]! >= 1) e10++;
  // 15 digits
  const k15 = 14 - e10;
  // floor(y + 0.5) is Math.round(y) for y below 2^52 (y + 0.5 is exact), and cheaper in V8
  const d = Math.floor((k15 >= 0 ? a * P10[k15]! : a / P10[-k15]!) + 0.5);
  // log10 one too low (next to a power of ten): d has 16 digits and is no longer the only candidate
  if (d > 1e15) return undefined;
  if (k15 >= 0 ? d / P10[k15]! === a : d * P10[-k15]! === a) return shortResult(d, -k15);
  // 16 or 17 digits: X = a·10^k = hi + lo
  const k = 16 - e10;
  const p = P10[k]!;
  const hi = a * p;
  if (hi < 1e16 || hi >= 1e17) return undefined;
  const ca = 134217729 * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cp = 134217729 * p;
  const ph = cp - (cp - p);
  const pl = p - ph;
  const lo = ah * ph - hi + ah * pl + al * ph + al * pl;
  // hi is an integer (≥ 2^53): q·10^8 + r, with q·10^8 = q·390625·2^8 exact. r is a multiple of hi's ulp (2 to 16,
  // which divide 10^8), so it stays an ulp short of 10^8, beyond the quotient's rounding: the floor is exact (direct.test
  // checks the largest doubles below multiples of 10^8).
  let q = Math.floor(hi / 1e8);
  const r = hi - q * 1e8;
  // The half-gap to a's neighbours, 2^(e2-53), times 10^k: more than 0.55, since X < 2^(e2+1)·10^k. A power of
  // two has a gap half as wide below: the 76 of them in the range are left to V8.
  if ((high & 0xfffff) === 0 && low === 0) return undefined;
  const gap = HALF_ULP[e2 + 1023]! * p;
  // 16 digits: the multiples of ten within a's interval; only the nearest on each side can be. floor(X) is
  // r + floor(lo) exactly, and m = 10·floor(floor(X)/10) ≤ X < m + 10.
  const m = Math.floor((r + Math.floor(lo)) * 0.1) * 10;
  const below = r - m + lo; // X - m, exact to 1e-14
  const above = 10 - below;
  if (Math.abs(below - gap) <= MARGIN || Math.abs(above - gap) <= MARGIN) return undefined;
  let best: number;
  if (below < gap) {
    if (above < gap) {
      // both: the nearer (two equally near: ECMA-262's even rule, left to V8)
      if (Math.abs(below - above) <= MARGIN) return undefined;
      best = below < above ? m : m + 10;
    } else best = m;
  } else if (above < gap) best = m + 10;
  else {
    // 17 digits: the integer nearest X, within the gap (> 0.55)
    // floor(lo + 0.5), not Math.round (8 ns cheaper in V8): they differ only where lo + 0.5 rounds, within an ulp of
    // a tie, which the margin test below leaves to V8 either way
    const n = Math.floor(lo + 0.5);
    if (Math.abs(Math.abs(n - lo) - 0.5) <= MARGIN) return undefined;
    best = r + n;
  }
  // best = r + [-10, 20] with r in [0, 10^8): a carry into or out of q.
  if (best < 0) {
    q--;
    best += 1e8;
  } else if (best >= 1e8) {
    q++;
    best -= 1e8;
  }
  SHORT_DOUBLE.hi = q;
  SHORT_DOUBLE.lo = best;
  SHORT_DOUBLE.exp = -k;
  return SHORT_DOUBLE;
}

/** d ≤ 10^15: d/10^8 is within 2^-29 of its exact value, so its floor is exact, and so is hi·10^8. */
function shortResult(d: number, exp: number): typeof SHORT_DOUBLE {
  const hi = Math.floor(d / 1e8);
  SHORT_DOUBLE.hi = hi;
  SHORT_DOUBLE.lo = d - hi * 1e8;
  SHORT_DOUBLE.exp = exp;
  return SHORT_DOUBLE;
}

/**
 * The string route: correctly rounded by toPrecision, checked by parsing. A decimal of at most 9 digits survives
 * the trip through a double, so String() of the parsed value gives back those digits in JavaScript's notation.
 */
function formatFloatSlow(f: number): string {
  for (let p = 1; p < 9; p++) {
    const x = Number(f.toPrecision(p));
    if (Math.fround(x) === f) return String(x);
  }
  return String(Number(f.toPrecision(9)));
}

/**
 * digits·10^exp in the notation of JavaScript's Number#toString (plain between 1e-7 and 1e21, exponential
 * outside), which VOTable 1.4 §6 accepts.
 */
export function decimalString(digits: string, exp: number): string {
  let n = digits.length;
  while (n > 1 && digits.charCodeAt(n - 1) === 0x30) {
    n--;
    exp++;
  }
  if (n < digits.length) digits = digits.slice(0, n);
  const x = exp + n - 1; // decimal exponent of the leading digit
  if (x >= 21 || x <= -7) {
    return digits[0]! + (n > 1 ? "." + digits.slice(1) : "") + (x > 0 ? "e+" : "e-") + Math.abs(x);
  }
  if (exp >= 0) return digits + "0".repeat(exp);
  if (x >= 0) return digits.slice(0, n + exp) + "." + digits.slice(n + exp);
  return "0." + "0".repeat(-x - 1) + digits;
}

export const TWO_DIGITS: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? "0" : "") + i);
const DAY_MS = 86_400_000;
let lastDay = NaN;
let lastDate = "";

/**
 * DALI 1.2 §3.3: YYYY-MM-DDThh:mm:ss[.SSS], in UTC and without a time zone letter (the astronomical form, which
 * DALI says is UTC by default). Computed from the epoch milliseconds (the Date getters and toISOString cost
 * several hundred nanoseconds each), with the date part of the previous call reused: results are often sorted.
 */
export function formatTimestamp(d: Date): string | undefined {
  const t = d.getTime();
  if (t !== t) return undefined;
  const day = Math.floor(t / DAY_MS);
  let ms = t - day * DAY_MS;
  if (day !== lastDay) {
    lastDate = civilDate(day);
    lastDay = day;
  }
  const h = Math.floor(ms / 3_600_000);
  ms -= h * 3_600_000;
  const m = Math.floor(ms / 60_000);
  ms -= m * 60_000;
  const sec = Math.floor(ms / 1000);
  ms -= sec * 1000;
  const time = TWO_DIGITS[h]! + ":" + TWO_DIGITS[m]! + ":" + TWO_DIGITS[sec]!;
  return lastDate + "T" + time + (ms === 0 ? "" : "." + (ms < 10 ? "00" : ms < 100 ? "0" : "") + ms);
}

/** Days since 1970-01-01 as [year, month, day] in the proleptic Gregorian calendar (era arithmetic on 400-year cycles). */
export function civilFields(days: number): [y: number, mm: number, dd: number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const dd = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mm = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (mm <= 2 ? 1 : 0), mm, dd];
}

/** Days since 1970-01-01 to YYYY-MM-DD in the proleptic Gregorian calendar. */
export function civilDate(days: number): string {
  const [y, mm, dd] = civilFields(days);
  let year: string;
  if (y >= 0 && y <= 9999) year = String(y).padStart(4, "0");
  else year = (y < 0 ? "-" : "+") + String(Math.abs(y)).padStart(6, "0"); // ISO 8601 expanded years
  return year + "-" + TWO_DIGITS[mm]! + "-" + TWO_DIGITS[dd]!;
}
