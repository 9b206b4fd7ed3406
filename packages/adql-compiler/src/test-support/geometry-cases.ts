/**
 * The grid of points and the table of shapes on which the SQL implementations of the scisql
 * functions (MariaDB stored functions, DuckDB JS functions, inline SQL) are checked against the
 * TypeScript reference. The shapes put their boundaries on grid points, at the poles and across
 * RA 0/360 on purpose, and include NULL and invalid arguments (qserv/README §b).
 */
import { adqlBoxToLonLatBox } from "../geometry/box.js";
import { sqlDoubleLiteral } from "../geometry/inline-sql.js";

export interface GridPoint {
  readonly id: number;
  readonly lon: number | null;
  readonly lat: number | null;
}

/** About 2,800 points: a 5° grid including both poles, RA 0 and 360, plus edge cases. */
export function gridPoints(): GridPoint[] {
  const out: GridPoint[] = [];
  const add = (lon: number | null, lat: number | null) => out.push({ id: out.length, lon, lat });
  for (let lat = -90; lat <= 90; lat += 5) {
    for (let lon = 0; lon <= 360; lon += 5) add(lon, lat);
  }
  for (const lat of [-89.99, -45.5, -0.001, 0, 0.001, 33.3, 89.99]) {
    for (const lon of [-0.5, 0.001, 2.5, 179.999, 355.5, 359.999, 365, 720.25]) add(lon, lat);
  }
  // Invalid positions (scisql: NULL) and NULLs (predicates: 0, angSep: NULL).
  for (const [lon, lat] of [
    [10, 90.0000001],
    [10, -95],
    [null, 10],
    [10, null],
    [null, null],
  ] as const) {
    add(lon, lat);
  }
  return out;
}

/**
 * A quarter of the grid for the slowest function (the MariaDB stored polygon test, ~100 µs a
 * row): the 10° grid lines (so RA 0, the equator and the poles stay) and every point off the 5° grid.
 */
export function coarseGridPoints(): GridPoint[] {
  const onTen = (x: number) => x % 10 === 0;
  const onFive = (x: number) => x % 5 === 0;
  return gridPoints().filter(
    (p) => p.lon === null || p.lat === null || (onTen(p.lon) && onTen(p.lat)) || !onFive(p.lon) || !onFive(p.lat),
  );
}

export const circles: ReadonlyArray<readonly [number | null, number | null, number | null]> = [
  [0, 90, 10], // cone at the north pole
  [123, -90, 7.5], // cone at the south pole
  [359, 10, 7], // across RA 0/360 from the west
  [2.5, -20, 12.5], // across RA 0/360 from the east
  [180, 0, 0], // zero radius, centred on a grid point
  [10, 20, 5], // grid points on the boundary due north and south
  [200, 45, 90],
  [45, -30, 180], // the whole sphere
  [0, 0, 0.001],
  [0, 0, -1], // invalid radius → NULL
  [0, 0, 181], // invalid radius → NULL
  [0, 95, 1], // invalid centre → NULL
  [null, 0, 1], // NULL → 0
  [0, 0, null], // NULL → 0
];

const adqlBox1 = adqlBoxToLonLatBox(0, 0, 10, 4);
const adqlBox2 = adqlBoxToLonLatBox(355, 60, 20, 10);

export const boxes: ReadonlyArray<readonly [number | null, number | null, number | null, number | null]> = [
  [350, -10, 10, 10], // across RA 0, boundaries on grid points
  [0, 80, 360, 90], // polar cap
  [10, -20, 40, 5],
  [-10, -5, 10, 5], // reduced to 350..10
  [350, 0, 370, 20], // reduced to 350..10
  [-180, -30, 180, -20], // every longitude
  [360, 0, 10, 10], // 360 reduces to 0: 0..10
  [0, 10, 10, -10], // latMin > latMax: empty
  [10, 0, -5, 10], // lonMax < lonMin < 0: NULL
  [370, 0, 10, 10], // lonMin > 360 > lonMax: NULL
  [0, -95, 10, 10], // invalid latitude: NULL
  [null, 0, 10, 10], // NULL → 0
  [adqlBox1.lonMin, adqlBox1.latMin, adqlBox1.lonMax, adqlBox1.latMax], // ADQL BOX(0, 0, 10, 4)
  [adqlBox2.lonMin, adqlBox2.latMin, adqlBox2.lonMax, adqlBox2.latMax], // ADQL BOX(355, 60, 20, 10)
];

export const polygons: ReadonlyArray<ReadonlyArray<number | null>> = [
  [0, 0, 10, 0, 10, 10, 0, 10], // square, anticlockwise
  [0, 10, 10, 10, 10, 0, 0, 0], // the same, clockwise
  [350, -5, 10, -5, 10, 5, 350, 5], // across RA 0, anticlockwise
  [350, 5, 10, 5, 10, -5, 350, -5], // across RA 0, clockwise
  [0, 80, 90, 80, 180, 80, 270, 80], // around the north pole
  [270, -75, 180, -75, 90, -75, 0, -75], // around the south pole
  [10, -10.5, 20, 20.5, 30, 30.5], // ADQL 2.1 §4.2.19 example
  ring(20, 100, -30, 12), // 20 vertices
  [0, 0, 10, 0, 10, 10, 5, 3, 0, 10], // non-convex: scisql gives the half-space intersection
  [0, 0, 0, 0, 10, 10], // repeated vertex: degenerate → NULL
  [0, 0, 10, 0, 20, 0], // on one great circle: degenerate → NULL
  [0, 0, 10, 95, 0, 10], // invalid vertex → NULL
  [0, 0, 10, null, 0, 10], // NULL vertex → 0
];

/** n vertices on a circle of `radius` degrees (in the lon/lat plane) around (lon, lat). */
function ring(n: number, lon: number, lat: number, radius: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    out.push(lon + radius * Math.cos(a), lat + radius * Math.sin(a));
  }
  return out;
}

/** A number as SQL text that MariaDB and DuckDB read back as the same double, or NULL. */
export function sqlNumber(x: number | null): string {
  return x === null ? "NULL" : sqlDoubleLiteral(x);
}
