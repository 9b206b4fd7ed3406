/**
 * Region → pixel box, footprint and pixel ↔ sky timings on a 4096 × 4096 TAN-SIP image: the box is on the path of
 * every SODA cutout, so its cost is part of a cutout's latency.
 */
import { circle, footprint, parseWcs, polygon, rangeBox, regionPixelBox, type Region } from "@qserv-tap/sky";

const wcs = parseWcs({
  CTYPE1: "RA---TAN-SIP",
  CTYPE2: "DEC--TAN-SIP",
  CRPIX1: 2048,
  CRPIX2: 2048,
  CRVAL1: 10,
  CRVAL2: -30,
  CD1_1: -5.5e-5,
  CD1_2: 1e-6,
  CD2_1: 1e-6,
  CD2_2: 5.5e-5,
  A_ORDER: 2,
  B_ORDER: 2,
  A_2_0: 1e-6,
  B_0_2: 1e-6,
});

function p50(f: () => void, runs: number): number {
  for (let i = 0; i < 20; i++) f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1]!;
}

const regions: [string, Region][] = [
  ["circle of 11″ inside (a 200×200 cutout)", circle(10, -30, 0.003)],
  ["circle of 1° over the whole image", circle(10, -30, 1)],
  ["RANGE of 0.2°", rangeBox(9.9, 10.1, -30.1, -29.9)],
  ["polygon over an edge", polygon([[10.1, -30.05], [10.2, -30.05], [10.2, -29.95], [10.1, -29.95]])],
  ["circle that misses the image", circle(50, 20, 1)],
];
console.log("region → pixel box on a 4096 × 4096 TAN-SIP image, p50:");
for (const [name, r] of regions) console.log(`  ${name.padEnd(42)} ${p50(() => regionPixelBox(r, wcs, 4096, 4096), 300).toFixed(2)} ms`);
console.log(`footprint: ${p50(() => footprint(wcs, 4096, 4096), 300).toFixed(3)} ms`);
const n = 100000;
let t0 = performance.now();
for (let i = 0; i < n; i++) wcs.pixelToSky(i % 4096, (i * 7) % 4096);
console.log(`pixelToSky: ${(((performance.now() - t0) / n) * 1000).toFixed(2)} µs`);
t0 = performance.now();
for (let i = 0; i < n; i++) wcs.skyToPixel(9.9 + (i % 1000) * 2e-4, -30.1 + (i % 997) * 2e-4);
console.log(`skyToPixel (SIP inverse by Newton): ${(((performance.now() - t0) / n) * 1000).toFixed(2)} µs`);
