/**
 * The type of every expression, in VOTable terms, with the unit and UCD where they follow from the
 * expression (a column's own metadata, DISTANCE in degrees, COUNT as a long count...). The compiler
 * returns these with the SQL so that the service can write FIELDs without asking the database.
 */
import type { BuiltinFunctionName, ColumnBinding, Expression, Query, QueryBody, ValueType, VotableDatatype } from "../ast/nodes.js";
import { BUILTINS } from "../builtins.js";
import { extend } from "../ast/transform.js";
import type { RegionXtype } from "../catalog/regions.js";

export const UNKNOWN: ValueType = { datatype: null };
const DOUBLE: ValueType = { datatype: "double" };
const LONG: ValueType = { datatype: "long" };
const INT: ValueType = { datatype: "int" };
const STRING: ValueType = { datatype: "char", arraysize: "*" };
/**
 * Text beyond ASCII. A `char` field holds ASCII in VOTable 1.4 (UTF-8 only from 1.5), and astropy 5 reads BINARY and
 * BINARY2 `char` as ASCII: a literal with other characters, and text made from a unicodeChar value, are unicodeChar.
 */
const UNICODE_STRING: ValueType = { datatype: "unicodeChar", arraysize: "*" };
const NON_ASCII = /[^\p{ASCII}]/u;

/** STRING, or UNICODE_STRING where any of these types is unicodeChar. */
function textType(...types: readonly ValueType[]): ValueType {
  return types.some((t) => t.datatype === "unicodeChar") ? UNICODE_STRING : STRING;
}

const INTEGER_TYPES: ReadonlySet<VotableDatatype> = new Set(["unsignedByte", "short", "int", "long", "bit"]);

export function isIntegerType(t: ValueType): boolean {
  return t.datatype !== null && INTEGER_TYPES.has(t.datatype) && (t.arraysize === undefined || t.arraysize === "1");
}

/** Integers by width, for the common type of several (a bit or a boolean mixed with numbers counts as the narrowest). */
const INTEGER_WIDTH: Partial<Record<VotableDatatype, number>> = { boolean: 0, bit: 0, unsignedByte: 1, short: 2, int: 3, long: 4 };

/** Whether two types store values alike: the same datatype, arraysize and xtype. */
export function sameStorage(a: ValueType, b: ValueType): boolean {
  return a.datatype === b.datatype && a.arraysize === b.arraysize && a.xtype === b.xtype;
}

/**
 * The type of values that come from several expressions: the results of a CASE, the arguments of COALESCE, a column
 * of a UNION, INTERSECT or EXCEPT. SQL-92 §9.3 (which §6.9 and §7.10 use): a string as long as the longest (here of
 * any length), an approximate number if any is approximate, the widest of integers. Each value of each expression
 * then fits the FIELD: typed by the first expression alone, a UNION of a one-character column and a longer one wrote
 * one character, and one of an int and a double column wrote the doubles as integers. Types not yet known are left out;
 * types of different kinds (which check-expressions refuses where ADQL does) keep the first's.
 */
export function commonType(types: readonly ValueType[]): ValueType {
  const known = types.filter((t) => t.datatype !== null);
  const first = known[0];
  if (first === undefined) return UNKNOWN;
  if (known.every((t) => sameStorage(t, first))) return first;
  const scalar = known.every((t) => t.arraysize === undefined || t.arraysize === "1");
  if (known.every((t) => (t.datatype === "char" || t.datatype === "unicodeChar") && t.xtype === undefined)) return textType(...known);
  if (!scalar || known.some((t) => t.xtype !== undefined)) return first;
  if (known.every((t) => INTEGER_WIDTH[t.datatype!] !== undefined)) {
    const widest = known.reduce((w, t) => (INTEGER_WIDTH[t.datatype!]! > INTEGER_WIDTH[w.datatype!]! ? t : w));
    return INTEGER_WIDTH[widest.datatype!] === 0 ? first : { datatype: widest.datatype };
  }
  const numeric = (t: ValueType): boolean => INTEGER_WIDTH[t.datatype!] !== undefined || t.datatype === "float" || t.datatype === "double";
  if (!known.every(numeric)) return first;
  return known.every((t) => t.datatype === "float") ? { datatype: "float" } : DOUBLE;
}

/** Arithmetic on two numbers: integers stay integers (as long, since the database widens), else double. */
function arithmetic(a: ValueType, b: ValueType): ValueType {
  if (a.datatype === null || b.datatype === null) return UNKNOWN;
  return isIntegerType(a) && isIntegerType(b) ? LONG : DOUBLE;
}

/** A unit survives + and - when both sides agree or one side has none. */
function sameUnit(a: ValueType, b: ValueType): string | undefined {
  if (a.unit === b.unit) return a.unit;
  if (a.unit === undefined) return b.unit;
  if (b.unit === undefined) return a.unit;
  return undefined;
}

function withMeta(t: ValueType, meta: Pick<ValueType, "unit" | "ucd">): ValueType {
  // Object.assign, not a spread: a key added after a spread takes V8's slow path (ast/transform.ts, extend).
  const out: { -readonly [K in keyof ValueType]: ValueType[K] } = Object.assign({}, t);
  if (meta.unit !== undefined) out.unit = meta.unit;
  if (meta.ucd !== undefined) out.ucd = meta.ucd;
  return out;
}

function withoutNullValue(t: ValueType): ValueType {
  const { nullValue: _nullValue, ...rest } = t;
  return rest;
}

/** Only the storage type: what a computed value keeps of its argument (not its UCD or description). */
function storage(t: ValueType): ValueType {
  const out: { -readonly [K in keyof ValueType]: ValueType[K] } = { datatype: t.datatype };
  if (t.arraysize !== undefined) out.arraysize = t.arraysize;
  if (t.xtype !== undefined) out.xtype = t.xtype;
  return out;
}

/**
 * A region-valued column (ADQL 2.1 §4.2; catalog/regions.ts) as name resolution found it: its DALI xtype
 * and which storage columns its table lists beside it (none for a column of a subquery or a CTE, whose
 * SQL has only the value).
 */
export interface RegionFacts {
  readonly xtype: RegionXtype;
  readonly bounds: boolean;
  readonly scisql: boolean;
  /**
   * Whether the stored values are the DALI text of the xtype: the metadata gives the xtype, or the table
   * has our loaders' storage columns. ObsCore's s_region known by its utype or name alone (Rubin's ObsCore)
   * may hold STC-S, which the region functions read but a DALI array FIELD cannot carry: selected, it keeps
   * the column's own type.
   */
  readonly dali: boolean;
}

/** The type of a region column's binding: the ValueType with the region's facts beside it. */
export interface RegionValueType extends ValueType {
  readonly region: RegionFacts;
}

/** The type of a storage column's binding (c_scisql, c_dec_min...): which region column it serves. */
export interface RegionStorageType extends ValueType {
  readonly storageOf: ColumnBinding & { readonly type: RegionValueType };
}

/** The region facts of a column reference, or undefined for anything that is not a region column. */
export function regionOf(e: Expression): RegionFacts | undefined {
  return e.kind === "ColumnRef" ? (e.binding?.type as Partial<RegionValueType> | undefined)?.region : undefined;
}

/**
 * A region column's value as a result column (DALI 1.1 §3.3): the stored DALI text, declared with the
 * column's xtype as a double array of any length (the service splits the text), or as char for a "shape"
 * column, whose values carry their label. Its storage columns do not come along; a subquery's column
 * keeps the region's facts through withRegion (name resolution).
 */
function regionValueType(t: RegionValueType): ValueType {
  if (!t.region.dali) {
    const { region: _region, ...plain } = t;
    return plain;
  }
  const out: { -readonly [K in keyof ValueType]: ValueType[K] } = {
    datatype: t.region.xtype === "shape" ? "char" : "double",
    arraysize: "*",
    xtype: t.region.xtype,
  };
  if (t.region.xtype !== "shape") out.unit = "deg";
  for (const k of ["ucd", "utype", "description"] as const) if (t[k] !== undefined) out[k] = t[k];
  return out;
}

/** The type of a subquery's or CTE's column `e`: a region column stays one, without its storage columns. */
export function withRegion(t: ValueType, e: Expression): ValueType {
  const facts = regionOf(e);
  if (!facts) return t;
  const out: RegionValueType = extend(t, { region: { xtype: facts.xtype, bounds: false, scisql: false, dali: facts.dali } });
  return out;
}

export function typeOf(e: Expression): ValueType {
  switch (e.kind) {
    case "ColumnRef": {
      const t = e.binding?.type;
      if (!t) return UNKNOWN;
      return "region" in t ? regionValueType(t as RegionValueType) : t;
    }
    case "NumberLiteral":
      if (e.form === "integer" || e.form === "hex") {
        const v = BigInt(e.text);
        return v <= 2147483647n ? INT : LONG;
      }
      return DOUBLE;
    case "StringLiteral":
      return NON_ASCII.test(e.value) ? UNICODE_STRING : STRING;
    case "NullLiteral":
      return UNKNOWN;
    case "UnaryExpr": {
      const t = typeOf(e.operand);
      return e.op === "~" ? LONG : storage(t).datatype === null ? UNKNOWN : withMeta(storage(t), { unit: t.unit });
    }
    case "BinaryExpr": {
      const l = typeOf(e.left);
      const r = typeOf(e.right);
      switch (e.op) {
        case "||": return textType(l, r);
        case "&": case "|": case "^": return LONG;
        case "+": case "-": {
          const t = arithmetic(l, r);
          const unit = sameUnit(l, r);
          return unit === undefined ? t : withMeta(t, { unit });
        }
        default: return arithmetic(l, r);
      }
    }
    case "Comparison": case "Between": case "InPredicate": case "LikePredicate": case "NullPredicate":
    case "Exists": case "LogicalExpr": case "NotExpr":
      return { datatype: "boolean" };
    case "FunctionCall":
      return functionType(e.name, e.args);
    case "UserFunctionCall":
      return UNKNOWN;
    case "SqlFunctionCall":
      return e.type;
    case "Aggregate": {
      if (e.name === "COUNT") return { datatype: "long", ucd: "meta.number" };
      const t = e.arg ? typeOf(e.arg) : UNKNOWN;
      if (e.name === "AVG") return withMeta(DOUBLE, { unit: t.unit });
      if (e.name === "SUM") return withMeta(isIntegerType(t) ? LONG : t.datatype === null ? UNKNOWN : DOUBLE, { unit: t.unit });
      return t; // MIN, MAX keep the column's metadata
    }
    case "Cast":
      switch (e.target.name) {
        case "SMALLINT": return { datatype: "short" };
        case "INTEGER": return INT;
        case "BIGINT": return LONG;
        case "REAL": return { datatype: "float" };
        case "DOUBLE PRECISION": return DOUBLE;
        case "CHAR": return { datatype: "char", arraysize: e.target.length === null ? "1" : String(e.target.length) };
        case "VARCHAR": return { datatype: "char", arraysize: e.target.length === null ? "*" : `${e.target.length}*` };
        case "TIMESTAMP": return { datatype: "char", arraysize: "*", xtype: "timestamp" };
        case "POINT": return { datatype: "double", arraysize: "2", xtype: "point", unit: "deg" };
        case "CIRCLE": return { datatype: "double", arraysize: "3", xtype: "circle", unit: "deg" };
        case "POLYGON": return { datatype: "double", arraysize: "*", xtype: "polygon", unit: "deg" };
        default: return unreachable(e.target.name);
      }
    case "CaseExpr": {
      const results = e.whens.map((w) => storage(typeOf(w.then)));
      if (e.else) results.push(storage(typeOf(e.else)));
      return commonType(results);
    }
    case "ScalarSubquery":
      return queryColumnTypes(e.query)[0] ?? UNKNOWN;
    case "Point":
      return { datatype: "double", arraysize: "2", xtype: "point", unit: "deg", ucd: "pos.eq" };
    case "Circle":
      return { datatype: "double", arraysize: "3", xtype: "circle", unit: "deg" };
    case "Box": case "Polygon":
      return { datatype: "double", arraysize: "*", xtype: "polygon", unit: "deg" };
    case "Region":
      return { datatype: "char", arraysize: "*", xtype: "region" };
    case "DaliArray":
      return {
        datatype: "double",
        arraysize: e.xtype === "polygon" ? String(e.items.length) : e.xtype === "point" ? "2" : "3",
        xtype: e.xtype,
        unit: "deg",
      };
    default:
      return unreachable(e);
  }
}

/** Makes a switch exhaustive: a kind (or name) that it forgot is a type error here, not a silent UNKNOWN. */
function unreachable(x: never): never {
  throw new Error(`typeOf: unexpected ${JSON.stringify(x)}`);
}

/** A call's type: the result of its row in builtins.ts, a type or a rule over the arguments' types. */
function functionType(name: BuiltinFunctionName, args: readonly Expression[]): ValueType {
  const result = BUILTINS[name].result;
  if (typeof result !== "string") return result;
  const first = args[0] ? typeOf(args[0]) : UNKNOWN;
  switch (result) {
    case "keepFirst": return first.datatype === null ? UNKNOWN : withMeta(storage(first), { unit: first.unit });
    case "rounded":
      return first.datatype === null ? UNKNOWN : withMeta(isIntegerType(first) ? LONG : DOUBLE, { unit: first.unit });
    case "arithmetic": return args[1] ? arithmetic(first, typeOf(args[1])) : UNKNOWN;
    case "firstKnown": {
      for (const a of args) {
        const t = typeOf(a);
        // Without the column's null value: NULLIF(x, -1) is NULL where x is -1, and writes NULL so.
        if (t.datatype !== null) return t.nullValue === undefined ? t : withoutNullValue(t);
      }
      return UNKNOWN;
    }
    case "common": {
      // Without the columns' null values: COALESCE(x, -1) may give the value that stood for NULL in x.
      const t = commonType(args.map(typeOf));
      return t.nullValue === undefined ? t : withoutNullValue(t);
    }
    case "text": return textType(first);
    case "inUnit": {
      const unit = args[1]?.kind === "StringLiteral" ? args[1].value : undefined;
      return unit === undefined ? DOUBLE : withMeta(DOUBLE, { unit });
    }
  }
}

/**
 * The types of a query's result columns, as name resolution left them: its SELECT's, or across a set operation each
 * column's commonType over the operands (SQL-92 §7.10), the first operand's own type where they agree.
 */
export function queryColumnTypes(q: Query | QueryBody): ValueType[] {
  switch (q.kind) {
    case "Query": return queryColumnTypes(q.body);
    case "Select": return q.items.flatMap((item) => (item.kind === "SelectColumn" && !item.hidden ? [typeOf(item.expr)] : []));
    case "SetOperation": {
      const left = queryColumnTypes(q.left);
      const right = queryColumnTypes(q.right);
      return left.map((t, i) => (right[i] === undefined ? t : commonType([t, right[i]!])));
    }
  }
}
