-- The region functions of REGION_FUNCTIONS (src/catalog/regions.ts) for MariaDB and MySQL, as SQL stored
-- functions: the same names, arguments and results as the DuckDB functions (src/geometry/
-- region-functions-duckdb.ts), which call @qserv-tap/sky. Installed together with scisql-mariadb.sql by
-- installScisqlFunctions(). Qserv has no region–region function; never install this there.
--
--   tap_region_contains_point(xtype, value, lon, lat) → 1/0   position inside or on the edge (Region.contains)
--   tap_region_intersects(xtypeA, valueA, xtypeB, valueB) → 1/0   (Region.intersects)
--   tap_region_within(xtypeA, valueA, xtypeB, valueB) → 1/0       every point of A in B (Region.within)
--   tap_region_area(xtype, value) → DOUBLE square degrees
--   tap_region_centroid_ra(xtype, value), tap_region_centroid_dec(xtype, value) → DOUBLE degrees
--
-- A NULL argument gives 0 from a predicate and NULL from the others; a value that is not a region of its
-- xtype, an xtype that is not one of point, circle, polygon, range, shape, and a latitude outside
-- [-90, 90] give NULL. A centroid that is not defined (the whole sky) is NULL.
--
-- The algorithms are sky's, step for step (packages/sky/src/region-ops.ts and regions.ts): a region is
-- described by its boundary pieces, arcs of circles n·x = d on the sphere with the region on the side
-- n·x ≥ d; two regions intersect iff a boundary point of one is within EPS = 1e-12 rad of the other or two
-- pieces meet; A is within B iff every piece of A, cut where it meets B's boundary, lies in B (its cut
-- points and the midpoints between them) and no component of B's complement lies in A. MariaDB's GIS
-- functions are planar, so they do not apply. Where sky compares without tolerance (contains_point) the
-- arithmetic repeats sky's operation for operation, so both round identically; 0.017453292519943295e0
-- and 57.29577951308232e0 are RAD_PER_DEG and DEG_PER_RAD.
--
-- Internals (names tap_region__*): a parsed value and a region's shape are binary strings (a TEXT argument
-- costs a stored function call ~20 µs of character-set handling, a BLOB ~2 µs) of numbers in fixed
-- slots of 40 characters (MariaDB prints a DOUBLE with the fewest digits that read back to the same
-- double, at most 34 characters), so that slot i is CAST(SUBSTRING(s, 40 * i + 1, 40) AS DOUBLE) and a number
-- is written as LPAD(CAST(x AS CHAR), 40, ' '). Both are written out rather than called as functions: a
-- stored function call costs MariaDB several microseconds, more than the work.
--   parsed value: kind (1 point, 2 circle, 3 polygon, 4 range), then its numbers (a range as lon1 lon2
--     lat1 lat2; an STC-S BOX already turned into that range).
--   shape: 0 kind (1 point, 2 cap, 3 polygon, 4 range, 5 whole sky), 1 pieces, 2 extra points,
--     3 outside points, 4..16 what the kind's "near" test needs, then the extra points and the outside
--     points (3 slots each), then the pieces (21 slots each: n.x n.y n.z d h rho r u.x u.y u.z w.x w.y w.z
--     phi0 span, then its start and end points).
--
-- Idempotent (CREATE OR REPLACE). Install with the mariadb client or installScisqlFunctions().

DELIMITER $$

-- An angle in degrees reduced to [0, 360) (sky's reduceAngle).
CREATE OR REPLACE FUNCTION tap_region__reduce_deg(a DOUBLE)
RETURNS DOUBLE DETERMINISTIC NO SQL
BEGIN
  DECLARE r DOUBLE DEFAULT MOD(a, 360e0);
  IF r < 0 THEN SET r = r + 360e0; IF r = 360 THEN SET r = 0; END IF; END IF;
  RETURN r;
END $$

-- φ reduced to [0, 2π) (region-ops.ts reduce).
CREATE OR REPLACE FUNCTION tap_region__reduce_rad(a DOUBLE)
RETURNS DOUBLE DETERMINISTIC NO SQL
BEGIN
  DECLARE r DOUBLE DEFAULT MOD(a, 2e0 * PI());
  IF r < 0 THEN SET r = r + 2e0 * PI(); END IF;
  RETURN IF(r >= 2e0 * PI(), 0e0, r);
END $$

-- The angle between two vectors, radians: atan2(|a × b|, a · b).
CREATE OR REPLACE FUNCTION tap_region__angle(ax DOUBLE, ay DOUBLE, az DOUBLE, bx DOUBLE, by_ DOUBLE, bz DOUBLE)
RETURNS DOUBLE DETERMINISTIC NO SQL
BEGIN
  DECLARE cx DOUBLE DEFAULT ay * bz - az * by_;
  DECLARE cy DOUBLE DEFAULT az * bx - ax * bz;
  DECLARE cz DOUBLE DEFAULT ax * by_ - ay * bx;
  RETURN ATAN2(SQRT(cx * cx + cy * cy + cz * cz), ax * bx + ay * by_ + az * bz);
END $$

-- ---- Parsing ----------------------------------------------------------------------------------------

-- sky's checkPolygon (polygon.ts) on the vertices of a parsed polygon: 3 to 1000 vertices, not degenerate
-- (thresholds 1e-28 as edgePlanes), convex within 1e-12, winding once. 1 if it passes, else 0.
CREATE OR REPLACE FUNCTION tap_region__polygon_ok(r MEDIUMBLOB)
RETURNS INT DETERMINISTIC NO SQL
BEGIN
  DECLARE n, i, j, k INT;
  DECLARE lon, lat, cl, ax, ay, az, bx, by_, bz, ex, ey, ez, e0x, e0y, e0z, sx, sy, sz, o, sgn, nrm DOUBLE;
  DECLARE cx, cy, cz, len, ux, uy, uz, wx, wy, wz, prev, az_, step, total DOUBLE;
  DECLARE verts, edges MEDIUMBLOB DEFAULT '';
  SET n = (CHAR_LENGTH(r) DIV 40 - 1) DIV 2;
  IF n < 3 OR n > 1000 THEN RETURN 0; END IF;
  SET i = 0;
  WHILE i < n DO
    SET lon = CAST(SUBSTRING(r, 40 * (1 + 2 * i) + 1, 40) AS DOUBLE), lat = CAST(SUBSTRING(r, 40 * (2 + 2 * i) + 1, 40) AS DOUBLE);
    SET cl = COS(lat * 0.017453292519943295e0);
    SET verts = CONCAT(verts, CONCAT(LPAD(CAST(COS(lon * 0.017453292519943295e0) * cl AS CHAR), 40, ' '), LPAD(CAST(SIN(lon * 0.017453292519943295e0) * cl AS CHAR), 40, ' '), LPAD(CAST(SIN(lat * 0.017453292519943295e0) AS CHAR), 40, ' ')));
    SET i = i + 1;
  END WHILE;
  -- edgePlanes: doubled-cross edges, the vertex sum in order, the orientation.
  SET sx = 0e0, sy = 0e0, sz = 0e0, i = 0;
  WHILE i < n DO
    SET ax = CAST(SUBSTRING(verts, 40 * (3 * i) + 1, 40) AS DOUBLE), ay = CAST(SUBSTRING(verts, 40 * (3 * i + 1) + 1, 40) AS DOUBLE), az = CAST(SUBSTRING(verts, 40 * (3 * i + 2) + 1, 40) AS DOUBLE);
    SET j = (i + 1) % n;
    SET bx = CAST(SUBSTRING(verts, 40 * (3 * j) + 1, 40) AS DOUBLE), by_ = CAST(SUBSTRING(verts, 40 * (3 * j + 1) + 1, 40) AS DOUBLE), bz = CAST(SUBSTRING(verts, 40 * (3 * j + 2) + 1, 40) AS DOUBLE);
    SET ex = (by_ + ay) * (bz - az) - (bz + az) * (by_ - ay);
    SET ey = (bz + az) * (bx - ax) - (bx + ax) * (bz - az);
    SET ez = (bx + ax) * (by_ - ay) - (by_ + ay) * (bx - ax);
    IF ex * ex + ey * ey + ez * ez <= 1e-28 THEN RETURN 0; END IF;
    IF i = 0 THEN SET e0x = ex, e0y = ey, e0z = ez; END IF;
    SET edges = CONCAT(edges, CONCAT(LPAD(CAST(ex AS CHAR), 40, ' '), LPAD(CAST(ey AS CHAR), 40, ' '), LPAD(CAST(ez AS CHAR), 40, ' ')));
    SET sx = sx + ax, sy = sy + ay, sz = sz + az;
    SET i = i + 1;
  END WHILE;
  SET o = sx * e0x + sy * e0y + sz * e0z;
  IF o * o <= 1e-28 * (e0x * e0x + e0y * e0y + e0z * e0z) THEN RETURN 0; END IF;
  SET sgn = IF(o < 0, -1e0, 1e0);
  -- Every other vertex inside every edge plane (within 1e-12).
  SET i = 0;
  WHILE i < n DO
    SET ex = CAST(SUBSTRING(edges, 40 * (3 * i) + 1, 40) AS DOUBLE), ey = CAST(SUBSTRING(edges, 40 * (3 * i + 1) + 1, 40) AS DOUBLE), ez = CAST(SUBSTRING(edges, 40 * (3 * i + 2) + 1, 40) AS DOUBLE);
    SET nrm = SQRT(ex * ex + ey * ey + ez * ez);
    SET j = 0;
    WHILE j < n DO
      IF j <> i AND j <> (i + 1) % n THEN
        IF (sgn * (CAST(SUBSTRING(verts, 40 * (3 * j) + 1, 40) AS DOUBLE) * ex + CAST(SUBSTRING(verts, 40 * (3 * j + 1) + 1, 40) AS DOUBLE) * ey + CAST(SUBSTRING(verts, 40 * (3 * j + 2) + 1, 40) AS DOUBLE) * ez)) / nrm < -1e-12 THEN
          RETURN 0;
        END IF;
      END IF;
      SET j = j + 1;
    END WHILE;
    SET i = i + 1;
  END WHILE;
  -- Winding: the turns of the vertices about their normalised sum.
  SET cx = 0e0, cy = 0e0, cz = 0e0, i = 0;
  WHILE i < n DO
    SET cx = cx + CAST(SUBSTRING(verts, 40 * (3 * i) + 1, 40) AS DOUBLE), cy = cy + CAST(SUBSTRING(verts, 40 * (3 * i + 1) + 1, 40) AS DOUBLE), cz = cz + CAST(SUBSTRING(verts, 40 * (3 * i + 2) + 1, 40) AS DOUBLE);
    SET i = i + 1;
  END WHILE;
  SET len = SQRT(cx * cx + cy * cy + cz * cz);
  SET cx = cx / len, cy = cy / len, cz = cz / len;
  IF ABS(cx) < 0.9e0 THEN
    SET ax = 0e0 * cz - 0e0 * cy, ay = 0e0 * cx - 1e0 * cz, az = 1e0 * cy - 0e0 * cx;
  ELSE
    SET ax = 1e0 * cz - 0e0 * cy, ay = 0e0 * cx - 0e0 * cz, az = 0e0 * cy - 1e0 * cx;
  END IF;
  SET len = SQRT(ax * ax + ay * ay + az * az);
  SET ux = ax / len, uy = ay / len, uz = az / len;
  SET wx = cy * uz - cz * uy, wy = cz * ux - cx * uz, wz = cx * uy - cy * ux;
  SET k = 3 * (n - 1);
  SET ax = CAST(SUBSTRING(verts, 40 * k + 1, 40) AS DOUBLE), ay = CAST(SUBSTRING(verts, 40 * (k + 1) + 1, 40) AS DOUBLE), az = CAST(SUBSTRING(verts, 40 * (k + 2) + 1, 40) AS DOUBLE);
  SET prev = ATAN2(ax * wx + ay * wy + az * wz, ax * ux + ay * uy + az * uz);
  SET total = 0e0, i = 0;
  WHILE i < n DO
    SET ax = CAST(SUBSTRING(verts, 40 * (3 * i) + 1, 40) AS DOUBLE), ay = CAST(SUBSTRING(verts, 40 * (3 * i + 1) + 1, 40) AS DOUBLE), az = CAST(SUBSTRING(verts, 40 * (3 * i + 2) + 1, 40) AS DOUBLE);
    SET az_ = ATAN2(ax * wx + ay * wy + az * wz, ax * ux + ay * uy + az * uz);
    SET step = az_ - prev;
    IF step > PI() THEN SET step = step - 2e0 * PI(); END IF;
    IF step <= -PI() THEN SET step = step + 2e0 * PI(); END IF;
    SET total = total + step, prev = az_;
    SET i = i + 1;
  END WHILE;
  RETURN NOT ABS(ABS(total / (2e0 * PI())) - 1e0) > 1e-6;
END $$

-- The value of a region of the given xtype as a parsed string (see the header), or NULL if it is not one:
-- sky's parseRegion (region-text.ts). White space separates tokens (ASCII white space here; sky also
-- splits at Unicode spaces such as U+00A0, which no DALI or STC-S writer puts in a value). A value that starts with a letter is
-- labelled (DALI: point, circle, polygon, range; STC-S: POSITION, CIRCLE, POLYGON, BOX; any case), with
-- the frame ICRS or none; otherwise the xtype says what it is ("shape" needs a label). Numbers are
-- decimal (sign, digits, point, exponent); a range's bounds may be ±Inf/±Infinity (open). Latitudes are
-- in [-90, 90], radii in [0, 180], a box's width and height not negative, a range's latitude 1 not above
-- latitude 2, a polygon convex (a repeated first vertex at the end is dropped). A number too large for a
-- double is refused under a strict sql_mode (MariaDB's default); without one, MariaDB reads it as the
-- largest double.
CREATE OR REPLACE FUNCTION tap_region__parse(xtype VARCHAR(64), val MEDIUMTEXT)
RETURNS MEDIUMBLOB DETERMINISTIC NO SQL
BEGIN
  DECLARE s, tok MEDIUMTEXT;
  DECLARE kind VARCHAR(16);
  DECLARE n, i, pos, nxt, expected INT;
  DECLARE x, clon, clat, w, h, lat1, lat2 DOUBLE;
  DECLARE nums MEDIUMBLOB DEFAULT '';
  DECLARE lon1Inf, lon2Inf, lat1Inf, lat2Inf INT DEFAULT 0;
  -- A number too large for a double: MariaDB's strict mode makes the CAST's warning an error.
  DECLARE EXIT HANDLER FOR 1292 RETURN NULL;
  IF xtype IS NULL OR val IS NULL THEN RETURN NULL; END IF;
  IF NOT BINARY xtype IN ('point', 'circle', 'polygon', 'range', 'shape') THEN RETURN NULL; END IF;
  SET s = TRIM(REGEXP_REPLACE(val, '[[:space:]]+', ' '));
  IF s = '' THEN RETURN NULL; END IF;
  IF s REGEXP '^[A-Za-z]' THEN
    SET pos = LOCATE(' ', s);
    SET tok = LOWER(IF(pos = 0, s, LEFT(s, pos - 1)));
    SET s = IF(pos = 0, '', SUBSTRING(s, pos + 1));
    SET kind = CASE tok WHEN 'point' THEN 'point' WHEN 'position' THEN 'point' WHEN 'circle' THEN 'circle'
      WHEN 'polygon' THEN 'polygon' WHEN 'range' THEN 'range' WHEN 'box' THEN 'box' ELSE NULL END;
    IF kind IS NULL THEN RETURN NULL; END IF;
    SET pos = LOCATE(' ', s);
    SET tok = IF(pos = 0, s, LEFT(s, pos - 1));
    IF tok REGEXP '^[A-Za-z]' AND NOT tok REGEXP '^(?i)inf(inity)?$' THEN
      IF UPPER(tok) <> 'ICRS' THEN RETURN NULL; END IF;
      SET s = IF(pos = 0, '', SUBSTRING(s, pos + 1));
    END IF;
  ELSE
    IF BINARY xtype = 'shape' THEN RETURN NULL; END IF;
    SET kind = xtype;
  END IF;
  SET expected = CASE kind WHEN 'point' THEN 2 WHEN 'circle' THEN 3 WHEN 'polygon' THEN 2000000000 ELSE 4 END;
  SET n = 0, pos = 1;
  WHILE pos <= CHAR_LENGTH(s) DO
    SET nxt = LOCATE(' ', s, pos);
    IF nxt = 0 THEN SET nxt = CHAR_LENGTH(s) + 1; END IF;
    SET tok = SUBSTRING(s, pos, nxt - pos);
    SET pos = nxt + 1;
    IF n >= expected THEN RETURN NULL; END IF;
    IF kind = 'range' AND tok REGEXP '^(?i)[-+]?inf(inity)?$' THEN
      -- An open bound: only lon1 −∞, lon2 +∞, lat1 −∞, lat2 +∞ mean anything.
      IF LEFT(tok, 1) = '-' THEN
        IF n = 0 THEN SET lon1Inf = 1; ELSEIF n = 2 THEN SET lat1Inf = 1; ELSE RETURN NULL; END IF;
      ELSE
        IF n = 1 THEN SET lon2Inf = 1; ELSEIF n = 3 THEN SET lat2Inf = 1; ELSE RETURN NULL; END IF;
      END IF;
      SET x = 0e0;
    ELSE
      IF NOT tok REGEXP '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$' THEN RETURN NULL; END IF;
      SET x = CAST(tok AS DOUBLE);
    END IF;
    SET nums = CONCAT(nums, LPAD(CAST(x AS CHAR), 40, ' ')), n = n + 1;
  END WHILE;
  IF kind = 'polygon' THEN
    IF n % 2 = 1 THEN RETURN NULL; END IF;
  ELSEIF n < expected THEN
    RETURN NULL;
  END IF;
  -- Latitudes in [-90, 90] (a range's open bounds apart).
  IF kind = 'polygon' THEN
    SET i = 1;
    WHILE i < n DO
      SET x = CAST(SUBSTRING(nums, 40 * i + 1, 40) AS DOUBLE);
      IF x < -90 OR x > 90 THEN RETURN NULL; END IF;
      SET i = i + 2;
    END WHILE;
  ELSEIF kind = 'range' THEN
    SET lat1 = IF(lat1Inf, -90e0, CAST(SUBSTRING(nums, 40 * 2 + 1, 40) AS DOUBLE)), lat2 = IF(lat2Inf, 90e0, CAST(SUBSTRING(nums, 40 * 3 + 1, 40) AS DOUBLE));
    IF lat1 < -90 OR lat1 > 90 OR lat2 < -90 OR lat2 > 90 OR lat1 > lat2 THEN RETURN NULL; END IF;
  ELSE
    SET x = CAST(SUBSTRING(nums, 40 * 1 + 1, 40) AS DOUBLE);
    IF x < -90 OR x > 90 THEN RETURN NULL; END IF;
  END IF;
  IF kind = 'point' THEN RETURN CONCAT(LPAD(CAST(1 AS CHAR), 40, ' '), nums); END IF;
  IF kind = 'circle' THEN
    SET x = CAST(SUBSTRING(nums, 40 * 2 + 1, 40) AS DOUBLE);
    IF x < 0 OR x > 180 THEN RETURN NULL; END IF;
    RETURN CONCAT(LPAD(CAST(2 AS CHAR), 40, ' '), nums);
  END IF;
  IF kind = 'range' THEN
    IF lon1Inf OR lon2Inf THEN
      RETURN CONCAT(LPAD(CAST(4 AS CHAR), 40, ' '), LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(360e0 AS CHAR), 40, ' '), LPAD(CAST(lat1 AS CHAR), 40, ' '), LPAD(CAST(lat2 AS CHAR), 40, ' '));
    END IF;
    RETURN CONCAT(LPAD(CAST(4 AS CHAR), 40, ' '), LEFT(nums, 80), LPAD(CAST(lat1 AS CHAR), 40, ' '), LPAD(CAST(lat2 AS CHAR), 40, ' '));
  END IF;
  IF kind = 'box' THEN
    SET clon = CAST(SUBSTRING(nums, 40 * 0 + 1, 40) AS DOUBLE), clat = CAST(SUBSTRING(nums, 40 * 1 + 1, 40) AS DOUBLE), w = CAST(SUBSTRING(nums, 40 * 2 + 1, 40) AS DOUBLE), h = CAST(SUBSTRING(nums, 40 * 3 + 1, 40) AS DOUBLE);
    IF w < 0 OR h < 0 THEN RETURN NULL; END IF;
    SET lat1 = GREATEST(-90e0, clat - h / 2e0), lat2 = LEAST(90e0, clat + h / 2e0);
    IF w >= 360 THEN
      RETURN CONCAT(LPAD(CAST(4 AS CHAR), 40, ' '), LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(360e0 AS CHAR), 40, ' '), LPAD(CAST(lat1 AS CHAR), 40, ' '), LPAD(CAST(lat2 AS CHAR), 40, ' '));
    END IF;
    RETURN CONCAT(LPAD(CAST(4 AS CHAR), 40, ' '), LPAD(CAST(tap_region__reduce_deg(clon - w / 2e0) AS CHAR), 40, ' '),
      LPAD(CAST(tap_region__reduce_deg(clon + w / 2e0) AS CHAR), 40, ' '), LPAD(CAST(lat1 AS CHAR), 40, ' '), LPAD(CAST(lat2 AS CHAR), 40, ' '));
  END IF;
  -- A polygon: drop a closing vertex equal to the first, then check it.
  IF n > 6 AND CAST(SUBSTRING(nums, 40 * (n - 2) + 1, 40) AS DOUBLE) = CAST(SUBSTRING(nums, 40 * 0 + 1, 40) AS DOUBLE) AND CAST(SUBSTRING(nums, 40 * (n - 1) + 1, 40) AS DOUBLE) = CAST(SUBSTRING(nums, 40 * 1 + 1, 40) AS DOUBLE) THEN
    SET nums = LEFT(nums, 40 * (n - 2)), n = n - 2;
  END IF;
  IF n < 6 THEN RETURN NULL; END IF;
  SET s = CONCAT(LPAD(CAST(3 AS CHAR), 40, ' '), nums);
  IF NOT tap_region__polygon_ok(s) THEN RETURN NULL; END IF;
  RETURN s;
END $$

-- ---- Shapes -----------------------------------------------------------------------------------------

-- One piece (region-ops.ts makePiece): the circle of angular radius rDeg about n, arc from phi0 over span.
CREATE OR REPLACE FUNCTION tap_region__piece(nx DOUBLE, ny DOUBLE, nz DOUBLE, rDeg DOUBLE,
  ux DOUBLE, uy DOUBLE, uz DOUBLE, wx DOUBLE, wy DOUBLE, wz DOUBLE, phi0 DOUBLE, span DOUBLE)
RETURNS VARBINARY(840) DETERMINISTIC NO SQL
BEGIN
  DECLARE r, s DOUBLE;
  DECLARE pc VARBINARY(600);
  IF rDeg = 90 THEN
    SET pc = CONCAT(CONCAT(LPAD(CAST(nx AS CHAR), 40, ' '), LPAD(CAST(ny AS CHAR), 40, ' '), LPAD(CAST(nz AS CHAR), 40, ' ')), LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(1e0 AS CHAR), 40, ' '), LPAD(CAST(1e0 AS CHAR), 40, ' '),
      LPAD(CAST(PI() / 2e0 AS CHAR), 40, ' '), CONCAT(LPAD(CAST(ux AS CHAR), 40, ' '), LPAD(CAST(uy AS CHAR), 40, ' '), LPAD(CAST(uz AS CHAR), 40, ' ')), CONCAT(LPAD(CAST(wx AS CHAR), 40, ' '), LPAD(CAST(wy AS CHAR), 40, ' '), LPAD(CAST(wz AS CHAR), 40, ' ')), LPAD(CAST(phi0 AS CHAR), 40, ' '), LPAD(CAST(span AS CHAR), 40, ' '));
  ELSE
    SET r = rDeg * 0.017453292519943295e0;
    SET s = SIN(r / 2e0);
    SET pc = CONCAT(CONCAT(LPAD(CAST(nx AS CHAR), 40, ' '), LPAD(CAST(ny AS CHAR), 40, ' '), LPAD(CAST(nz AS CHAR), 40, ' ')), LPAD(CAST(COS(r) AS CHAR), 40, ' '), LPAD(CAST(2e0 * s * s AS CHAR), 40, ' '), LPAD(CAST(SIN(r) AS CHAR), 40, ' '),
      LPAD(CAST(r AS CHAR), 40, ' '), CONCAT(LPAD(CAST(ux AS CHAR), 40, ' '), LPAD(CAST(uy AS CHAR), 40, ' '), LPAD(CAST(uz AS CHAR), 40, ' ')), CONCAT(LPAD(CAST(wx AS CHAR), 40, ' '), LPAD(CAST(wy AS CHAR), 40, ' '), LPAD(CAST(wz AS CHAR), 40, ' ')), LPAD(CAST(phi0 AS CHAR), 40, ' '), LPAD(CAST(span AS CHAR), 40, ' '));
  END IF;
  -- Its start and end (startOf, endOf), kept because the operations ask for them again and again.
  RETURN CONCAT(pc, tap_region__at(pc, 0, phi0), tap_region__at(pc, 0, phi0 + span));
END $$

-- Assembles a shape from its parts.
CREATE OR REPLACE FUNCTION tap_region__assemble(kind INT, np INT, ne INT, nout INT, nearData MEDIUMBLOB,
  extras MEDIUMBLOB, outsides MEDIUMBLOB, pieces MEDIUMBLOB)
RETURNS MEDIUMBLOB DETERMINISTIC NO SQL
RETURN CONCAT(LPAD(CAST(kind AS CHAR), 40, ' '), LPAD(CAST(np AS CHAR), 40, ' '), LPAD(CAST(ne AS CHAR), 40, ' '), LPAD(CAST(nout AS CHAR), 40, ' '),
  RPAD(nearData, 13 * 40, ' '), extras, outsides, pieces) $$

CREATE OR REPLACE FUNCTION tap_region__point_shape(px DOUBLE, py DOUBLE, pz DOUBLE)
RETURNS MEDIUMBLOB DETERMINISTIC NO SQL
RETURN tap_region__assemble(1, 0, 1, 1, CONCAT(LPAD(CAST(px AS CHAR), 40, ' '), LPAD(CAST(py AS CHAR), 40, ' '), LPAD(CAST(pz AS CHAR), 40, ' ')), CONCAT(LPAD(CAST(px AS CHAR), 40, ' '), LPAD(CAST(py AS CHAR), 40, ' '), LPAD(CAST(pz AS CHAR), 40, ' ')), CONCAT(LPAD(CAST(-px AS CHAR), 40, ' '), LPAD(CAST(-py AS CHAR), 40, ' '), LPAD(CAST(-pz AS CHAR), 40, ' ')), '') $$

-- The shape of a parsed region (regions.ts makeShape of each class), or NULL for NULL.
CREATE OR REPLACE FUNCTION tap_region__shape(r MEDIUMBLOB)
RETURNS MEDIUMBLOB DETERMINISTIC NO SQL
BEGIN
  DECLARE kind, n, i, j, np INT;
  DECLARE lon, lat, rad, cl, cx, cy, cz, ax, ay, az, bx, by_, bz, ux, uy, uz, wx, wy, wz, len DOUBLE;
  DECLARE sx, sy, sz, ex, ey, ez, e0x, e0y, e0z, ox, oy, oz DOUBLE;
  DECLARE l0, w, l1, lat1, lat2, span, gap, score, best DOUBLE;
  DECLARE clockwise, fullLon BOOLEAN;
  DECLARE pieces, nearData, outsides MEDIUMBLOB DEFAULT '';
  IF r IS NULL THEN RETURN NULL; END IF;
  SET kind = CAST(SUBSTRING(r, 40 * 0 + 1, 40) AS DOUBLE);
  IF kind = 1 OR kind = 2 THEN
    SET lon = CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE), lat = CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE);
    SET cl = COS(lat * 0.017453292519943295e0);
    SET cx = COS(lon * 0.017453292519943295e0) * cl, cy = SIN(lon * 0.017453292519943295e0) * cl,
        cz = SIN(lat * 0.017453292519943295e0);
    IF kind = 1 THEN RETURN tap_region__point_shape(cx, cy, cz); END IF;
    SET rad = CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE);
    IF rad >= 180 THEN RETURN tap_region__assemble(5, 0, 0, 0, '', '', '', ''); END IF;
    IF rad = 0 THEN RETURN tap_region__point_shape(cx, cy, cz); END IF;
    -- basisAt(c): u = normalize(axis × c), w = c × u.
    IF ABS(cx) < 0.9e0 THEN
      -- axis (1, 0, 0): (0·cz − 0·cy, 0·cx − 1·cz, 1·cy − 0·cx)
      SET ax = 0e0 * cz - 0e0 * cy, ay = 0e0 * cx - 1e0 * cz, az = 1e0 * cy - 0e0 * cx;
    ELSE
      -- axis (0, 1, 0): (1·cz − 0·cy, 0·cx − 0·cz, 0·cy − 1·cx)
      SET ax = 1e0 * cz - 0e0 * cy, ay = 0e0 * cx - 0e0 * cz, az = 0e0 * cy - 1e0 * cx;
    END IF;
    SET len = SQRT(ax * ax + ay * ay + az * az);
    SET ux = ax / len, uy = ay / len, uz = az / len;
    SET wx = cy * uz - cz * uy, wy = cz * ux - cx * uz, wz = cx * uy - cy * ux;
    SET pieces = tap_region__piece(cx, cy, cz, rad, ux, uy, uz, wx, wy, wz, 0e0, 2e0 * PI());
    -- near: within the piece's r + EPS of the centre.
    RETURN tap_region__assemble(2, 1, 0, 1, CONCAT(CONCAT(LPAD(CAST(cx AS CHAR), 40, ' '), LPAD(CAST(cy AS CHAR), 40, ' '), LPAD(CAST(cz AS CHAR), 40, ' ')), LPAD(CAST(CAST(SUBSTRING(pieces, 40 * 6 + 1, 40) AS DOUBLE) + 1e-12 AS CHAR), 40, ' ')),
      '', CONCAT(LPAD(CAST(-cx AS CHAR), 40, ' '), LPAD(CAST(-cy AS CHAR), 40, ' '), LPAD(CAST(-cz AS CHAR), 40, ' ')), pieces);
  END IF;
  IF kind = 3 THEN
    SET n = (CHAR_LENGTH(r) DIV 40 - 1) DIV 2;
    -- edgePlanes' orientation: (vertex sum in order) · (first doubled-cross edge) < 0 means clockwise.
    SET sx = 0e0, sy = 0e0, sz = 0e0, i = 0;
    WHILE i < n DO
      SET lon = CAST(SUBSTRING(r, 40 * (1 + 2 * i) + 1, 40) AS DOUBLE), lat = CAST(SUBSTRING(r, 40 * (2 + 2 * i) + 1, 40) AS DOUBLE);
      SET cl = COS(lat * 0.017453292519943295e0);
      SET ax = COS(lon * 0.017453292519943295e0) * cl, ay = SIN(lon * 0.017453292519943295e0) * cl,
          az = SIN(lat * 0.017453292519943295e0);
      IF i = 0 THEN SET ox = ax, oy = ay, oz = az; END IF;
      IF i = 1 THEN
        SET e0x = (oy + ay) * (az - oz) - (oz + az) * (ay - oy);
        SET e0y = (oz + az) * (ax - ox) - (ox + ax) * (az - oz);
        SET e0z = (ox + ax) * (ay - oy) - (oy + ay) * (ax - ox);
      END IF;
      SET sx = sx + ax, sy = sy + ay, sz = sz + az;
      SET i = i + 1;
    END WHILE;
    SET clockwise = sx * e0x + sy * e0y + sz * e0z < 0;
    SET i = 0;
    WHILE i < n DO
      SET j = IF(clockwise, (i + 1) % n, i);
      SET lon = CAST(SUBSTRING(r, 40 * (1 + 2 * j) + 1, 40) AS DOUBLE), lat = CAST(SUBSTRING(r, 40 * (2 + 2 * j) + 1, 40) AS DOUBLE);
      SET cl = COS(lat * 0.017453292519943295e0);
      SET ax = COS(lon * 0.017453292519943295e0) * cl, ay = SIN(lon * 0.017453292519943295e0) * cl,
          az = SIN(lat * 0.017453292519943295e0);
      SET j = IF(clockwise, i, (i + 1) % n);
      SET lon = CAST(SUBSTRING(r, 40 * (1 + 2 * j) + 1, 40) AS DOUBLE), lat = CAST(SUBSTRING(r, 40 * (2 + 2 * j) + 1, 40) AS DOUBLE);
      SET cl = COS(lat * 0.017453292519943295e0);
      SET bx = COS(lon * 0.017453292519943295e0) * cl, by_ = SIN(lon * 0.017453292519943295e0) * cl,
          bz = SIN(lat * 0.017453292519943295e0);
      -- (b + a) × (b − a), normalised.
      SET ex = (by_ + ay) * (bz - az) - (bz + az) * (by_ - ay);
      SET ey = (bz + az) * (bx - ax) - (bx + ax) * (bz - az);
      SET ez = (bx + ax) * (by_ - ay) - (by_ + ay) * (bx - ax);
      SET len = SQRT(ex * ex + ey * ey + ez * ez);
      SET ex = ex / len, ey = ey / len, ez = ez / len;
      SET pieces = CONCAT(pieces, tap_region__piece(ex, ey, ez, 90e0, ax, ay, az,
        ey * az - ez * ay, ez * ax - ex * az, ex * ay - ey * ax, 0e0, tap_region__angle(ax, ay, az, bx, by_, bz)));
      SET i = i + 1;
    END WHILE;
    SET len = SQRT(sx * sx + sy * sy + sz * sz);
    RETURN tap_region__assemble(3, n, 0, 1, '', '', CONCAT(LPAD(CAST(-(sx / len) AS CHAR), 40, ' '), LPAD(CAST(-(sy / len) AS CHAR), 40, ' '), LPAD(CAST(-(sz / len) AS CHAR), 40, ' ')), pieces);
  END IF;
  -- A range (RangeRegion): lonStart, lonWidth as sky computes them.
  SET lon = CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE), l1 = CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE), lat1 = CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE), lat2 = CAST(SUBSTRING(r, 40 * 4 + 1, 40) AS DOUBLE);
  IF l1 - lon >= 360 THEN
    SET l0 = 0e0, w = 360e0;
  ELSE
    SET l0 = tap_region__reduce_deg(lon), w = tap_region__reduce_deg(l1 - lon);
  END IF;
  IF lat1 = lat2 AND (w = 0 OR ABS(lat1) = 90) THEN
    SET cl = COS(lat1 * 0.017453292519943295e0);
    RETURN tap_region__point_shape(COS(l0 * 0.017453292519943295e0) * cl, SIN(l0 * 0.017453292519943295e0) * cl,
      SIN(lat1 * 0.017453292519943295e0));
  END IF;
  -- rangeShape(l0, w, lat1, lat2)
  SET fullLon = w >= 360;
  IF fullLon AND lat1 <= -90 AND lat2 >= 90 THEN RETURN tap_region__assemble(5, 0, 0, 0, '', '', '', ''); END IF;
  SET l1 = l0 + w;
  SET span = IF(fullLon, 2e0 * PI(), w * 0.017453292519943295e0);
  SET np = 0;
  IF lat1 > -90 AND span > 0 THEN
    SET pieces = CONCAT(pieces, tap_region__piece(0e0, 0e0, 1e0, 90e0 - lat1, 1e0, 0e0, 0e0, 0e0, 1e0, 0e0,
      l0 * 0.017453292519943295e0, span));
    SET np = np + 1;
  END IF;
  IF lat2 < 90 AND span > 0 THEN
    SET pieces = CONCAT(pieces, tap_region__piece(0e0, 0e0, -1e0, 90e0 + lat2, 1e0, 0e0, 0e0, 0e0, -1e0, 0e0,
      -l1 * 0.017453292519943295e0, span));
    SET np = np + 1;
  END IF;
  -- east = meridianNormal(l1, −1) = (sin l1, −cos l1, 0); west = meridianNormal(l0, 1) = (−sin l0, cos l0, 0).
  SET ex = SIN(l1 * 0.017453292519943295e0), ey = -COS(l1 * 0.017453292519943295e0), ez = 0e0;
  SET wx = -SIN(l0 * 0.017453292519943295e0), wy = COS(l0 * 0.017453292519943295e0), wz = 0e0;
  IF NOT fullLon AND lat2 > lat1 THEN
    -- u = unitVector(l1, 0); w = east × u.
    SET ux = COS(l1 * 0.017453292519943295e0) * 1e0, uy = SIN(l1 * 0.017453292519943295e0) * 1e0, uz = 0e0;
    SET pieces = CONCAT(pieces, tap_region__piece(ex, ey, ez, 90e0, ux, uy, uz,
      ey * uz - ez * uy, ez * ux - ex * uz, ex * uy - ey * ux,
      lat1 * 0.017453292519943295e0, (lat2 - lat1) * 0.017453292519943295e0));
    SET ux = COS(l0 * 0.017453292519943295e0) * 1e0, uy = SIN(l0 * 0.017453292519943295e0) * 1e0, uz = 0e0;
    SET pieces = CONCAT(pieces, tap_region__piece(wx, wy, wz, 90e0, ux, uy, uz,
      wy * uz - wz * uy, wz * ux - wx * uz, wx * uy - wy * ux,
      -lat2 * 0.017453292519943295e0, (lat2 - lat1) * 0.017453292519943295e0));
    SET np = np + 2;
  END IF;
  -- near data: east, west, mid = unitVector(l0 + w/2, 0), latLo, latHi, full, w.
  SET nearData = CONCAT(CONCAT(LPAD(CAST(ex AS CHAR), 40, ' '), LPAD(CAST(ey AS CHAR), 40, ' '), LPAD(CAST(ez AS CHAR), 40, ' ')), CONCAT(LPAD(CAST(wx AS CHAR), 40, ' '), LPAD(CAST(wy AS CHAR), 40, ' '), LPAD(CAST(wz AS CHAR), 40, ' ')),
    CONCAT(LPAD(CAST(COS((l0 + w / 2e0) * 0.017453292519943295e0) * 1e0 AS CHAR), 40, ' '), LPAD(CAST(SIN((l0 + w / 2e0) * 0.017453292519943295e0) * 1e0 AS CHAR), 40, ' '), LPAD(CAST(0e0 AS CHAR), 40, ' ')),
    LPAD(CAST(lat1 * 0.017453292519943295e0 - 1e-12 AS CHAR), 40, ' '), LPAD(CAST(lat2 * 0.017453292519943295e0 + 1e-12 AS CHAR), 40, ' '),
    LPAD(CAST(IF(fullLon, 1e0, 0e0) AS CHAR), 40, ' '), LPAD(CAST(w AS CHAR), 40, ' '));
  IF fullLon THEN
    SET n = 0;
    IF lat2 < 90 THEN SET outsides = CONCAT(outsides, CONCAT(LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(1e0 AS CHAR), 40, ' '))), n = n + 1; END IF;
    IF lat1 > -90 THEN SET outsides = CONCAT(outsides, CONCAT(LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(-1e0 AS CHAR), 40, ' '))), n = n + 1; END IF;
  ELSE
    -- The deepest candidate: the middle of the longitude gap, or a pole outside (first of equals wins).
    SET gap = (360e0 - w) / 2e0;
    SET best = LEAST(gap, 90e0) * COS(((lat1 + lat2) / 2e0) * 0.017453292519943295e0);
    SET lat = (lat1 + lat2) / 2e0, lon = l1 + gap;
    SET cl = COS(lat * 0.017453292519943295e0);
    SET outsides = CONCAT(LPAD(CAST(COS(lon * 0.017453292519943295e0) * cl AS CHAR), 40, ' '), LPAD(CAST(SIN(lon * 0.017453292519943295e0) * cl AS CHAR), 40, ' '), LPAD(CAST(SIN(lat * 0.017453292519943295e0) AS CHAR), 40, ' '));
    IF lat2 < 90 AND 90e0 - lat2 > best THEN
      SET best = 90e0 - lat2, outsides = CONCAT(LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(1e0 AS CHAR), 40, ' '));
    END IF;
    IF lat1 > -90 AND 90e0 + lat1 > best THEN
      SET best = 90e0 + lat1, outsides = CONCAT(LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(-1e0 AS CHAR), 40, ' '));
    END IF;
    SET n = 1;
  END IF;
  RETURN tap_region__assemble(4, np, 0, n, nearData, '', outsides, pieces);
END $$

-- The slot where piece i of a shape starts.
CREATE OR REPLACE FUNCTION tap_region__piece_at(s MEDIUMBLOB, i INT)
RETURNS INT DETERMINISTIC NO SQL
RETURN 17 + 3 * (CAST(SUBSTRING(s, 40 * 2 + 1, 40) AS DOUBLE) + CAST(SUBSTRING(s, 40 * 3 + 1, 40) AS DOUBLE)) + 21 * i $$

-- ---- Region operations (region-ops.ts) -------------------------------------------------------------

-- Shape.near: whether the unit vector v is within EPS of the region.
CREATE OR REPLACE FUNCTION tap_region__near(s MEDIUMBLOB, x DOUBLE, y DOUBLE, z DOUBLE)
RETURNS INT DETERMINISTIC NO SQL
BEGIN
  DECLARE kind, np, i, b INT;
  DECLARE lat, w DOUBLE;
  DECLARE e, wst BOOLEAN;
  SET kind = CAST(SUBSTRING(s, 40 * 0 + 1, 40) AS DOUBLE);
  IF kind = 5 THEN RETURN 1; END IF;
  IF kind = 1 THEN
    RETURN tap_region__angle(x, y, z, CAST(SUBSTRING(s, 40 * 4 + 1, 40) AS DOUBLE), CAST(SUBSTRING(s, 40 * 5 + 1, 40) AS DOUBLE), CAST(SUBSTRING(s, 40 * 6 + 1, 40) AS DOUBLE)) <= 1e-12;
  END IF;
  IF kind = 2 THEN
    RETURN tap_region__angle(x, y, z, CAST(SUBSTRING(s, 40 * 4 + 1, 40) AS DOUBLE), CAST(SUBSTRING(s, 40 * 5 + 1, 40) AS DOUBLE), CAST(SUBSTRING(s, 40 * 6 + 1, 40) AS DOUBLE)) <= CAST(SUBSTRING(s, 40 * 7 + 1, 40) AS DOUBLE);
  END IF;
  IF kind = 3 THEN
    SET np = CAST(SUBSTRING(s, 40 * 1 + 1, 40) AS DOUBLE), i = 0, b = tap_region__piece_at(s, 0);
    WHILE i < np DO
      IF CAST(SUBSTRING(s, 40 * b + 1, 40) AS DOUBLE) * x + CAST(SUBSTRING(s, 40 * (b + 1) + 1, 40) AS DOUBLE) * y + CAST(SUBSTRING(s, 40 * (b + 2) + 1, 40) AS DOUBLE) * z < -1e-12 THEN RETURN 0; END IF;
      SET i = i + 1, b = b + 21;
    END WHILE;
    RETURN 1;
  END IF;
  SET lat = ATAN2(z, SQRT(x * x + y * y));
  IF lat < CAST(SUBSTRING(s, 40 * 13 + 1, 40) AS DOUBLE) OR lat > CAST(SUBSTRING(s, 40 * 14 + 1, 40) AS DOUBLE) THEN RETURN 0; END IF;
  IF CAST(SUBSTRING(s, 40 * 15 + 1, 40) AS DOUBLE) = 1 THEN RETURN 1; END IF;
  SET e = CAST(SUBSTRING(s, 40 * 4 + 1, 40) AS DOUBLE) * x + CAST(SUBSTRING(s, 40 * 5 + 1, 40) AS DOUBLE) * y + CAST(SUBSTRING(s, 40 * 6 + 1, 40) AS DOUBLE) * z >= -1e-12;
  SET wst = CAST(SUBSTRING(s, 40 * 7 + 1, 40) AS DOUBLE) * x + CAST(SUBSTRING(s, 40 * 8 + 1, 40) AS DOUBLE) * y + CAST(SUBSTRING(s, 40 * 9 + 1, 40) AS DOUBLE) * z >= -1e-12;
  SET w = CAST(SUBSTRING(s, 40 * 16 + 1, 40) AS DOUBLE);
  IF w <= 180 THEN
    RETURN e AND wst AND CAST(SUBSTRING(s, 40 * 10 + 1, 40) AS DOUBLE) * x + CAST(SUBSTRING(s, 40 * 11 + 1, 40) AS DOUBLE) * y + CAST(SUBSTRING(s, 40 * 12 + 1, 40) AS DOUBLE) * z >= -1e-12;
  END IF;
  RETURN e OR wst;
END $$

-- pieceAt: the point of piece b (its first slot) at parameter phi, as three slots.
CREATE OR REPLACE FUNCTION tap_region__at(s MEDIUMBLOB, b INT, phi DOUBLE)
RETURNS VARBINARY(120) DETERMINISTIC NO SQL
BEGIN
  DECLARE rho, d, c, sn, x, y, z, len DOUBLE;
  SET rho = CAST(SUBSTRING(s, 40 * (b + 5) + 1, 40) AS DOUBLE), d = CAST(SUBSTRING(s, 40 * (b + 3) + 1, 40) AS DOUBLE);
  SET c = COS(phi) * rho, sn = SIN(phi) * rho;
  SET x = d * CAST(SUBSTRING(s, 40 * b + 1, 40) AS DOUBLE) + c * CAST(SUBSTRING(s, 40 * (b + 7) + 1, 40) AS DOUBLE) + sn * CAST(SUBSTRING(s, 40 * (b + 10) + 1, 40) AS DOUBLE);
  SET y = d * CAST(SUBSTRING(s, 40 * (b + 1) + 1, 40) AS DOUBLE) + c * CAST(SUBSTRING(s, 40 * (b + 8) + 1, 40) AS DOUBLE) + sn * CAST(SUBSTRING(s, 40 * (b + 11) + 1, 40) AS DOUBLE);
  SET z = d * CAST(SUBSTRING(s, 40 * (b + 2) + 1, 40) AS DOUBLE) + c * CAST(SUBSTRING(s, 40 * (b + 9) + 1, 40) AS DOUBLE) + sn * CAST(SUBSTRING(s, 40 * (b + 12) + 1, 40) AS DOUBLE);
  SET len = SQRT(x * x + y * y + z * z);
  RETURN CONCAT(LPAD(CAST(x / len AS CHAR), 40, ' '), LPAD(CAST(y / len AS CHAR), 40, ' '), LPAD(CAST(z / len AS CHAR), 40, ' '));
END $$

-- offsetOf: the parameter of x measured from the piece's start, in [0, 2π).
CREATE OR REPLACE FUNCTION tap_region__offset(s MEDIUMBLOB, b INT, x DOUBLE, y DOUBLE, z DOUBLE)
RETURNS DOUBLE DETERMINISTIC NO SQL
RETURN tap_region__reduce_rad(ATAN2(x * CAST(SUBSTRING(s, 40 * (b + 10) + 1, 40) AS DOUBLE) + y * CAST(SUBSTRING(s, 40 * (b + 11) + 1, 40) AS DOUBLE) + z * CAST(SUBSTRING(s, 40 * (b + 12) + 1, 40) AS DOUBLE),
  x * CAST(SUBSTRING(s, 40 * (b + 7) + 1, 40) AS DOUBLE) + y * CAST(SUBSTRING(s, 40 * (b + 8) + 1, 40) AS DOUBLE) + z * CAST(SUBSTRING(s, 40 * (b + 9) + 1, 40) AS DOUBLE)) - CAST(SUBSTRING(s, 40 * (b + 13) + 1, 40) AS DOUBLE)) $$

-- inArc: whether a point of the piece's circle lies within its arc, allowing EPS at either end.
CREATE OR REPLACE FUNCTION tap_region__in_arc(s MEDIUMBLOB, b INT, x DOUBLE, y DOUBLE, z DOUBLE)
RETURNS INT DETERMINISTIC NO SQL
BEGIN
  DECLARE span, rho, tol, t DOUBLE;
  SET span = CAST(SUBSTRING(s, 40 * (b + 14) + 1, 40) AS DOUBLE);
  IF span >= 2e0 * PI() THEN RETURN 1; END IF;
  SET rho = CAST(SUBSTRING(s, 40 * (b + 5) + 1, 40) AS DOUBLE);
  SET tol = IF(rho > 0, 1e-12 / rho, 2e0 * PI());
  SET t = tap_region__offset(s, b, x, y, z);
  RETURN t <= span + tol OR t >= 2e0 * PI() - tol;
END $$

-- onCircle: whether x is within EPS of the piece's circle.
CREATE OR REPLACE FUNCTION tap_region__on_circle(s MEDIUMBLOB, b INT, x DOUBLE, y DOUBLE, z DOUBLE)
RETURNS INT DETERMINISTIC NO SQL
RETURN ABS(tap_region__angle(x, y, z, CAST(SUBSTRING(s, 40 * b + 1, 40) AS DOUBLE), CAST(SUBSTRING(s, 40 * (b + 1) + 1, 40) AS DOUBLE), CAST(SUBSTRING(s, 40 * (b + 2) + 1, 40) AS DOUBLE))
  - CAST(SUBSTRING(s, 40 * (b + 6) + 1, 40) AS DOUBLE)) <= 1e-12 $$

-- meetPoints: where piece pb of shape sp and piece qb of shape sq meet (within EPS), three slots a point.
CREATE OR REPLACE FUNCTION tap_region__meet(sp MEDIUMBLOB, pb INT, sq MEDIUMBLOB, qb INT)
RETURNS MEDIUMBLOB DETERMINISTIC NO SQL
BEGIN
  DECLARE pnx, pny, pnz, ph, prho, pr, qnx, qny, qnz, qh, qrho, qr DOUBLE;
  DECLARE mx, my, mz, mm, dx, dy, dz, hg, kdd, a, b, x0x, x0y, x0z, disc, t, x, y, z, len DOUBLE;
  DECLARE k INT;
  DECLARE pt VARBINARY(120);
  DECLARE res MEDIUMBLOB DEFAULT '';
  SET pnx = CAST(SUBSTRING(sp, 40 * pb + 1, 40) AS DOUBLE), pny = CAST(SUBSTRING(sp, 40 * (pb + 1) + 1, 40) AS DOUBLE), pnz = CAST(SUBSTRING(sp, 40 * (pb + 2) + 1, 40) AS DOUBLE);
  SET ph = CAST(SUBSTRING(sp, 40 * (pb + 4) + 1, 40) AS DOUBLE), prho = CAST(SUBSTRING(sp, 40 * (pb + 5) + 1, 40) AS DOUBLE), pr = CAST(SUBSTRING(sp, 40 * (pb + 6) + 1, 40) AS DOUBLE);
  SET qnx = CAST(SUBSTRING(sq, 40 * qb + 1, 40) AS DOUBLE), qny = CAST(SUBSTRING(sq, 40 * (qb + 1) + 1, 40) AS DOUBLE), qnz = CAST(SUBSTRING(sq, 40 * (qb + 2) + 1, 40) AS DOUBLE);
  SET qh = CAST(SUBSTRING(sq, 40 * (qb + 4) + 1, 40) AS DOUBLE), qrho = CAST(SUBSTRING(sq, 40 * (qb + 5) + 1, 40) AS DOUBLE), qr = CAST(SUBSTRING(sq, 40 * (qb + 6) + 1, 40) AS DOUBLE);
  SET mx = pny * qnz - pnz * qny, my = pnz * qnx - pnx * qnz, mz = pnx * qny - pny * qnx;
  SET mm = mx * mx + my * my + mz * mz;
  IF mm < 1e-24 THEN
    IF pnx * qnx + pny * qny + pnz * qnz > 0 THEN
      IF NOT ABS(pr - qr) <= 1e-12 THEN RETURN ''; END IF;
    ELSE
      IF NOT ABS(pr - (PI() - qr)) <= 1e-12 THEN RETURN ''; END IF;
    END IF;
    IF CAST(SUBSTRING(sp, 40 * (pb + 14) + 1, 40) AS DOUBLE) >= 2e0 * PI() AND CAST(SUBSTRING(sq, 40 * (qb + 14) + 1, 40) AS DOUBLE) >= 2e0 * PI() THEN
      RETURN SUBSTRING(sp, 40 * (pb + 15) + 1, 120);
    END IF;
    SET k = 0;
    WHILE k < 4 DO
      IF k < 2 THEN
        SET pt = SUBSTRING(sp, 40 * (pb + IF(k = 0, 15, 18)) + 1, 120);
        IF tap_region__in_arc(sq, qb, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE)) THEN
          SET res = CONCAT(res, pt);
        END IF;
      ELSE
        SET pt = SUBSTRING(sq, 40 * (qb + IF(k = 2, 15, 18)) + 1, 120);
        IF tap_region__in_arc(sp, pb, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE)) THEN
          SET res = CONCAT(res, pt);
        END IF;
      END IF;
      SET k = k + 1;
    END WHILE;
    RETURN res;
  END IF;
  SET dx = pnx - qnx, dy = pny - qny, dz = pnz - qnz;
  SET hg = (dx * dx + dy * dy + dz * dz) / 2e0;
  SET kdd = ph + qh - hg - ph * qh;
  SET a = (qh - ph + hg - qh * hg) / mm;
  SET b = (ph - qh + hg - ph * hg) / mm;
  SET x0x = pnx * a + qnx * b, x0y = pny * a + qny * b, x0z = pnz * a + qnz * b;
  SET disc = prho * prho * qrho * qrho - kdd * kdd;
  IF disc > 0 THEN
    SET t = SQRT(disc) / mm;
    SET k = 0;
    WHILE k < 2 DO
      SET x = x0x + mx * t, y = x0y + my * t, z = x0z + mz * t;
      SET len = SQRT(x * x + y * y + z * z);
      SET x = x / len, y = y / len, z = z / len;
      IF tap_region__in_arc(sp, pb, x, y, z) AND tap_region__in_arc(sq, qb, x, y, z) THEN
        SET res = CONCAT(res, CONCAT(LPAD(CAST(x AS CHAR), 40, ' '), LPAD(CAST(y AS CHAR), 40, ' '), LPAD(CAST(z AS CHAR), 40, ' ')));
      END IF;
      SET t = -t, k = k + 1;
    END WHILE;
    RETURN res;
  END IF;
  SET len = x0x * x0x + x0y * x0y + x0z * x0z;
  IF len = 0 THEN RETURN ''; END IF;
  SET len = SQRT(len);
  SET x = x0x / len, y = x0y / len, z = x0z / len;
  IF tap_region__on_circle(sp, pb, x, y, z) AND tap_region__on_circle(sq, qb, x, y, z)
     AND tap_region__in_arc(sp, pb, x, y, z) AND tap_region__in_arc(sq, qb, x, y, z) THEN
    RETURN CONCAT(LPAD(CAST(x AS CHAR), 40, ' '), LPAD(CAST(y AS CHAR), 40, ' '), LPAD(CAST(z AS CHAR), 40, ' '));
  END IF;
  RETURN '';
END $$

-- Whether some boundary point of shape a (its extra points, the starts of its pieces) is near shape b.
CREATE OR REPLACE FUNCTION tap_region__boundary_near(a MEDIUMBLOB, b MEDIUMBLOB)
RETURNS INT DETERMINISTIC NO SQL
BEGIN
  DECLARE i, n, p INT;
  DECLARE pt VARBINARY(120);
  SET n = CAST(SUBSTRING(a, 40 * 2 + 1, 40) AS DOUBLE), i = 0;
  WHILE i < n DO
    IF tap_region__near(b, CAST(SUBSTRING(a, 40 * (17 + 3 * i) + 1, 40) AS DOUBLE), CAST(SUBSTRING(a, 40 * (18 + 3 * i) + 1, 40) AS DOUBLE), CAST(SUBSTRING(a, 40 * (19 + 3 * i) + 1, 40) AS DOUBLE)) THEN
      RETURN 1;
    END IF;
    SET i = i + 1;
  END WHILE;
  SET n = CAST(SUBSTRING(a, 40 * 1 + 1, 40) AS DOUBLE), i = 0;
  WHILE i < n DO
    SET p = tap_region__piece_at(a, i);
    SET pt = SUBSTRING(a, 40 * (p + 15) + 1, 120);
    IF tap_region__near(b, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE)) THEN RETURN 1; END IF;
    SET i = i + 1;
  END WHILE;
  RETURN 0;
END $$

-- shapesIntersect.
CREATE OR REPLACE FUNCTION tap_region__intersects(a MEDIUMBLOB, b MEDIUMBLOB)
RETURNS INT DETERMINISTIC NO SQL
BEGIN
  DECLARE i, j, na, nb INT;
  IF CAST(SUBSTRING(a, 40 * 0 + 1, 40) AS DOUBLE) = 5 OR CAST(SUBSTRING(b, 40 * 0 + 1, 40) AS DOUBLE) = 5 THEN RETURN 1; END IF;
  IF tap_region__boundary_near(a, b) OR tap_region__boundary_near(b, a) THEN RETURN 1; END IF;
  SET na = CAST(SUBSTRING(a, 40 * 1 + 1, 40) AS DOUBLE), nb = CAST(SUBSTRING(b, 40 * 1 + 1, 40) AS DOUBLE), i = 0;
  WHILE i < na DO
    SET j = 0;
    WHILE j < nb DO
      IF tap_region__meet(a, tap_region__piece_at(a, i), b, tap_region__piece_at(b, j)) <> '' THEN RETURN 1; END IF;
      SET j = j + 1;
    END WHILE;
    SET i = i + 1;
  END WHILE;
  RETURN 0;
END $$

-- clampOffset: a point's offset along the piece, folded into [0, span].
CREATE OR REPLACE FUNCTION tap_region__clamp_offset(s MEDIUMBLOB, b INT, x DOUBLE, y DOUBLE, z DOUBLE)
RETURNS DOUBLE DETERMINISTIC NO SQL
BEGIN
  DECLARE t, span DOUBLE;
  SET t = tap_region__offset(s, b, x, y, z), span = CAST(SUBSTRING(s, 40 * (b + 14) + 1, 40) AS DOUBLE);
  IF span >= 2e0 * PI() THEN RETURN t; END IF;
  IF t > span THEN RETURN IF(t > (span + 2e0 * PI()) / 2e0, 0e0, span); END IF;
  RETURN t;
END $$

-- shapeWithin: whether every point of a is in b.
CREATE OR REPLACE FUNCTION tap_region__within(a MEDIUMBLOB, b MEDIUMBLOB)
RETURNS INT DETERMINISTIC NO SQL
BEGIN
  DECLARE i, j, k, na, nb, nc, p, q INT;
  DECLARE cuts, meets MEDIUMBLOB;
  DECLARE pt VARBINARY(120);
  DECLARE cur, nxt, c, phi0 DOUBLE;
  IF CAST(SUBSTRING(b, 40 * 0 + 1, 40) AS DOUBLE) = 5 THEN RETURN 1; END IF;
  IF CAST(SUBSTRING(a, 40 * 0 + 1, 40) AS DOUBLE) = 5 THEN RETURN 0; END IF;
  SET k = CAST(SUBSTRING(a, 40 * 2 + 1, 40) AS DOUBLE), i = 0;
  WHILE i < k DO
    IF NOT tap_region__near(b, CAST(SUBSTRING(a, 40 * (17 + 3 * i) + 1, 40) AS DOUBLE), CAST(SUBSTRING(a, 40 * (18 + 3 * i) + 1, 40) AS DOUBLE), CAST(SUBSTRING(a, 40 * (19 + 3 * i) + 1, 40) AS DOUBLE)) THEN
      RETURN 0;
    END IF;
    SET i = i + 1;
  END WHILE;
  SET na = CAST(SUBSTRING(a, 40 * 1 + 1, 40) AS DOUBLE), nb = CAST(SUBSTRING(b, 40 * 1 + 1, 40) AS DOUBLE), i = 0;
  WHILE i < na DO
    SET p = tap_region__piece_at(a, i), phi0 = CAST(SUBSTRING(a, 40 * (p + 13) + 1, 40) AS DOUBLE);
    SET cuts = CONCAT(LPAD(CAST(0e0 AS CHAR), 40, ' '), LPAD(CAST(CAST(SUBSTRING(a, 40 * (p + 14) + 1, 40) AS DOUBLE) AS CHAR), 40, ' '));
    SET j = 0;
    WHILE j < nb DO
      SET q = tap_region__piece_at(b, j);
      SET meets = tap_region__meet(a, p, b, q), k = 0;
      WHILE k < CHAR_LENGTH(meets) DIV 120 DO
        SET cuts = CONCAT(cuts, LPAD(CAST(tap_region__clamp_offset(a, p,
          CAST(SUBSTRING(meets, 40 * (3 * k) + 1, 40) AS DOUBLE), CAST(SUBSTRING(meets, 40 * (3 * k + 1) + 1, 40) AS DOUBLE), CAST(SUBSTRING(meets, 40 * (3 * k + 2) + 1, 40) AS DOUBLE)) AS CHAR), 40, ' '));
        SET k = k + 1;
      END WHILE;
      SET k = 0;
      WHILE k < 2 DO
        SET pt = SUBSTRING(b, 40 * (q + IF(k = 0, 15, 18)) + 1, 120);
        IF tap_region__on_circle(a, p, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE))
           AND tap_region__in_arc(a, p, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE)) THEN
          SET cuts = CONCAT(cuts, LPAD(CAST(tap_region__clamp_offset(a, p, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE)) AS CHAR), 40, ' '));
        END IF;
        SET k = k + 1;
      END WHILE;
      SET j = j + 1;
    END WHILE;
    SET k = CAST(SUBSTRING(b, 40 * 2 + 1, 40) AS DOUBLE), j = 0;
    WHILE j < k DO
      IF tap_region__on_circle(a, p, CAST(SUBSTRING(b, 40 * (17 + 3 * j) + 1, 40) AS DOUBLE), CAST(SUBSTRING(b, 40 * (18 + 3 * j) + 1, 40) AS DOUBLE), CAST(SUBSTRING(b, 40 * (19 + 3 * j) + 1, 40) AS DOUBLE))
         AND tap_region__in_arc(a, p, CAST(SUBSTRING(b, 40 * (17 + 3 * j) + 1, 40) AS DOUBLE), CAST(SUBSTRING(b, 40 * (18 + 3 * j) + 1, 40) AS DOUBLE), CAST(SUBSTRING(b, 40 * (19 + 3 * j) + 1, 40) AS DOUBLE)) THEN
        SET cuts = CONCAT(cuts, LPAD(CAST(tap_region__clamp_offset(a, p,
          CAST(SUBSTRING(b, 40 * (17 + 3 * j) + 1, 40) AS DOUBLE), CAST(SUBSTRING(b, 40 * (18 + 3 * j) + 1, 40) AS DOUBLE), CAST(SUBSTRING(b, 40 * (19 + 3 * j) + 1, 40) AS DOUBLE)) AS CHAR), 40, ' '));
      END IF;
      SET j = j + 1;
    END WHILE;
    -- The cuts in increasing order (sky sorts them; visiting the distinct values in order is the same
    -- test): each cut point, and the midpoint to the next larger cut, must be near b.
    SET nc = CHAR_LENGTH(cuts) DIV 40;
    SET cur = 0e0, k = 0;
    WHILE k < nc DO
      IF CAST(SUBSTRING(cuts, 40 * k + 1, 40) AS DOUBLE) < cur THEN SET cur = CAST(SUBSTRING(cuts, 40 * k + 1, 40) AS DOUBLE); END IF;
      SET k = k + 1;
    END WHILE;
    cutLoop: LOOP
      SET pt = tap_region__at(a, p, phi0 + cur);
      IF NOT tap_region__near(b, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE)) THEN RETURN 0; END IF;
      SET nxt = NULL, k = 0;
      WHILE k < nc DO
        SET c = CAST(SUBSTRING(cuts, 40 * k + 1, 40) AS DOUBLE);
        IF c > cur AND (nxt IS NULL OR c < nxt) THEN SET nxt = c; END IF;
        SET k = k + 1;
      END WHILE;
      IF nxt IS NULL THEN LEAVE cutLoop; END IF;
      SET pt = tap_region__at(a, p, phi0 + (cur + nxt) / 2e0);
      IF NOT tap_region__near(b, CAST(SUBSTRING(pt, 40 * 0 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 1 + 1, 40) AS DOUBLE), CAST(SUBSTRING(pt, 40 * 2 + 1, 40) AS DOUBLE)) THEN RETURN 0; END IF;
      SET cur = nxt;
    END LOOP cutLoop;
    SET i = i + 1;
  END WHILE;
  SET k = CAST(SUBSTRING(b, 40 * 3 + 1, 40) AS DOUBLE), j = 0;
  WHILE j < k DO
    IF tap_region__near(a, CAST(SUBSTRING(b, 40 * (17 + 3 * (CAST(SUBSTRING(b, 40 * 2 + 1, 40) AS DOUBLE) + j)) + 1, 40) AS DOUBLE), CAST(SUBSTRING(b, 40 * (18 + 3 * (CAST(SUBSTRING(b, 40 * 2 + 1, 40) AS DOUBLE) + j)) + 1, 40) AS DOUBLE),
        CAST(SUBSTRING(b, 40 * (19 + 3 * (CAST(SUBSTRING(b, 40 * 2 + 1, 40) AS DOUBLE) + j)) + 1, 40) AS DOUBLE)) THEN
      RETURN 0;
    END IF;
    SET j = j + 1;
  END WHILE;
  RETURN 1;
END $$

-- ---- Caches -------------------------------------------------------------------------------------------
-- A query usually compares a column with a constant region, which then arrives on every row. The parsed
-- value and the shape of the last two distinct arguments are kept in session variables (@tap_region_*),
-- keyed by the exact bytes of (xtype, value); a hit in the second slot moves it to the first, so a
-- constant survives a column whose value changes on every row.

CREATE OR REPLACE FUNCTION tap_region__parsed(xtype VARCHAR(64), val MEDIUMTEXT)
RETURNS MEDIUMBLOB DETERMINISTIC NO SQL
BEGIN
  DECLARE k, r MEDIUMBLOB;
  IF xtype IS NULL OR val IS NULL THEN RETURN NULL; END IF;
  SET k = CONCAT(CHAR_LENGTH(xtype), ':', xtype, val);
  IF BINARY @tap_region_pk1 = BINARY k THEN RETURN @tap_region_pv1; END IF;
  IF BINARY @tap_region_pk2 = BINARY k THEN
    SET r = @tap_region_pv2;
    SET @tap_region_pk2 = @tap_region_pk1, @tap_region_pv2 = @tap_region_pv1, @tap_region_pk1 = k, @tap_region_pv1 = r;
    RETURN r;
  END IF;
  SET r = tap_region__parse(xtype, val);
  SET @tap_region_pk2 = @tap_region_pk1, @tap_region_pv2 = @tap_region_pv1, @tap_region_pk1 = k, @tap_region_pv1 = r;
  RETURN r;
END $$

CREATE OR REPLACE FUNCTION tap_region__shaped(xtype VARCHAR(64), val MEDIUMTEXT)
RETURNS MEDIUMBLOB DETERMINISTIC NO SQL
BEGIN
  DECLARE k, r MEDIUMBLOB;
  IF xtype IS NULL OR val IS NULL THEN RETURN NULL; END IF;
  SET k = CONCAT(CHAR_LENGTH(xtype), ':', xtype, val);
  IF BINARY @tap_region_sk1 = BINARY k THEN RETURN @tap_region_sv1; END IF;
  IF BINARY @tap_region_sk2 = BINARY k THEN
    SET r = @tap_region_sv2;
    SET @tap_region_sk2 = @tap_region_sk1, @tap_region_sv2 = @tap_region_sv1, @tap_region_sk1 = k, @tap_region_sv1 = r;
    RETURN r;
  END IF;
  SET r = tap_region__shape(tap_region__parsed(xtype, val));
  SET @tap_region_sk2 = @tap_region_sk1, @tap_region_sv2 = @tap_region_sv1, @tap_region_sk1 = k, @tap_region_sv1 = r;
  RETURN r;
END $$

-- ---- The functions ---------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION tap_region_contains_point(xtype VARCHAR(64), val MEDIUMTEXT, lon DOUBLE, lat DOUBLE)
RETURNS INTEGER DETERMINISTIC NO SQL
COMMENT 'whether (lon, lat) is inside or on the edge of the region (qserv-tap)'
BEGIN
  DECLARE r MEDIUMBLOB;
  DECLARE kind, n, i, j INT;
  DECLARE cl, px, py, pz, cx, cy, cz, ax, ay, az, bx, by_, bz, ex, ey, ez, e0x, e0y, e0z, sx, sy, sz, dx, dy, dz, s, rad DOUBLE;
  DECLARE l0, w, lon2, d DOUBLE;
  DECLARE seenNeg, seenPos BOOLEAN DEFAULT FALSE;
  IF xtype IS NULL OR val IS NULL OR lon IS NULL OR lat IS NULL THEN RETURN 0; END IF;
  SET r = tap_region__parsed(xtype, val);
  IF r IS NULL OR lat < -90 OR lat > 90 THEN RETURN NULL; END IF;
  SET kind = CAST(SUBSTRING(r, 40 * 0 + 1, 40) AS DOUBLE);
  IF kind = 4 THEN
    -- RangeRegion.contains
    SET ax = CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE), lon2 = CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE), ay = CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE), az = CAST(SUBSTRING(r, 40 * 4 + 1, 40) AS DOUBLE);
    IF lon2 - ax >= 360 THEN SET l0 = 0e0, w = 360e0;
    ELSE SET l0 = tap_region__reduce_deg(ax), w = tap_region__reduce_deg(lon2 - ax);
    END IF;
    IF NOT (lat >= ay AND lat <= az) THEN RETURN 0; END IF;
    IF w >= 360 OR lat = 90 OR lat = -90 THEN RETURN 1; END IF;
    RETURN tap_region__reduce_deg(lon - l0) <= w;
  END IF;
  SET cl = COS(lat * 0.017453292519943295e0);
  SET px = COS(lon * 0.017453292519943295e0) * cl, py = SIN(lon * 0.017453292519943295e0) * cl,
      pz = SIN(lat * 0.017453292519943295e0);
  IF kind = 1 OR kind = 2 THEN
    SET ax = CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE), ay = CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE);
    SET cl = COS(ay * 0.017453292519943295e0);
    SET cx = COS(ax * 0.017453292519943295e0) * cl, cy = SIN(ax * 0.017453292519943295e0) * cl,
        cz = SIN(ay * 0.017453292519943295e0);
    IF kind = 1 THEN
      -- PointRegion.contains: angularSeparation(p, v) <= EPS in degrees.
      RETURN tap_region__angle(cx, cy, cz, px, py, pz) * 57.29577951308232e0 <= 1e-12 * 57.29577951308232e0;
    END IF;
    -- CircleRegion.contains: squared chords.
    SET rad = CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE);
    IF rad >= 180 THEN RETURN 1; END IF;
    SET s = SIN(rad * 0.017453292519943295e0 * 0.5e0);
    SET dx = px - cx, dy = py - cy, dz = pz - cz;
    RETURN dx * dx + dy * dy + dz * dz <= 4e0 * s * s * (1e0 + 1e-15);
  END IF;
  -- PolygonRegion.contains: insideEdgePlanes of edgePlanes.
  SET n = (CHAR_LENGTH(r) DIV 40 - 1) DIV 2;
  SET sx = 0e0, sy = 0e0, sz = 0e0, i = 0;
  WHILE i < n DO
    IF i = 0 THEN
      SET cl = COS(CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
      SET ax = COS(CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl, ay = SIN(CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl,
          az = SIN(CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
      SET cx = ax, cy = ay, cz = az;
    ELSE
      SET ax = bx, ay = by_, az = bz;
    END IF;
    IF i = n - 1 THEN
      SET bx = cx, by_ = cy, bz = cz;
    ELSE
      SET j = i + 1;
      SET cl = COS(CAST(SUBSTRING(r, 40 * (2 + 2 * j) + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
      SET bx = COS(CAST(SUBSTRING(r, 40 * (1 + 2 * j) + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl, by_ = SIN(CAST(SUBSTRING(r, 40 * (1 + 2 * j) + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl,
          bz = SIN(CAST(SUBSTRING(r, 40 * (2 + 2 * j) + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
    END IF;
    SET ex = (by_ + ay) * (bz - az) - (bz + az) * (by_ - ay);
    SET ey = (bz + az) * (bx - ax) - (bx + ax) * (bz - az);
    SET ez = (bx + ax) * (by_ - ay) - (by_ + ay) * (bx - ax);
    IF i = 0 THEN SET e0x = ex, e0y = ey, e0z = ez; END IF;
    SET sx = sx + ax, sy = sy + ay, sz = sz + az;
    SET d = px * ex + py * ey + pz * ez;
    IF d < 0 THEN SET seenNeg = TRUE; ELSEIF d > 0 THEN SET seenPos = TRUE; END IF;
    SET i = i + 1;
  END WHILE;
  IF sx * e0x + sy * e0y + sz * e0z < 0 THEN RETURN NOT seenPos; END IF;
  RETURN NOT seenNeg;
END $$

CREATE OR REPLACE FUNCTION tap_region_intersects(xtypeA VARCHAR(64), valA MEDIUMTEXT, xtypeB VARCHAR(64), valB MEDIUMTEXT)
RETURNS INTEGER DETERMINISTIC NO SQL
COMMENT 'whether the regions share a point, edges included (qserv-tap)'
BEGIN
  DECLARE a, b MEDIUMBLOB;
  IF xtypeA IS NULL OR valA IS NULL OR xtypeB IS NULL OR valB IS NULL THEN RETURN 0; END IF;
  SET a = tap_region__shaped(xtypeA, valA), b = tap_region__shaped(xtypeB, valB);
  IF a IS NULL OR b IS NULL THEN RETURN NULL; END IF;
  RETURN tap_region__intersects(a, b);
END $$

CREATE OR REPLACE FUNCTION tap_region_within(xtypeA VARCHAR(64), valA MEDIUMTEXT, xtypeB VARCHAR(64), valB MEDIUMTEXT)
RETURNS INTEGER DETERMINISTIC NO SQL
COMMENT 'whether every point of region A is in region B: ADQL CONTAINS(A, B) (qserv-tap)'
BEGIN
  DECLARE a, b MEDIUMBLOB;
  IF xtypeA IS NULL OR valA IS NULL OR xtypeB IS NULL OR valB IS NULL THEN RETURN 0; END IF;
  SET a = tap_region__shaped(xtypeA, valA), b = tap_region__shaped(xtypeB, valB);
  IF a IS NULL OR b IS NULL THEN RETURN NULL; END IF;
  RETURN tap_region__within(a, b);
END $$

-- The area in steradians of a parsed region (each region class's area()).
CREATE OR REPLACE FUNCTION tap_region__area_sr(r MEDIUMBLOB)
RETURNS DOUBLE DETERMINISTIC NO SQL
BEGIN
  DECLARE kind, n, i INT;
  DECLARE s, lon1, lon2, w, cl, ax, ay, az, bx, by_, bz, cx, cy, cz, tx, ty, tz, total DOUBLE;
  SET kind = CAST(SUBSTRING(r, 40 * 0 + 1, 40) AS DOUBLE);
  IF kind = 1 THEN RETURN 0e0; END IF;
  IF kind = 2 THEN
    SET s = SIN(CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE) * 0.017453292519943295e0 * 0.5e0);
    RETURN PI() * (4e0 * s * s);
  END IF;
  IF kind = 4 THEN
    SET lon1 = CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE), lon2 = CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE);
    SET w = IF(lon2 - lon1 >= 360, 360e0, tap_region__reduce_deg(lon2 - lon1));
    RETURN w * 0.017453292519943295e0 * (SIN(CAST(SUBSTRING(r, 40 * 4 + 1, 40) AS DOUBLE) * 0.017453292519943295e0) - SIN(CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE) * 0.017453292519943295e0));
  END IF;
  -- A polygon: the fan triangles' spherical excesses, tan(E/2) = |a·(b×c)| / (1 + a·b + b·c + c·a).
  SET n = (CHAR_LENGTH(r) DIV 40 - 1) DIV 2;
  SET cl = COS(CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
  SET ax = COS(CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl, ay = SIN(CAST(SUBSTRING(r, 40 * 1 + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl,
      az = SIN(CAST(SUBSTRING(r, 40 * 2 + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
  SET cl = COS(CAST(SUBSTRING(r, 40 * 4 + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
  SET cx = COS(CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl, cy = SIN(CAST(SUBSTRING(r, 40 * 3 + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl,
      cz = SIN(CAST(SUBSTRING(r, 40 * 4 + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
  SET total = 0e0, i = 1;
  WHILE i + 1 < n DO
    SET bx = cx, by_ = cy, bz = cz;
    SET cl = COS(CAST(SUBSTRING(r, 40 * (2 + 2 * (i + 1)) + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
    SET cx = COS(CAST(SUBSTRING(r, 40 * (1 + 2 * (i + 1)) + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl,
        cy = SIN(CAST(SUBSTRING(r, 40 * (1 + 2 * (i + 1)) + 1, 40) AS DOUBLE) * 0.017453292519943295e0) * cl,
        cz = SIN(CAST(SUBSTRING(r, 40 * (2 + 2 * (i + 1)) + 1, 40) AS DOUBLE) * 0.017453292519943295e0);
    SET tx = by_ * cz - bz * cy, ty = bz * cx - bx * cz, tz = bx * cy - by_ * cx;
    SET total = total + 2e0 * ATAN2(ABS(ax * tx + ay * ty + az * tz),
      1e0 + (ax * bx + ay * by_ + az * bz) + (bx * cx + by_ * cy + bz * cz) + (cx * ax + cy * ay + cz * az));
    SET i = i + 1;
  END WHILE;
  RETURN total;
END $$

CREATE OR REPLACE FUNCTION tap_region_area(xtype VARCHAR(64), val MEDIUMTEXT)
RETURNS DOUBLE DETERMINISTIC NO SQL
COMMENT 'the area of the region in square degrees (qserv-tap)'
BEGIN
  DECLARE r MEDIUMBLOB DEFAULT tap_region__parsed(xtype, val);
  IF r IS NULL THEN RETURN NULL; END IF;
  RETURN tap_region__area_sr(r) * 57.29577951308232e0 * 57.29577951308232e0;
END $$

-- The direction of a moment vector as two slots (lon, lat), or NULL when it vanishes beside the size.
CREATE OR REPLACE FUNCTION tap_region__direction(x DOUBLE, y DOUBLE, z DOUBLE, size DOUBLE)
RETURNS VARBINARY(80) DETERMINISTIC NO SQL
BEGIN
  DECLARE len DOUBLE DEFAULT SQRT(x * x + y * y + z * z);
  IF NOT (len > 1e-9 * size) OR len = 0 THEN RETURN NULL; END IF;
  RETURN CONCAT(LPAD(CAST(IF(x = 0 AND y = 0, 0e0, tap_region__reduce_deg(ATAN2(y, x) * 57.29577951308232e0)) AS CHAR), 40, ' '),
    LPAD(CAST(ATAN2(z, SQRT(x * x + y * y)) * 57.29577951308232e0 AS CHAR), 40, ' '));
END $$

-- The centroid (lon, lat) of a parsed region as two slots, or NULL where sky gives NaN (regions.ts
-- centroid(): a point's or circle's is its centre; a polygon's is the direction of polygonMoment, a
-- range's of rangeMoment, a range without area's of lineMoment along its pieces).
CREATE OR REPLACE FUNCTION tap_region__centroid(r MEDIUMBLOB)
RETURNS VARBINARY(80) DETERMINISTIC NO SQL
BEGIN
  DECLARE kind, np, n, i, j, b INT;
  DECLARE sh, verts, loc MEDIUMBLOB DEFAULT '';
  DECLARE sx, sy, sz, f0, f1, cw, su, a, c, rho, d, span, area, lon1, lon2, l0, w, lat1, lat2 DOUBLE;
  DECLARE lon, lat, cl, ax, ay, az, bx, by_, bz, mx, my, mz, len, ux, uy, uz, wx, wy, wz, xi, eta, t2, e0x, e0y, e0z DOUBLE;
  DECLARE cx, cy, cz, ex, ey, th, mid, k DOUBLE;
  IF r IS NULL THEN RETURN NULL; END IF;
  SET kind = CAST(SUBSTRING(r, 1, 40) AS DOUBLE);
  IF kind = 1 OR kind = 2 THEN
    RETURN CONCAT(LPAD(CAST(tap_region__reduce_deg(CAST(SUBSTRING(r, 41, 40) AS DOUBLE)) AS CHAR), 40, ' '), LPAD(CAST(CAST(SUBSTRING(r, 81, 40) AS DOUBLE) AS CHAR), 40, ' '));
  END IF;
  SET area = tap_region__area_sr(r);
  IF kind = 3 THEN
    -- polygonMoment: the edge terms in a frame (u, w, m) at the vertices' mean direction m, each vertex as
    -- m + d with d's radial part computed from its tangential part, so that small polygons keep precision.
    SET n = (CHAR_LENGTH(r) DIV 40 - 1) DIV 2;
    SET mx = 0e0, my = 0e0, mz = 0e0, i = 0;
    WHILE i < n DO
      SET lon = CAST(SUBSTRING(r, 40 * (1 + 2 * i) + 1, 40) AS DOUBLE), lat = CAST(SUBSTRING(r, 40 * (2 + 2 * i) + 1, 40) AS DOUBLE);
      SET cl = COS(lat * 0.017453292519943295e0);
      SET ax = COS(lon * 0.017453292519943295e0) * cl, ay = SIN(lon * 0.017453292519943295e0) * cl, az = SIN(lat * 0.017453292519943295e0);
      SET verts = CONCAT(verts, CONCAT(LPAD(CAST(ax AS CHAR), 40, ' '), LPAD(CAST(ay AS CHAR), 40, ' '), LPAD(CAST(az AS CHAR), 40, ' ')));
      IF i = 0 THEN SET bx = ax, by_ = ay, bz = az; END IF;
      IF i = 1 THEN
        -- edgePlanes' first edge, for the orientation.
        SET e0x = (ay + by_) * (az - bz) - (az + bz) * (ay - by_);
        SET e0y = (az + bz) * (ax - bx) - (ax + bx) * (az - bz);
        SET e0z = (ax + bx) * (ay - by_) - (ay + by_) * (ax - bx);
      END IF;
      SET mx = mx + ax, my = my + ay, mz = mz + az;
      SET i = i + 1;
    END WHILE;
    SET k = IF(mx * e0x + my * e0y + mz * e0z < 0, -0.5e0, 0.5e0);
    SET len = SQRT(mx * mx + my * my + mz * mz);
    SET mx = mx / len, my = my / len, mz = mz / len;
    -- basisAt(m)
    IF ABS(mx) < 0.9e0 THEN
      SET ax = 0e0 * mz - 0e0 * my, ay = 0e0 * mx - 1e0 * mz, az = 1e0 * my - 0e0 * mx;
    ELSE
      SET ax = 1e0 * mz - 0e0 * my, ay = 0e0 * mx - 0e0 * mz, az = 0e0 * my - 1e0 * mx;
    END IF;
    SET len = SQRT(ax * ax + ay * ay + az * az);
    SET ux = ax / len, uy = ay / len, uz = az / len;
    SET wx = my * uz - mz * uy, wy = mz * ux - mx * uz, wz = mx * uy - my * ux;
    SET i = 0;
    WHILE i < n DO
      SET ax = CAST(SUBSTRING(verts, 40 * (3 * i) + 1, 40) AS DOUBLE), ay = CAST(SUBSTRING(verts, 40 * (3 * i + 1) + 1, 40) AS DOUBLE),
          az = CAST(SUBSTRING(verts, 40 * (3 * i + 2) + 1, 40) AS DOUBLE);
      SET xi = ax * ux + ay * uy + az * uz, eta = ax * wx + ay * wy + az * wz, c = ax * mx + ay * my + az * mz;
      SET t2 = xi * xi + eta * eta;
      SET loc = CONCAT(loc, CONCAT(LPAD(CAST(xi AS CHAR), 40, ' '), LPAD(CAST(eta AS CHAR), 40, ' '), LPAD(CAST(IF(c > 0.5e0, -t2 / (1e0 + SQRT(GREATEST(0e0, 1e0 - t2))), c - 1e0) AS CHAR), 40, ' ')));
      SET i = i + 1;
    END WHILE;
    SET sx = 0e0, sy = 0e0, sz = 0e0, i = 0;
    WHILE i < n DO
      SET j = (i + 1) % n;
      SET ax = CAST(SUBSTRING(loc, 40 * (3 * i) + 1, 40) AS DOUBLE), ay = CAST(SUBSTRING(loc, 40 * (3 * i + 1) + 1, 40) AS DOUBLE),
          az = CAST(SUBSTRING(loc, 40 * (3 * i + 2) + 1, 40) AS DOUBLE);
      SET bx = CAST(SUBSTRING(loc, 40 * (3 * j) + 1, 40) AS DOUBLE), by_ = CAST(SUBSTRING(loc, 40 * (3 * j + 1) + 1, 40) AS DOUBLE),
          bz = CAST(SUBSTRING(loc, 40 * (3 * j + 2) + 1, 40) AS DOUBLE);
      SET cx = ay * bz - az * by_, cy = az * bx - ax * bz, cz = ax * by_ - ay * bx;
      SET ex = -(by_ - ay), ey = bx - ax;
      SET th = tap_region__angle(
        CAST(SUBSTRING(verts, 40 * (3 * i) + 1, 40) AS DOUBLE), CAST(SUBSTRING(verts, 40 * (3 * i + 1) + 1, 40) AS DOUBLE),
        CAST(SUBSTRING(verts, 40 * (3 * i + 2) + 1, 40) AS DOUBLE), CAST(SUBSTRING(verts, 40 * (3 * j) + 1, 40) AS DOUBLE),
        CAST(SUBSTRING(verts, 40 * (3 * j + 1) + 1, 40) AS DOUBLE), CAST(SUBSTRING(verts, 40 * (3 * j + 2) + 1, 40) AS DOUBLE));
      SET f1 = IF(th < 1e-3, (th * th) / 6e0 + (7e0 * POW(th, 4)) / 360e0, th / SIN(th) - 1e0);
      -- The plain m × (d[i+1] − d[i]) terms sum to exactly 0 and are left out, as sky does.
      SET sx = sx + (cx + f1 * (ex + cx));
      SET sy = sy + (cy + f1 * (ey + cy));
      SET sz = sz + (cz + f1 * (0e0 + cz));
      SET i = i + 1;
    END WHILE;
    RETURN tap_region__direction(k * (sx * ux + sy * wx + sz * mx), k * (sx * uy + sy * wy + sz * my), k * (sx * uz + sy * wz + sz * mz), area);
  END IF;
  -- A range.
  SET sh = tap_region__shape(r);
  SET lon1 = CAST(SUBSTRING(r, 41, 40) AS DOUBLE), lon2 = CAST(SUBSTRING(r, 81, 40) AS DOUBLE);
  SET lat1 = CAST(SUBSTRING(r, 121, 40) AS DOUBLE), lat2 = CAST(SUBSTRING(r, 161, 40) AS DOUBLE);
  IF lon2 - lon1 >= 360 THEN SET l0 = 0e0, w = 360e0;
  ELSE SET l0 = tap_region__reduce_deg(lon1), w = tap_region__reduce_deg(lon2 - lon1);
  END IF;
  IF CAST(SUBSTRING(sh, 41, 40) AS DOUBLE) = 0 THEN
    IF CAST(SUBSTRING(sh, 1, 40) AS DOUBLE) = 5 THEN RETURN NULL; END IF;
    RETURN CONCAT(LPAD(CAST(l0 AS CHAR), 40, ' '), LPAD(CAST(lat1 AS CHAR), 40, ' '));
  END IF;
  IF area > 0 THEN
    -- rangeMoment: in closed form, sums of sines and cosines written as products.
    SET f0 = lat1 * 0.017453292519943295e0, f1 = lat2 * 0.017453292519943295e0;
    SET c = (f1 - f0 + COS(f0 + f1) * SIN(f1 - f0)) / 2e0;
    SET a = (SIN(f1 - f0) * SIN(f0 + f1)) / 2e0;
    SET sz = a * w * 0.017453292519943295e0;
    IF w >= 360 THEN RETURN tap_region__direction(0e0, 0e0, sz, area); END IF;
    SET mid = (l0 + w / 2e0) * 0.017453292519943295e0;
    SET d = 2e0 * SIN((w / 2e0) * 0.017453292519943295e0);
    RETURN tap_region__direction(c * d * COS(mid), c * d * SIN(mid), sz, area);
  END IF;
  -- lineMoment along the pieces of a range without area.
  SET np = CAST(SUBSTRING(sh, 41, 40) AS DOUBLE), sx = 0e0, sy = 0e0, sz = 0e0, i = 0;
  WHILE i < np DO
    SET b = tap_region__piece_at(sh, i);
    SET rho = CAST(SUBSTRING(sh, 40 * (b + 5) + 1, 40) AS DOUBLE), d = CAST(SUBSTRING(sh, 40 * (b + 3) + 1, 40) AS DOUBLE),
        span = CAST(SUBSTRING(sh, 40 * (b + 14) + 1, 40) AS DOUBLE);
    SET f0 = CAST(SUBSTRING(sh, 40 * (b + 13) + 1, 40) AS DOUBLE);
    SET f1 = f0 + span;
    SET su = SIN(f1) - SIN(f0), cw = COS(f0) - COS(f1);
    SET a = rho * d * span, c = rho * rho;
    SET sx = sx + (a * CAST(SUBSTRING(sh, 40 * b + 1, 40) AS DOUBLE) + c * (su * CAST(SUBSTRING(sh, 40 * (b + 7) + 1, 40) AS DOUBLE) + cw * CAST(SUBSTRING(sh, 40 * (b + 10) + 1, 40) AS DOUBLE)));
    SET sy = sy + (a * CAST(SUBSTRING(sh, 40 * (b + 1) + 1, 40) AS DOUBLE) + c * (su * CAST(SUBSTRING(sh, 40 * (b + 8) + 1, 40) AS DOUBLE) + cw * CAST(SUBSTRING(sh, 40 * (b + 11) + 1, 40) AS DOUBLE)));
    SET sz = sz + (a * CAST(SUBSTRING(sh, 40 * (b + 2) + 1, 40) AS DOUBLE) + c * (su * CAST(SUBSTRING(sh, 40 * (b + 9) + 1, 40) AS DOUBLE) + cw * CAST(SUBSTRING(sh, 40 * (b + 12) + 1, 40) AS DOUBLE)));
    SET i = i + 1;
  END WHILE;
  RETURN tap_region__direction(sx, sy, sz, 1e-300);
END $$

CREATE OR REPLACE FUNCTION tap_region_centroid_ra(xtype VARCHAR(64), val MEDIUMTEXT)
RETURNS DOUBLE DETERMINISTIC NO SQL
COMMENT 'the right ascension of the centroid of the region, degrees (qserv-tap)'
RETURN CAST(SUBSTRING(tap_region__centroid(tap_region__parsed(xtype, val)), 40 * 0 + 1, 40) AS DOUBLE) $$

CREATE OR REPLACE FUNCTION tap_region_centroid_dec(xtype VARCHAR(64), val MEDIUMTEXT)
RETURNS DOUBLE DETERMINISTIC NO SQL
COMMENT 'the declination of the centroid of the region, degrees (qserv-tap)'
RETURN CAST(SUBSTRING(tap_region__centroid(tap_region__parsed(xtype, val)), 40 * 1 + 1, 40) AS DOUBLE) $$

DELIMITER ;
