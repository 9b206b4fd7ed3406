/**
 * DALI timestamps (DALI 1.1 §3.3.3): `YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']]`, read strictly. An
 * uploaded value that is not one is refused rather than guessed at: Date.parse reads "42" as
 * 2042-01-01 and rolls "2020-02-30" over into March.
 */

export class TimestampError extends Error {
  override name = "TimestampError";
}

export interface DaliTimestamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /**
   * The fraction of the second in microseconds, the precision of the databases' timestamps
   * (DuckDB TIMESTAMP, MariaDB DATETIME(6)): further digits are dropped.
   */
  micros: number;
}

const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?)?$/;

export const DALI_TIMESTAMP_FORM = "YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']]";

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/**
 * Reads one value; throws TimestampError saying what is wrong. Surrounding blanks are ignored (a
 * fixed-width char column pads with them). The calendar is the proleptic Gregorian one, as ISO
 * 8601 and both databases use.
 */
export function parseDaliTimestamp(text: string): DaliTimestamp {
  const m = FORM.exec(text.trim());
  if (!m) {
    if (/^\s*\d{4}-\d{2}-\d{2}Z\s*$/.test(text)) throw new TimestampError("a date without a time cannot have the zone Z");
    if (/[+-]\d{2}(:?\d{2})?\s*$/.test(text) && /T/.test(text)) throw new TimestampError("the only time zone allowed is Z (UTC)");
    if (/^\s*\d{4}-\d{2}-\d{2} \d/.test(text)) throw new TimestampError("the date and the time must be separated by T, not a space");
    throw new TimestampError(`it does not have the form ${DALI_TIMESTAMP_FORM}`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) throw new TimestampError(`there is no month ${m[2]}`);
  if (day < 1 || day > daysIn(year, month)) {
    throw new TimestampError(`${MONTHS[month - 1]} ${m[1]} has ${daysIn(year, month)} days`);
  }
  if (hour > 23) throw new TimestampError(`the hour must be 00 to 23, not ${m[4]}`);
  if (minute > 59) throw new TimestampError(`the minute must be 00 to 59, not ${m[5]}`);
  // A leap second (…:60) cannot be stored by either database: refused, not moved to the next minute.
  if (second > 59) throw new TimestampError(`the second must be 00 to 59, not ${m[6]}`);
  const micros = m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, "0"));
  return { year, month, day, hour, minute, second, micros };
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** `YYYY-MM-DDThh:mm:ss.ffffff`: one spelling of each instant, which every backend reads. */
export function formatTimestamp(t: DaliTimestamp): string {
  return (
    `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}` +
    `T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}.${pad(t.micros, 6)}`
  );
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (negative before). */
function daysFromEpoch(year: number, month: number, day: number): number {
  // Counted from 0000-03-01, so that the leap day is the last of its year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Microseconds since 1970-01-01T00:00:00 (UTC, no leap seconds), as DuckDB's TIMESTAMP counts. */
export function timestampMicros(t: DaliTimestamp): bigint {
  const seconds = daysFromEpoch(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
  return BigInt(seconds) * 1_000_000n + BigInt(t.micros);
}
