/** fast-check arbitraries for tables: random schemas (every datatype and shape) and values to match. */
import fc from "fast-check";
import type { Column } from "../column.js";
import { compileColumns } from "../column.js";
import type { Datatype, Field, Row } from "../model.js";

const SHAPES: Record<Datatype, (string | undefined)[]> = {
  boolean: [undefined, "3", "*"],
  bit: [undefined, "10", "*", "3*"],
  unsignedByte: [undefined, "2", "*"],
  short: [undefined, "2", "*", "2x*"],
  int: [undefined, "3", "*", "4*", "2x2"],
  long: [undefined, "2", "*"],
  char: [undefined, "*", "8", "5*", "3x*", "2x2", "1"],
  unicodeChar: [undefined, "*", "4", "3*", "2x*"],
  float: [undefined, "2", "*", "2x3"],
  double: [undefined, "2", "3", "*", "2x*"],
  floatComplex: [undefined, "2", "*"],
  doubleComplex: [undefined, "*"],
};

const INT_BOUNDS: Record<string, [number, number]> = {
  unsignedByte: [0, 255],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
};

const fieldArb: fc.Arbitrary<Omit<Field, "name">> = fc
  .constantFrom(...(Object.keys(SHAPES) as Datatype[]))
  .chain((datatype) =>
    fc.record({
      datatype: fc.constant(datatype),
      arraysize: fc.constantFrom(...SHAPES[datatype]),
      nullValue:
        datatype === "long"
          ? fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: undefined })
          : datatype in INT_BOUNDS
            ? fc.option(fc.integer({ min: INT_BOUNDS[datatype]![0], max: INT_BOUNDS[datatype]![1] }), { nil: undefined })
            : fc.constant(undefined),
    }),
  )
  .map((f) => {
    const out: Omit<Field, "name"> = { datatype: f.datatype };
    if (f.arraysize !== undefined) out.arraysize = f.arraysize;
    if (f.nullValue !== undefined) out.nullValue = f.nullValue;
    return out;
  });

/** Characters that stress every layer: markup, controls, CR, NUL, lone surrogates, astral planes. */
const nastyChar = fc.constantFrom("<", "&", ">", '"', "\r", "\n", "\t", "\u0000", "\u0001", "\uFFFE", "\uD800", "\uDC00", " ", "😀", "λ", "é");
const charArb = fc.oneof({ weight: 4, arbitrary: fc.string({ unit: "grapheme", maxLength: 1 }) }, { weight: 1, arbitrary: nastyChar });
const stringArb = fc.array(charArb, { maxLength: 12 }).map((a) => a.join(""));

function elementArb(col: Column): fc.Arbitrary<unknown> {
  const inArray = !col.shape.scalar;
  switch (col.datatype) {
    case "boolean":
      return inArray ? fc.option(fc.boolean(), { nil: null }) : fc.boolean();
    case "bit":
      return fc.boolean();
    case "unsignedByte":
    case "short":
    case "int": {
      const [min, max] = INT_BOUNDS[col.datatype]!;
      const n = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, 0, -1 < min ? 1 : -1));
      return inArray && col.nullValue !== undefined ? fc.option(n, { nil: null }) : n;
    }
    case "long": {
      const n = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, 0n));
      return inArray && col.nullValue !== undefined ? fc.option(n, { nil: null }) : n;
    }
    case "float":
    case "double": {
      const x = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.1, 1e-310));
      return inArray ? fc.option(x, { nil: null }) : x;
    }
    case "floatComplex":
    case "doubleComplex":
      return fc.tuple(fc.double(), fc.double());
    default:
      return stringArb;
  }
}

function cellArb(col: Column): fc.Arbitrary<unknown> {
  const shape = col.shape;
  let value: fc.Arbitrary<unknown>;
  if (col.strings) {
    const layout = col.strings;
    if (!layout.multi) {
      value = layout.variable && layout.storage === undefined ? fc.oneof(stringArb, fc.date({ noInvalidDate: true })) : stringArb;
    } else {
      const width = layout.storage!;
      const perSlice = shape.sliceSize / width;
      const n = shape.variable ? fc.integer({ min: 0, max: shape.maxSlices ?? 3 }).map((k) => k * perSlice) : fc.constant(shape.count! / width);
      value = n.chain((k) => fc.array(stringArb, { minLength: k, maxLength: k }));
    }
  } else if (shape.scalar) value = elementArb(col);
  else {
    const n = shape.variable ? fc.integer({ min: 0, max: shape.maxSlices ?? 3 }).map((k) => k * shape.sliceSize) : fc.constant(shape.count!);
    value = n.chain((k) => fc.array(elementArb(col), { minLength: k, maxLength: k }));
  }
  return fc.option(value, { nil: null, freq: 4 });
}

export const tableArb: fc.Arbitrary<{ fields: Field[]; rows: Row[] }> = fc
  .array(fieldArb, { minLength: 1, maxLength: 7 })
  .map((fs) => fs.map((f, i) => ({ name: `c${i}`, ...f }) as Field))
  .chain((fields) => {
    const cols = compileColumns(fields);
    return fc.record({
      fields: fc.constant(fields),
      rows: fc.array(fc.tuple(...cols.map(cellArb)), { maxLength: 12 }) as fc.Arbitrary<Row[]>,
    });
  });

