import { expect } from "chai";
import { parseRegion } from "@qserv-tap/sky";
import { regionStorageValues, RegionValueError } from "./region-storage.js";
import { scisqlPolygonBinary } from "./scisql-binary.js";
import type { RegionXtype } from "../catalog/regions.js";

describe("regionStorageValues: a region column's DALI value and storage columns (DALI 1.1 §3.3; catalog/regions.ts)", () => {
  const stored: [RegionXtype, string, string][] = [
    ["polygon", "10 20 11 20 11 21", "10 20 11 20 11 21"],
    ["polygon", "POLYGON ICRS 10 20 11 20 11 21", "10 20 11 20 11 21"], // Rubin's ObsCore s_region (STC-S)
    ["polygon", "Polygon  10 20   11 20 11 21 10 20", "10 20 11 20 11 21"], // no frame, closing vertex dropped
    ["polygon", "polygon 350 -5 10 -5 10 5 350 5", "350 -5 10 -5 10 5 350 5"],
    ["circle", "CIRCLE ICRS 10 20 1", "10 20 1"],
    ["circle", "10 20 0", "10 20 0"],
    ["point", "POSITION ICRS 10 20", "10 20"],
    ["point", "359.5 -90", "359.5 -90"],
    ["range", "BOX ICRS 0 0 10 10", "355 5 -5 5"],
    ["range", "-Inf +Inf 80 +Inf", "0 360 80 90"],
    ["shape", "CIRCLE ICRS 10 20 1", "circle 10 20 1"],
    ["shape", "polygon 0 0 10 0 10 10", "polygon 0 0 10 0 10 10"],
  ];
  for (const [xtype, text, value] of stored) {
    it(`${xtype} '${text}' is stored as '${value}' with sky's declination range and cap`, () => {
      const got = regionStorageValues(xtype, text);
      const region = parseRegion(xtype, text);
      expect(got.value).to.equal(value);
      expect([got.decMin, got.decMax]).to.deep.equal(region.decRange());
      expect(got.capRadius).to.equal(region.boundingCap().radius);
      // Every vertex (or the centre) lies in the cap and in the declination range.
      expect(got.decMin).to.be.at.most(got.decMax);
      if (region.kind === "polygon") {
        expect(got.scisql).to.deep.equal(scisqlPolygonBinary(region.vertices!.flat()));
        for (const [, lat] of region.vertices!) expect(lat).to.be.within(got.decMin, got.decMax);
      } else {
        expect(got.scisql).to.equal(null);
      }
      expect(got.capRa).to.be.within(0, 360);
      expect(got.capDec).to.be.within(-90, 90);
    });
  }

  it("gives a polygon edge's bulge past its vertices in the declination range (great-circle edges)", () => {
    const got = regionStorageValues("polygon", "0 60 90 60 180 60");
    expect(got.decMin).to.equal(60);
    expect(got.decMax).to.be.greaterThan(60);
  });

  it("reaches the pole for a polygon around it, which no edge reaches", () => {
    const got = regionStorageValues("polygon", "0 80 90 80 180 80 270 80");
    expect([got.decMin, got.decMax]).to.deep.equal([80, 90]);
    expect(got.capDec).to.be.closeTo(90, 1e-9);
  });

  it("gives scisql's bytes for the polygon, 24·(N+1) long", () => {
    expect(regionStorageValues("polygon", "10 20 11 20 11 21 10 21").scisql).to.have.length(120);
  });

  const refused: [RegionXtype, string, RegExp, number | undefined][] = [
    ["polygon", "CIRCLE ICRS 10 20 1", /circle cannot be written as a DALI polygon/, undefined],
    ["polygon", "POLYGON FK5 10 20 11 20 11 21", /frame 'FK5' at character 9/, 9],
    ["polygon", "0 0 10 0 10 10 5 3 0 10", /vertex 1 lies outside the edge/, 1],
    ["polygon", "10 20 11 20 x 21", /expected a number .* at character 13/, 13],
    ["point", "10 95", /not in \[-90, 90\]/, 4],
    ["circle", "10 20", /expected a number \(radius\)/, 6],
    ["shape", "10 20 1", /expected a shape label/, 1],
    ["polygon", Array.from({ length: 21 }, (_, i) => `${(i * 360) / 21} 60`).join(" "), /21 vertices.*at most 20/, undefined],
  ];
  for (const [xtype, text, message, position] of refused) {
    it(`refuses ${xtype} '${text.slice(0, 40)}' naming the problem`, () => {
      let err: unknown;
      try {
        regionStorageValues(xtype, text);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(RegionValueError);
      expect((err as RegionValueError).message).to.match(message);
      expect((err as RegionValueError).position).to.equal(position);
    });
  }
});
