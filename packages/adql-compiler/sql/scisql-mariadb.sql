-- scisql-compatible spherical functions for MariaDB and MySQL, as SQL stored functions, for
-- servers without the scisql UDF plugin (our MariaDB backend and its tests). Qserv has the real
-- scisql; never install this there.
--
-- Names and results follow scisql (qserv/README §b): the predicates return 1/0, any NULL
-- argument gives 0, a latitude outside [-90, 90] or an invalid shape gives NULL; angSep gives
-- NULL for any NULL or a bad latitude. Boundaries are inclusive. The arithmetic repeats the
-- TypeScript reference (src/geometry/scisql.ts, and @qserv-tap/sky's vector.ts and polygon.ts) operation for operation,
-- so both round identically; 0.017453292519943295e0 and 57.29577951308232e0 are scisql's
-- RAD_PER_DEG and DEG_PER_RAD.
--
-- What differs from scisql:
-- - scisql_angSep has only the 4-argument (lon, lat) form, not the (x, y, z) vector form.
-- - scisql_s2PtInCPoly cannot take a variable number of arguments here (stored functions have a
--   fixed arity and no overloading). Its third argument is either scisql's binary polygon (what
--   scisql_s2CPolyToBin returns, as scisql's 3-argument form takes it; our loaders store it in a
--   region column's `_scisql` column, see src/geometry/scisql-binary.ts for the layout) or ONE
--   string of vertex coordinates, 'lon1 lat1 lon2 lat2 ...' (spaces and/or commas):
--       scisql_s2PtInCPoly(ra, decl, '10 20 30 20 20 30') = 1
--       scisql_s2PtInCPoly(ra, decl, s_region_scisql) = 1
--   A value made only of the characters of a number list (digits, + - . e E, commas, white
--   space) is the coordinate string; any other value is the binary polygon. The two cannot be
--   confused: a valid binary polygon holds its vertex sum as doubles between 2^-54 and 4 in
--   magnitude (or 0), and the high byte of each of those is 0x3C-0x40, 0xBC-0xC0 or 0x00, none
--   of them a character of a number list. As in scisql, a binary polygon whose length is not
--   24·(N+1) with N in 3..20 gives NULL; a non-finite double in it gives NULL as well.
--   For vertices that are expressions, build the string so that a NULL vertex makes it NULL
--   (CONCAT, not CONCAT_WS, which skips NULLs) and doubles print exactly:
--       scisql_s2PtInCPoly(ra, decl, CONCAT(CAST(a AS DOUBLE), ' ', CAST(b AS DOUBLE), ...))
--   A wrong vertex count (not 3..20, or an odd number of coordinates) fails the statement with
--   scisql's message, as scisql fails at initialisation; a string that is not a list of
--   numbers gives NULL, as scisql does for a malformed binary polygon.
-- - scisql_s2PtInCircle always compares squared chord lengths (scisql does so for a constant
--   radius; for a per-row radius it compares angSep, which differs only within rounding).
-- - A degenerate polygon (two consecutive vertices equal or antipodal, or all vertices on one
--   great circle) gives NULL, with the thresholds of @qserv-tap/sky's polygon.ts.
--
-- A call costs MariaDB about 5-12 µs per row (scisql_s2PtInCPoly about 100 µs with 4 vertices,
-- as it re-reads the vertices for every row; measured with src/test-support/measure-udf.ts).
-- The compiler should prefer the plain-SQL forms of src/geometry/inline-sql.ts, which cost
-- under 1 µs: angSep and s2PtInCircle for any arguments, s2PtInCPoly for constant vertices.
--
-- Idempotent: every function is dropped before it is created. Install with the mariadb client
-- (`mariadb db < scisql-mariadb.sql`, which understands DELIMITER) or with
-- installScisqlFunctions() of src/geometry/scisql-mariadb.ts, which splits on the delimiter.

DELIMITER $$

CREATE OR REPLACE FUNCTION scisql_angSep(lon1 DOUBLE, lat1 DOUBLE, lon2 DOUBLE, lat2 DOUBLE)
RETURNS DOUBLE DETERMINISTIC NO SQL
COMMENT 'scisql-compatible angular separation in degrees (qserv-tap)'
BEGIN
  DECLARE sx, sy, cz, d2, sep DOUBLE;
  IF lon1 IS NULL OR lat1 IS NULL OR lon2 IS NULL OR lat2 IS NULL
     OR lat1 < -90 OR lat1 > 90 OR lat2 < -90 OR lat2 > 90 THEN
    RETURN NULL;
  END IF;
  SET sx = SIN((lon1 - lon2) * 0.017453292519943295e0 * 0.5e0);
  SET sy = SIN((lat1 - lat2) * 0.017453292519943295e0 * 0.5e0);
  SET cz = COS((lat1 + lat2) * 0.017453292519943295e0 * 0.5e0);
  SET d2 = 4e0 * (sx * sx * (cz * cz - sy * sy) + sy * sy);
  IF d2 < 0 THEN SET d2 = 0; ELSEIF d2 > 4 THEN SET d2 = 4; END IF;
  SET sep = 2e0 * 57.29577951308232e0 * ASIN(SQRT(d2 * 0.25e0));
  RETURN IF(sep > 180, 180e0, sep);
END $$

CREATE OR REPLACE FUNCTION scisql_s2PtInCircle(lon DOUBLE, lat DOUBLE, centerLon DOUBLE, centerLat DOUBLE, radius DOUBLE)
RETURNS INTEGER DETERMINISTIC NO SQL
COMMENT 'scisql-compatible point-in-circle test (qserv-tap)'
BEGIN
  DECLARE sx, sy, cz, d2, s DOUBLE;
  IF lon IS NULL OR lat IS NULL OR centerLon IS NULL OR centerLat IS NULL OR radius IS NULL THEN
    RETURN 0;
  END IF;
  IF lat < -90 OR lat > 90 OR centerLat < -90 OR centerLat > 90 OR radius < 0 OR radius > 180 THEN
    RETURN NULL;
  END IF;
  IF ABS(lat - centerLat) > radius THEN
    RETURN 0;
  END IF;
  SET sx = SIN((lon - centerLon) * 0.017453292519943295e0 * 0.5e0);
  SET sy = SIN((lat - centerLat) * 0.017453292519943295e0 * 0.5e0);
  SET cz = COS((lat + centerLat) * 0.017453292519943295e0 * 0.5e0);
  SET d2 = 4e0 * (sx * sx * (cz * cz - sy * sy) + sy * sy);
  IF d2 < 0 THEN SET d2 = 0; ELSEIF d2 > 4 THEN SET d2 = 4; END IF;
  SET s = SIN(radius * 0.5e0 * 0.017453292519943295e0);
  RETURN d2 <= 4e0 * s * s;
END $$

CREATE OR REPLACE FUNCTION scisql_s2PtInBox(lon DOUBLE, lat DOUBLE, lonMin DOUBLE, latMin DOUBLE, lonMax DOUBLE, latMax DOUBLE)
RETURNS INTEGER DETERMINISTIC NO SQL
COMMENT 'scisql-compatible point-in-coordinate-box test (qserv-tap)'
BEGIN
  DECLARE p, lo, hi DOUBLE;
  IF lon IS NULL OR lat IS NULL OR lonMin IS NULL OR latMin IS NULL OR lonMax IS NULL OR latMax IS NULL THEN
    RETURN 0;
  END IF;
  IF lat < -90 OR lat > 90 OR latMin < -90 OR latMin > 90 OR latMax < -90 OR latMax > 90 THEN
    RETURN NULL;
  END IF;
  IF lonMax < lonMin AND (lonMax < 0 OR lonMin > 360) THEN
    RETURN NULL;
  END IF;
  IF latMin > latMax OR lat < latMin OR lat > latMax THEN
    RETURN 0;
  END IF;
  IF lonMax - lonMin >= 360 THEN
    RETURN 1;
  END IF;
  -- Reduce to [0, 360): fmod keeps the sign, and -tiny + 360 rounds to 360.
  SET p = MOD(lon, 360e0);
  IF p < 0 THEN SET p = p + 360e0; IF p = 360 THEN SET p = 0; END IF; END IF;
  SET lo = MOD(lonMin, 360e0);
  IF lo < 0 THEN SET lo = lo + 360e0; IF lo = 360 THEN SET lo = 0; END IF; END IF;
  SET hi = MOD(lonMax, 360e0);
  IF hi < 0 THEN SET hi = hi + 360e0; IF hi = 360 THEN SET hi = 0; END IF; END IF;
  IF lo <= hi THEN
    RETURN p >= lo AND p <= hi;
  END IF;
  RETURN p >= lo OR p <= hi;
END $$

CREATE OR REPLACE FUNCTION scisql_s2PtInCPoly(lon DOUBLE, lat DOUBLE, poly BLOB)
RETURNS INTEGER DETERMINISTIC NO SQL
COMMENT 'scisql-compatible point-in-convex-polygon test; scisql binary polygon or vertices as one string (qserv-tap)'
BEGIN
  DECLARE s TEXT;
  DECLARE wellFormed, degenerate, seenNeg, seenPos BOOLEAN DEFAULT FALSE;
  DECLARE n, i, k, pos, nxt INT;
  DECLARE bits BIGINT UNSIGNED;
  DECLARE vlon, vlat, cl, px, py, pz, xa, ya, za, xb, yb, zb, x0, y0, z0 DOUBLE;
  DECLARE ex, ey, ez, e0x, e0y, e0z, sumx, sumy, sumz, d, o DOUBLE;
  DECLARE c0, c1, c2 DOUBLE;
  IF poly IS NOT NULL AND poly REGEXP '[^-+.eE0-9,[:space:]]' THEN
    -- scisql's binary polygon (scisql_s2cpoly_frombin, then scisql_s2cpoly_cv3).
    IF lon IS NULL OR lat IS NULL THEN RETURN 0; END IF;
    IF lat < -90 OR lat > 90 THEN RETURN NULL; END IF;
    SET n = LENGTH(poly) DIV 24;
    IF LENGTH(poly) % 24 <> 0 OR n < 4 OR n > 21 THEN RETURN NULL; END IF;
    SET cl = COS(lat * 0.017453292519943295e0);
    SET px = COS(lon * 0.017453292519943295e0) * cl;
    SET py = SIN(lon * 0.017453292519943295e0) * cl;
    SET pz = SIN(lat * 0.017453292519943295e0);
    -- Triple 0 is the vertex sum, which the test does not use; every double is still decoded,
    -- so that a non-finite one gives NULL wherever it is.
    SET i = 0, seenNeg = FALSE;
    WHILE i < n DO
      SET k = 0;
      WHILE k < 3 DO
        -- A little-endian IEEE double, exactly: (2^52 + mantissa) · 2^(exponent − 1075), each
        -- factor exact in a double, so the product is the stored value.
        SET bits = CAST(CONV(HEX(REVERSE(SUBSTRING(poly, 24 * i + 8 * k + 1, 8))), 16, 10) AS UNSIGNED);
        SET nxt = (bits >> 52) & 2047;
        IF nxt = 2047 THEN RETURN NULL; END IF;
        IF nxt = 0 THEN
          SET d = (bits & 4503599627370495) * POW(2e0, -1074);
        ELSE
          SET d = ((bits & 4503599627370495) + 4503599627370496) * POW(2e0, nxt - 1075);
        END IF;
        IF bits >> 63 = 1 THEN SET d = -d; END IF;
        IF k = 0 THEN SET c0 = d; ELSEIF k = 1 THEN SET c1 = d; ELSE SET c2 = d; END IF;
        SET k = k + 1;
      END WHILE;
      IF i > 0 AND px * c0 + py * c1 + pz * c2 < 0 THEN SET seenNeg = TRUE; END IF;
      SET i = i + 1;
    END WHILE;
    RETURN NOT seenNeg;
  END IF;
  -- The vertex count is checked first, as scisql checks its argument count before any value.
  IF poly IS NOT NULL THEN
    SET s = TRIM(REGEXP_REPLACE(poly, '[[:space:],]+', ' '));
    SET wellFormed = s REGEXP '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?( [-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?)*$';
    SET n = CHAR_LENGTH(s) - CHAR_LENGTH(REPLACE(s, ' ', '')) + 1;
    IF wellFormed AND (n % 2 = 1 OR n < 6 OR n > 40) THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'scisql_s2PtInCPoly expects between 4 and 21 spherical coordinate pairs';
    END IF;
  END IF;
  IF lon IS NULL OR lat IS NULL THEN RETURN 0; END IF;
  IF lat < -90 OR lat > 90 THEN RETURN NULL; END IF;
  IF poly IS NULL THEN RETURN 0; END IF;
  IF NOT wellFormed THEN RETURN NULL; END IF;
  SET n = n DIV 2;
  SET cl = COS(lat * 0.017453292519943295e0);
  SET px = COS(lon * 0.017453292519943295e0) * cl;
  SET py = SIN(lon * 0.017453292519943295e0) * cl;
  SET pz = SIN(lat * 0.017453292519943295e0);
  SET sumx = 0e0, sumy = 0e0, sumz = 0e0;
  SET pos = 1, i = 0;
  -- One pass over the vertices (i = n closes the ring back to vertex 0): each edge normal is
  -- twice a × b computed as (b + a) × (b − a), and the point's side of it is recorded.
  WHILE i <= n DO
    IF i < n THEN
      SET nxt = LOCATE(' ', s, pos);
      SET vlon = CAST(SUBSTRING(s, pos, nxt - pos) AS DOUBLE);
      SET pos = nxt + 1;
      SET nxt = LOCATE(' ', s, pos);
      IF nxt = 0 THEN SET nxt = CHAR_LENGTH(s) + 1; END IF;
      SET vlat = CAST(SUBSTRING(s, pos, nxt - pos) AS DOUBLE);
      SET pos = nxt + 1;
      IF vlat < -90 OR vlat > 90 THEN RETURN NULL; END IF;
      SET cl = COS(vlat * 0.017453292519943295e0);
      SET xb = COS(vlon * 0.017453292519943295e0) * cl;
      SET yb = SIN(vlon * 0.017453292519943295e0) * cl;
      SET zb = SIN(vlat * 0.017453292519943295e0);
      SET sumx = sumx + xb, sumy = sumy + yb, sumz = sumz + zb;
    ELSE
      SET xb = x0, yb = y0, zb = z0;
    END IF;
    IF i = 0 THEN
      SET x0 = xb, y0 = yb, z0 = zb;
    ELSE
      SET ex = (ya + yb) * (zb - za) - (za + zb) * (yb - ya);
      SET ey = (za + zb) * (xb - xa) - (xa + xb) * (zb - za);
      SET ez = (xa + xb) * (yb - ya) - (ya + yb) * (xb - xa);
      IF ex * ex + ey * ey + ez * ez <= 1e-28 THEN SET degenerate = TRUE; END IF;
      IF i = 1 THEN SET e0x = ex, e0y = ey, e0z = ez; END IF;
      SET d = px * ex + py * ey + pz * ez;
      IF d < 0 THEN SET seenNeg = TRUE; ELSEIF d > 0 THEN SET seenPos = TRUE; END IF;
    END IF;
    SET xa = xb, ya = yb, za = zb;
    SET i = i + 1;
  END WHILE;
  -- Orientation: the vertex sum lies inside, so a negative (sum · first normal) means clockwise.
  SET o = sumx * e0x + sumy * e0y + sumz * e0z;
  IF degenerate OR o * o <= 1e-28 * (e0x * e0x + e0y * e0y + e0z * e0z) THEN RETURN NULL; END IF;
  IF o < 0 THEN RETURN NOT seenPos; END IF;
  RETURN NOT seenNeg;
END $$

DELIMITER ;
