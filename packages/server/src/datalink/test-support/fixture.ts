/**
 * A service for the DataLink and file tests: the demo catalog (demo.stars), a small ivoa.ObsCore table of our own
 * (the real one is generated with the demo images) and a TestRegistry of small images with known WCS, attached
 * to the running service in place of the configured registry.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTableSql } from "../../demo.js";
import type { DuckDbBackend } from "../../backends/duckdb.js";
import type { ImageDataset } from "../../images/registry.js";
import { startService, type Running } from "../../test-support/service.js";
import { TestRegistry, type TestImageSpec } from "../../test-support/images.js";

const OBSCORE_FELIS = `---
name: ivoa
"@id": "#ivoa"
description: ObsCore 1.1 (the columns the DataLink tests need, with Rubin's metadata)
tables:
- name: ObsCore
  "@id": "#ObsCore"
  description: Observations, one row per image
  columns:
  - name: dataproduct_type
    "@id": "#ObsCore.dataproduct_type"
    datatype: string
    length: 16
    ivoa:ucd: meta.code.class
    votable:utype: obscore:ObsDataset.dataProductType
  - name: obs_publisher_did
    "@id": "#ObsCore.obs_publisher_did"
    datatype: string
    length: 256
    ivoa:ucd: meta.ref.ivoid
    votable:utype: obscore:Curation.PublisherDID
  - name: access_format
    "@id": "#ObsCore.access_format"
    datatype: string
    length: 64
    ivoa:ucd: meta.code.mime
  - name: s_ra
    "@id": "#ObsCore.s_ra"
    datatype: double
    ivoa:unit: deg
    ivoa:ucd: pos.eq.ra
  - name: s_dec
    "@id": "#ObsCore.s_dec"
    datatype: double
    ivoa:unit: deg
    ivoa:ucd: pos.eq.dec
  - name: s_fov
    "@id": "#ObsCore.s_fov"
    datatype: double
    ivoa:unit: deg
    ivoa:ucd: phys.angSize;instr.fov
`;

export const SPECS = {
  coadd: { ra: 10, dec: -5, nx: 200, ny: 150, em: [5.4e-7, 6.9e-7], mjd: 60000.25, exptime: 30 },
  rotated: { ra: 359.995, dec: 2, nx: 100, ny: 120, rotation: 30, layout: "gzip2" },
  pole: { ra: 45, dec: 89.999, nx: 120, ny: 120 },
  raw: { ra: 120, dec: 30, nx: 40, ny: 40 },
} satisfies Record<string, TestImageSpec>;

export interface Fixture {
  running: Running;
  /** The image service's base URL (config.images.baseUrl). */
  base: string;
  registry: TestRegistry;
  images: Record<keyof typeof SPECS, ImageDataset>;
  /** With the demo catalog: an image centred on one of demo.stars. */
  star?: { starId: number; ra: number; dec: number; image: ImageDataset };
  close(): Promise<void>;
}

export async function startFixture(options: { demo?: boolean; obscore?: boolean } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "datalink-test-"));
  const schemas: string[] = [];
  if (options.obscore !== false) {
    writeFileSync(join(dir, "obscore.yaml"), OBSCORE_FELIS);
    schemas.push(join(dir, "obscore.yaml"));
  }
  const running = await startService({ demo: options.demo ?? false, schemas, images: { registry: "none", demo: false } });
  const registry = new TestRegistry();
  const images = {} as Record<keyof typeof SPECS, ImageDataset>;
  for (const [name, spec] of Object.entries(SPECS) as [keyof typeof SPECS, TestImageSpec][]) {
    images[name] = await registry.add(dir, spec, name === "raw" ? "raw" : name === "coadd" ? "deep_coadd" : "visit_image");
  }
  let star: Fixture["star"];
  if (options.demo) {
    const duck = running.service.deps.backend as DuckDbBackend;
    const [row] = await duck.rows("SELECT star_id, ra, dec FROM demo.stars WHERE dec BETWEEN -60 AND 60 ORDER BY star_id LIMIT 1");
    const [starId, ra, dec] = [Number(row![0]), Number(row![1]), Number(row![2])];
    star = { starId, ra, dec, image: await registry.add(dir, { ra: ra + 0.001, dec: dec - 0.001, nx: 100, ny: 100 }, "visit_image") };
  }
  running.service.deps.images = registry;
  if (options.obscore !== false) {
    const duck = running.service.deps.backend as DuckDbBackend;
    const table = running.service.deps.catalog.schemas.find((s) => s.name === "ivoa")!.tables[0]!;
    await duck.run("CREATE SCHEMA IF NOT EXISTS ivoa");
    await duck.run(createTableSql(table, 'ivoa."ObsCore"'));
    const values = (Object.keys(SPECS) as (keyof typeof SPECS)[]).map((name) => {
      const s: TestImageSpec = SPECS[name];
      const fov = (Math.hypot(s.nx, s.ny) * (s.scale ?? 0.2)) / 3600;
      return `('image', '${images[name].id}', 'application/fits', ${s.ra}, ${s.dec}, ${fov})`;
    });
    if (star) values.push(`('image', '${star.image.id}', 'application/fits', ${star.ra + 0.001}, ${star.dec - 0.001}, ${(100 * Math.SQRT2 * 0.2) / 3600})`);
    await duck.run(`INSERT INTO ivoa."ObsCore" VALUES ${values.join(", ")}`);
  }
  return {
    running,
    base: running.service.deps.config.images.baseUrl,
    registry,
    images,
    ...(star ? { star } : {}),
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
