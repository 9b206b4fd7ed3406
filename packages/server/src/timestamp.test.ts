/**
 * DALI 1.1 §3.3.3 timestamps, `YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']]`, read strictly: the valid
 * forms, their one spelling and instant; and the values Date.parse would have guessed at.
 */
import { expect } from "chai";
import { formatTimestamp, parseDaliTimestamp, timestampMicros } from "./timestamp.js";

/** [value, its spelling for the databases, microseconds since 1970-01-01T00:00:00]. */
const VALID: [string, string, bigint][] = [
  // The examples of DALI 1.1 §3.3.3.
  ["2000-01-02T15:20:30.456", "2000-01-02T15:20:30.456000", 946826430456000n],
  ["2001-02-03T04:05:06", "2001-02-03T04:05:06.000000", 981173106000000n],
  ["2002-03-04", "2002-03-04T00:00:00.000000", 1015200000000000n],
  ["2000-01-02T15:20:30.456Z", "2000-01-02T15:20:30.456000", 946826430456000n],
  ["2000-01-02T15:20:30Z", "2000-01-02T15:20:30.000000", 946826430000000n],
  ["1970-01-01", "1970-01-01T00:00:00.000000", 0n],
  ["1969-12-31T23:59:59.999999", "1969-12-31T23:59:59.999999", -1n],
  // Leap years: every fourth, not every hundredth, every four-hundredth.
  ["2020-02-29", "2020-02-29T00:00:00.000000", 1582934400000000n],
  ["2000-02-29T12:00:00", "2000-02-29T12:00:00.000000", 951825600000000n],
  ["2400-02-29", "2400-02-29T00:00:00.000000", 13574563200000000n],
  ["1600-02-29", "1600-02-29T00:00:00.000000", -11670998400000000n],
  // The ends of the four-digit years (proleptic Gregorian, as ISO 8601 and the databases count).
  ["0001-01-01", "0001-01-01T00:00:00.000000", -62135596800000000n],
  ["0000-02-29", "0000-02-29T00:00:00.000000", -62162121600000000n],
  ["9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999", 253402300799999999n],
  // Fractions: one digit, six, and more than the databases keep (dropped, not rounded).
  ["2025-03-04T05:06:07.5", "2025-03-04T05:06:07.500000", 1741064767500000n],
  ["2025-03-04T05:06:07.000001", "2025-03-04T05:06:07.000001", 1741064767000001n],
  ["2025-03-04T05:06:07.9999999", "2025-03-04T05:06:07.999999", 1741064767999999n],
  ["2025-03-04T23:59:59", "2025-03-04T23:59:59.000000", 1741132799000000n],
  // Blanks around the value, as a fixed-width char column pads it.
  [" 2025-03-04T05:06:07 ", "2025-03-04T05:06:07.000000", 1741064767000000n],
];

/** [value, what the error says]. */
const INVALID: [string, RegExp][] = [
  ["42", /does not have the form YYYY-MM-DD\['T'hh:mm:ss\[\.SSS\]\['Z'\]\]/],
  ["", /does not have the form/],
  ["2020", /does not have the form/],
  ["2020-02", /does not have the form/],
  ["20-02-02", /does not have the form/],
  ["+2020-02-02", /does not have the form/],
  ["2020-2-3", /does not have the form/],
  ["2020-02-30", /February 2020 has 29 days/],
  ["2019-02-29", /February 2019 has 28 days/],
  ["1900-02-29", /February 1900 has 28 days/],
  ["2021-04-31", /April 2021 has 30 days/],
  ["2021-01-00", /January 2021 has 31 days/],
  ["2021-00-10", /there is no month 00/],
  ["2021-13-01", /there is no month 13/],
  ["2021-01-01T24:00:00", /the hour must be 00 to 23, not 24/],
  ["2021-01-01T12:60:00", /the minute must be 00 to 59, not 60/],
  ["2016-12-31T23:59:60", /the second must be 00 to 59, not 60/],
  ["2021-01-01T12:00", /does not have the form/],
  ["2021-01-01T12", /does not have the form/],
  ["2021-01-01T", /does not have the form/],
  ["2021-01-01T1:02:03", /does not have the form/],
  ["2021-01-01T12:00:00.", /does not have the form/],
  ["2021-01-01T12:00:00,5", /does not have the form/],
  ["2021-01-01 12:00:00", /separated by T, not a space/],
  ["2021-01-01t12:00:00", /does not have the form/],
  ["2021-01-01T12:00:00+01:00", /the only time zone allowed is Z/],
  ["2021-01-01T12:00:00-0500", /the only time zone allowed is Z/],
  ["2021-01-01T12:00:00z", /does not have the form/],
  ["2021-01-01T12:00:00ZZ", /does not have the form/],
  ["2021-01-01Z", /a date without a time cannot have the zone Z/],
  ["2021-01-01T12:00:00 UTC", /does not have the form/],
  ["Mon, 01 Jan 2021 12:00:00 GMT", /does not have the form/],
  ["２０２１-01-01", /does not have the form/],
];

describe("server DALI timestamps (DALI 1.1 §3.3.3)", () => {
  for (const [value, spelling, micros] of VALID) {
    it(`reads ${JSON.stringify(value)}`, () => {
      const t = parseDaliTimestamp(value);
      expect(formatTimestamp(t)).to.equal(spelling);
      expect(timestampMicros(t)).to.equal(micros);
    });
  }
  for (const [value, message] of INVALID) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      expect(() => parseDaliTimestamp(value)).to.throw(message);
    });
  }
  it("agrees with Date.UTC on every day of 1999 to 2001 (within Date's range and precision)", () => {
    for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2002, 0, 1); ms += 86_400_000 + 3_723_001) {
      const iso = new Date(ms).toISOString().replace("Z", "");
      expect(timestampMicros(parseDaliTimestamp(iso)), iso).to.equal(BigInt(ms) * 1000n);
    }
  });
});
