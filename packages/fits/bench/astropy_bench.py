"""astropy's side of packages/fits/bench/cutout.bench.ts, on the same files in the same run.

usage: astropy_bench.py < JSON  (plain, gzip2, rice: paths; boxes200, boxes100: [x, y] 0-based centres)
       astropy_bench.py --stream FILE HDU
"""
import json
import os
import sys
import time
import warnings

import numpy as np
from astropy.io import fits
from astropy.nddata import Cutout2D

warnings.simplefilter("ignore")

if len(sys.argv) > 1 and sys.argv[1] == "--stream":
    # In a fresh process: the peak RSS growth (ru_maxrss is a lifetime maximum) of reading one whole image and
    # writing it out as FITS.
    # The peak is the kernel's VmHWM, reset to the current RSS first (proc(5), clear_refs 5).
    path, hdu = sys.argv[2], int(sys.argv[3])

    def status(key):
        with open("/proc/self/status") as s:
            return next(int(line.split()[1]) for line in s if line.startswith(key + ":"))

    with open("/proc/self/clear_refs", "w") as c:
        c.write("5")
    before = status("VmRSS")
    t = time.perf_counter()
    # A real file: writing to /dev/null would never touch the memory-mapped pages.
    with fits.open(path) as f, open(path + ".out", "wb") as sink:
        fits.PrimaryHDU(f[hdu].data).writeto(sink)
    ms = (time.perf_counter() - t) * 1000
    os.remove(path + ".out")
    print(json.dumps({"rss_mb": (status("VmHWM") - before) / 1024, "ms": ms}))
    sys.exit(0)

arg = json.load(sys.stdin)


def p50(times):
    return float(np.percentile(np.array(times) * 1000, 50)), float(np.percentile(np.array(times) * 1000, 95))


def cutouts(path, hdu, centres, size):
    times = []
    for x, y in centres:
        t = time.perf_counter()
        with fits.open(path) as f:
            c = Cutout2D(f[hdu].data, (x, y), (size, size), mode="trim")
            np.array(c.data)  # read the pixels: a memmap slice is only a view
        times.append(time.perf_counter() - t)
    return p50(times)


out = {}
out["plain200"] = cutouts(arg["plain"], 0, arg["boxes200"], 200)
out["gzip100"] = cutouts(arg["gzip2"], 1, arg["boxes100"][: arg.get("slow_n", 5)], 100)
best = None
for _ in range(3):
    t = time.perf_counter()
    with fits.open(arg["rice"]) as f:
        d = f[1].data
        nbytes = d.nbytes
    dt = time.perf_counter() - t
    best = dt if best is None else min(best, dt)
out["rice_mb_s"] = nbytes / best / 1e6
print(json.dumps(out))
