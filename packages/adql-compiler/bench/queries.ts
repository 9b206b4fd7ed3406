/** The realistic queries of the compile benchmarks (compile.bench.ts, alternate.bench.ts). */
import type { Dialect } from "@qserv-tap/adql-compiler";

/** Queries of the kinds LSST users send: cones, boxes, polygons, joins, aggregates, crossmatches. */
export const QUERIES: readonly string[] = [
  "SELECT TOP 100 objectId, ra, dec, g_mag FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 62.0, -37.0, 0.1)) = 1",
  "SELECT objectId, ra, dec FROM demo.Object WHERE DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 150.1, 2.2)) < 5.0/60",
  "SELECT COUNT(*) FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), BOX('ICRS', 10, 10, 1, 1)) = 1",
  "SELECT objectId, g_mag - r_mag AS gr FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), POLYGON('ICRS', 10, 10, 11, 10, 11, 11, 10, 11)) = 1 AND g_mag < 24",
  "SELECT o.objectId, d.mjd, d.flux FROM demo.Object AS o JOIN demo.Detection AS d ON o.objectId = d.objectId WHERE o.objectId = 1234 ORDER BY d.mjd",
  "SELECT band, COUNT(*) AS n, AVG(flux) AS mean_flux FROM demo.Detection WHERE mjd BETWEEN 60000 AND 60100 GROUP BY band ORDER BY band",
  "SELECT TOP 10 objectId, name FROM demo.Object WHERE name LIKE 'NGC%' AND flags = 0 ORDER BY g_mag ASC",
  "SELECT a.objectId, b.objectId FROM demo.Object AS a, demo.Object AS b WHERE DISTANCE(POINT('ICRS', a.ra, a.dec), POINT('ICRS', b.ra, b.dec)) < 0.01 AND a.objectId <> b.objectId",
  "SELECT objectId, POINT('ICRS', ra, dec) AS pos FROM demo.Object WHERE r_mag IS NOT NULL AND ra BETWEEN 0 AND 1",
  "SELECT * FROM demo.Object WHERE objectId IN (1, 2, 3, 5, 8, 13, 21, 34)",
];

export const DIALECTS: readonly Dialect[] = ["qserv", "mysql", "duckdb"];
