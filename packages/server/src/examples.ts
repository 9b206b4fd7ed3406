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

/**
 * ObsTAP queries (ObsCore 1.1 §6 and Appendix A; ADQL 2.1 §4.2) on the demo images' ivoa.ObsCore, one per region
 * predicate and function on s_region. The positions are those of the demo images, which are drawn from the seeded
 * demo catalog and so are the same on every start. examples.test.ts runs each and checks its rows against a
 * brute force over the ObsCore rows with @qserv-tap/sky. They select neither s_region (xtype "shape", DALI 1.2) nor
 * access_url (xtype "clob"), which taplint 3.4.7's examples stage reports as non-DALI xtypes in their results.
 */
export const OBSTAP_EXAMPLES: Example[] = [
  {
    id: "obstap-contains-point",
    title: "Images that hold a position",
    description:
      "The images whose footprint (s_region) holds a position, here just east of RA 0, where the footprints of the images cross from RA 359.98 to 0.01: coadds in g and r, and two visits.",
    query:
      "SELECT obs_id, dataproduct_subtype, lsst_band, t_min, obs_publisher_did\nFROM ivoa.ObsCore\nWHERE CONTAINS(POINT('ICRS', 0.005, -15.43), s_region) = 1\nORDER BY obs_id",
  },
  {
    id: "obstap-intersects-circle",
    title: "Images that meet a circle",
    description: "The images whose footprint meets a circle of 2 degrees around the north celestial pole: the coadd and the visits drawn there.",
    query: "SELECT obs_id, dataproduct_subtype, s_ra, s_dec, s_fov\nFROM ivoa.ObsCore\nWHERE INTERSECTS(CIRCLE('ICRS', 0, 90, 2), s_region) = 1\nORDER BY obs_id",
  },
  {
    id: "obstap-intersects-polygon",
    title: "Images that meet a polygon",
    description: "The images whose footprint meets a triangle that crosses RA 0 (polygon edges are great circles).",
    query:
      "SELECT obs_id, dataproduct_subtype, lsst_band, s_ra, s_dec\nFROM ivoa.ObsCore\nWHERE INTERSECTS(POLYGON('ICRS', 350, -10, 50, -10, 40, -50), s_region) = 1\nORDER BY obs_id",
  },
  {
    id: "obstap-within-circle",
    title: "Images wholly inside a circle",
    description:
      "The images whose whole footprint lies inside a circle of 4 degrees around the north celestial pole (CONTAINS(s_region, shape) = 1); an image that reaches beyond it is left out.",
    query: "SELECT obs_id, dataproduct_subtype, s_dec, s_fov\nFROM ivoa.ObsCore\nWHERE CONTAINS(s_region, CIRCLE('ICRS', 0, 90, 4)) = 1\nORDER BY obs_id",
  },
  {
    id: "obstap-area",
    title: "Sky area of each coadd",
    description: "The area of each coadd's footprint in square degrees (AREA of s_region), largest first: the coarse polar coadds, then the others.",
    query: "SELECT obs_id, lsst_band, AREA(s_region) AS area_deg2, s_fov\nFROM ivoa.ObsCore\nWHERE dataproduct_subtype = 'lsst.deep_coadd'\nORDER BY area_deg2 DESC, obs_id",
  },
  {
    id: "obstap-centroid",
    title: "Footprint centroids",
    description:
      "The centroid of each image's footprint (CENTROID of s_region, a POINT) beside the image's centre (s_ra, s_dec): they differ most for the distorted visits around the poles.",
    query: "SELECT obs_id, s_ra, s_dec, CENTROID(s_region) AS footprint_centre\nFROM ivoa.ObsCore\nORDER BY obs_id",
  },
];
