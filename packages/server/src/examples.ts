/** The queries that /examples shows: TAP_SCHEMA queries always, demo queries with the demo catalog. */
import type { Example } from "./service.js";

export const TAP_SCHEMA_EXAMPLES: Example[] = [
  {
    id: "tables",
    title: "List the tables",
    description: "Every table this service publishes, with its description, from TAP_SCHEMA.",
    query: "SELECT table_name, table_type, description\nFROM TAP_SCHEMA.tables\nORDER BY table_name",
  },
  {
    id: "columns",
    title: "Columns of a table with their units",
    description: "The columns of a table, with their datatypes, units and UCDs.",
    query: "SELECT column_name, datatype, unit, ucd, description\nFROM TAP_SCHEMA.columns\nWHERE table_name = 'TAP_SCHEMA.columns'\nORDER BY column_index",
  },
];

export const DEMO_EXAMPLES: Example[] = [
  {
    id: "cone",
    title: "Cone search",
    description: "Stars within 1 degree of a position, nearest first, with their distance in degrees.",
    query:
      "SELECT star_id, ra, dec, g_mag,\n  DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 180, 30)) AS dist\nFROM demo.stars\nWHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 180, 30, 1))\nORDER BY dist",
  },
  {
    id: "bright",
    title: "Bright stars with a designation",
    description: "The 20 brightest stars in g that have a designation; stars without g magnitude (NULL) are left out.",
    query: "SELECT TOP 20 designation, ra, dec, g_mag, r_mag, g_mag - r_mag AS g_r\nFROM demo.stars\nWHERE g_mag IS NOT NULL AND designation IS NOT NULL\nORDER BY g_mag",
  },
  {
    id: "lightcurve",
    title: "Light curve of one star",
    description: "The detections of a star in every band, in time order, joined to the star's position.",
    query:
      "SELECT d.mjd, d.band, d.mag, d.mag_err, s.ra, s.dec\nFROM demo.detections AS d\nJOIN demo.stars AS s ON s.star_id = d.star_id\nWHERE s.star_id = 42\nORDER BY mjd",
  },
  {
    id: "counts",
    title: "Counts by quality flag",
    description: "How many stars have each combination of quality flags, and their mean g magnitude (NULLs are left out of the mean).",
    query: "SELECT flags, COUNT(*) AS n, AVG(g_mag) AS mean_g\nFROM demo.stars\nGROUP BY flags\nORDER BY flags",
  },
  {
    id: "box",
    title: "Stars in a box around the north celestial pole",
    description: "A polygon query: every star in a small region, with its position as a DALI point.",
    query: "SELECT star_id, POINT('ICRS', ra, dec) AS pos, r_mag\nFROM demo.stars\nWHERE 1 = CONTAINS(POINT('ICRS', ra, dec), POLYGON('ICRS', 10, 80, 50, 80, 50, 85, 10, 85))",
  },
];
