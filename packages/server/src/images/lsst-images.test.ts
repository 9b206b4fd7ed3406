/**
 * lsst.images container metadata, on Rubin's DP2 deep_coadd (../shared/rubin/images/README.md) and on copies of it
 * altered byte for byte: a tree that is missing or malformed gives nothing, never an error, since ingest needs only
 * the WCS.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { FitsFile, MemorySource } from "@qserv-tap/fits";
import { RUBIN_FILE } from "../../../fits/src/test-support/tools.js";
import { containerMetadata, nightsMjd, type ContainerMetadata } from "./lsst-images.js";

const original = readFileSync(RUBIN_FILE);

/** A copy with the first occurrence of `from` (ASCII, at or after `after`) replaced by `to`, of the same length. */
function altered(from: string, to: string, after = 0): Buffer {
  expect(to.length).to.equal(from.length);
  const copy = Buffer.from(original);
  const at = copy.indexOf(from, after, "latin1");
  expect(at, from).to.be.at.least(0);
  copy.write(to, at, "latin1");
  return copy;
}

const JSON_AT = original.indexOf('{"schema_version"', 0, "latin1");

const DP2: ContainerMetadata = {
  model: "cell_coadd",
  dataId: { band: "g", patch: 76, tract: 5428, skymap: "lsst_cells_v2", physical_filter: "g_6" },
  instrument: "LSSTCam",
  nights: [20250703, 20250703],
};

const { band: _band, ...withoutBand } = DP2.dataId;

describe("lsst.images container metadata (JSON tree, provenance table)", () => {
  const cases: { name: string; bytes: Buffer; want: ContainerMetadata | undefined }[] = [
    { name: "the DP2 deep_coadd: band, patch, tract, skymap, physical filter, instrument, its input's night", bytes: original, want: DP2 },
    { name: "no DATAMODL: not a container", bytes: altered("DATAMODL", "DATAMODX"), want: undefined },
    { name: "a DATAMODL that is not an lsst.images schema", bytes: altered("https://images.lsst.io", "https://example.com/xy"), want: undefined },
    { name: "a tree that is not JSON: the model alone", bytes: altered('{"schema_version"', '#"schema_version"', JSON_AT), want: { model: "cell_coadd", dataId: {} } },
    { name: "no JSON HDU: the model alone", bytes: altered("EXTNAME = 'JSON", "EXTNAME = 'NOSJ"), want: { model: "cell_coadd", dataId: {} } },
    {
      name: "the day_obs column named elsewhere: no nights",
      bytes: altered('"fits:PROVENANCE/INPUTS[3]"', '"fits:PROVENANCE/INPUTS[9]"', JSON_AT),
      want: { ...DP2, nights: undefined },
    },
    { name: "a band that is not a string: no band", bytes: altered('"band":"g"', '"band":1.0', JSON_AT), want: { ...DP2, dataId: withoutBand } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const file = await FitsFile.open(new MemorySource(new Uint8Array(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength)));
      const got = await containerMetadata(file);
      // undefined members stand for absent ones
      expect(JSON.parse(JSON.stringify(got ?? null))).to.deep.equal(JSON.parse(JSON.stringify(c.want ?? null)));
    });
  }

  it("nights as MJD: from 12:00 UTC on the first night's date to 12:00 UTC after the last (day_obs is the date at UTC-12 h)", () => {
    const table: [readonly [number, number], [number, number] | undefined][] = [
      [[20250703, 20250703], [60859.5, 60860.5]],
      [[20241231, 20250101], [60675.5, 60677.5]],
      [[20250230, 20250301], undefined], // no 30 February
      [[2025073, 2025073], undefined],
    ];
    for (const [nights, want] of table) expect(nightsMjd(nights), String(nights)).to.deep.equal(want);
  });
});
