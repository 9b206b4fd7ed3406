/**
 * scisql's four spherical functions as DuckDB scalar functions written in JavaScript, with the
 * names, arities and results of scisql (qserv/README §b), so that SQL compiled for Qserv runs
 * unchanged on the embedded DuckDB backend:
 *
 *     scisql_angSep(DOUBLE, DOUBLE, DOUBLE, DOUBLE) → DOUBLE
 *     scisql_s2PtInCircle(5 × DOUBLE) → INTEGER
 *     scisql_s2PtInBox(6 × DOUBLE) → INTEGER
 *     scisql_s2PtInCPoly(lon, lat, v1Lon, v1Lat, ...) → INTEGER   (DOUBLE varargs, 3..20 vertices)
 *
 * Each function calls the TypeScript reference (scisql.ts) row by row. They are registered with
 * "special handling" of NULL: by default DuckDB answers NULL for any NULL argument without
 * calling the function, but scisql's predicates answer 0.
 *
 * Cost (test-support/measure-udf.ts, 100k rows, DuckDB on one thread): 0.15-0.3 µs per row, about
 * the same as the inline expressions of inline-sql.ts, except where the inline circle rejects
 * most rows early (small radii: ~0.05 µs). DuckDB calls JavaScript on Node's main thread, so with
 * several DuckDB threads these calls do not run in parallel and the inline forms should win
 * (not measured).
 *
 * @duckdb/node-api is imported when the functions are registered, not when this module loads,
 * so that using the compiler does not load DuckDB's native library.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBScalarFunctionInfo, DuckDBVector } from "@duckdb/node-api";
import { GeometryError } from "./errors.js";
import { registerRegionFunctions } from "./region-functions-duckdb.js";
import { prepareS2PtInCPoly, scisqlAngSep, scisqlS2PtInBox, scisqlS2PtInCircle } from "./scisql.js";

type Row = (number | null)[];

/**
 * A function of row r of arguments that are all DOUBLE without NULLs, read from their vectors' Float64Arrays. The
 * general path's Row array holds numbers and nulls, so V8 boxes every number put in it: 16 bytes per argument per row,
 * 22% of all that a server under random cones allocated (a sampling heap profile), and the collector's pauses are what
 * sets the cones' p99 (docs/performance.md).
 */
type Direct = (args: readonly Float64Array[], r: number) => number | null;

export { registerRegionFunctions } from "./region-functions-duckdb.js";

/**
 * Registers the four functions on the connection (they are then visible to its database), and the
 * region functions of region-functions-duckdb.ts, so that every DuckDB that gets one gets both.
 */
export async function registerScisqlFunctions(conn: DuckDBConnection): Promise<void> {
  const { DuckDBScalarFunction, DuckDBDoubleVector, DOUBLE, INTEGER } = await import("@duckdb/node-api");
  /**
   * A DOUBLE argument's values when it has no NULL (no validity mask): read straight from its memory. `items` and
   * `validity.data` are fields of @duckdb/node-api 1.5 that its types mark private (checked by duckdb-functions.test.ts).
   */
  const allValid = (v: DuckDBVector): Float64Array | undefined => {
    if (!(v instanceof DuckDBDoubleVector)) return undefined;
    const { items, validity } = v as unknown as { items: unknown; validity: { data: unknown } };
    return items instanceof Float64Array && validity.data === null ? items : undefined;
  };
  const define = (
    name: string,
    arity: number | "varargs",
    returnType: typeof DOUBLE | typeof INTEGER,
    fn: (args: Row) => number | null,
    direct?: Direct,
  ) =>
    conn.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        returnType,
        ...(arity === "varargs" ? { varArgsType: DOUBLE } : { parameterTypes: Array<typeof DOUBLE>(arity).fill(DOUBLE) }),
        specialHandling: true,
        mainFunction: (info, input, output) => applyRowwise(info, input, output, fn, allValid, direct),
      }),
    );
  define("scisql_angSep", 4, DOUBLE, ([a, b, c, d]) => scisqlAngSep(a!, b!, c!, d!), (v, r) => scisqlAngSep(v[0]![r]!, v[1]![r]!, v[2]![r]!, v[3]![r]!));
  define("scisql_s2PtInCircle", 5, INTEGER, ([a, b, c, d, e]) => scisqlS2PtInCircle(a!, b!, c!, d!, e!),
    (v, r) => scisqlS2PtInCircle(v[0]![r]!, v[1]![r]!, v[2]![r]!, v[3]![r]!, v[4]![r]!));
  define("scisql_s2PtInBox", 6, INTEGER, ([a, b, c, d, e, f]) => scisqlS2PtInBox(a!, b!, c!, d!, e!, f!),
    (v, r) => scisqlS2PtInBox(v[0]![r]!, v[1]![r]!, v[2]![r]!, v[3]![r]!, v[4]![r]!, v[5]![r]!));
  define("scisql_s2PtInCPoly", "varargs", INTEGER, cachedPolygonTest());
  await registerRegionFunctions(conn);
}

/**
 * s2PtInCPoly over rows that usually share one polygon: the polygon is rebuilt only when the
 * vertex arguments differ from the previous row's (scisql caches a constant polygon likewise).
 */
function cachedPolygonTest(): (args: Row) => number | null {
  let vertices: Row = [];
  let test = (_lon: number | null, _lat: number | null): number | null => null;
  return (args) => {
    const n = args.length - 2;
    let same = n === vertices.length;
    for (let i = 0; same && i < n; i++) same = Object.is(args[i + 2], vertices[i]);
    if (!same) {
      test = prepareS2PtInCPoly(args.slice(2));
      vertices = args.slice(2);
    }
    return test(args[0]!, args[1]!);
  };
}

function applyRowwise(
  info: DuckDBScalarFunctionInfo,
  input: DuckDBDataChunk,
  output: DuckDBVector,
  fn: (args: Row) => number | null,
  allValid: (v: DuckDBVector) => Float64Array | undefined,
  direct: Direct | undefined,
): void {
  const columns: DuckDBVector[] = [];
  for (let c = 0; c < input.columnCount; c++) columns.push(input.getColumnVector(c));
  // getItem tests each value's validity bit with BigInt arithmetic: an argument without NULLs is read as a Float64Array.
  const values = columns.map(allValid);
  // Read once: rowCount asks DuckDB each time (a native call), which in the loop's test cost more than the test itself.
  const n = input.rowCount;
  try {
    if (direct !== undefined && values.every((v) => v !== undefined)) {
      const typed = values as Float64Array[];
      for (let r = 0; r < n; r++) output.setItem(r, direct(typed, r));
      output.flush();
      return;
    }
    const args: Row = new Array<number | null>(columns.length);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < columns.length; c++) {
        const v = values[c];
        args[c] = v !== undefined ? v[r]! : (columns[c]!.getItem(r) as number | null);
      }
      output.setItem(r, fn(args));
    }
    output.flush();
  } catch (err) {
    // scisql refuses a bad vertex count for the whole query; so does DuckDB, through setError.
    info.setError(err instanceof GeometryError ? err.message : String(err));
  }
}
