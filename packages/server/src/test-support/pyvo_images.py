"""The astronomer's chain, with pyvo and astropy only: TAP finds a star and the ObsCore images that cover it, DataLink
gives each image's #cutout service, SODA cuts a circle around the star, and photutils' centroid_2dg with astropy.wcs
puts the star back on the sky. Prints one JSON object: per case, the images found and, per image, the offset of the
measured centroid from the catalog position in arcseconds (or the failure).

Usage: XDG_CACHE_HOME=<seeded cache> /usr/bin/python3 pyvo_images.py TAP_URL CASES_JSON
CASES_JSON: [{"case": "coadd", "star_id": 123, "image": "ivo://…", "radius_arcsec": 6}, …]; "image" is the
obs_publisher_did that the case is about (the cone may find others too), radius_arcsec the cutout circle's radius.
The datalink/core vocabulary must be in astropy's cache (../shared/ivoa/vocabularies/README.md): the script sets
allow_internet off, so that nothing is fetched.
"""
import io
import json
import sys
import warnings

warnings.simplefilter("ignore")

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.utils import data as audata
from astropy.wcs import WCS
from photutils.centroids import centroid_2dg

import pyvo

tap_url, cases = sys.argv[1], json.loads(sys.argv[2])
svc = pyvo.dal.TAPService(tap_url)
# Half the side of the box that the centroid is fitted in, in pixels.
BOX = 7


def measure(fits_bytes, ra, dec):
    hdul = fits.open(io.BytesIO(fits_bytes))
    image = next(h for h in hdul if h.data is not None and h.header.get("EXTNAME", "PRIMARY") in ("IMAGE", "PRIMARY"))
    wcs = WCS(image.header)
    data = image.data.astype(float)
    x0, y0 = wcs.all_world2pix([[ra, dec]], 0)[0]
    xi, yi = int(round(x0)), int(round(y0))
    ylo, yhi = max(0, yi - BOX), min(data.shape[0], yi + BOX + 1)
    xlo, xhi = max(0, xi - BOX), min(data.shape[1], xi + BOX + 1)
    box = data[ylo:yhi, xlo:xhi]
    background = np.median(data)
    cx, cy = centroid_2dg(box - background)
    mra, mdec = wcs.all_pix2world([[xlo + cx, ylo + cy]], 0)[0]
    sep = SkyCoord(ra * u.deg, dec * u.deg).separation(SkyCoord(mra * u.deg, mdec * u.deg)).arcsec
    return {"offset_arcsec": float(sep), "shape": list(data.shape), "ctype": [image.header.get("CTYPE1"), image.header.get("CTYPE2")]}


out = {}
with audata.conf.set_temp("allow_internet", False):
    for case in cases:
        name = case["case"]
        entry = out[name] = {"images": {}}
        try:
            star = svc.search(f"SELECT ra, dec FROM demo.stars WHERE star_id = {int(case['star_id'])}").to_table()
            ra, dec = float(star["ra"][0]), float(star["dec"][0])
            entry["star"] = [ra, dec]
            # DISTANCE on s_ra/s_dec until the compiler has region columns (issue 14): every image whose centre is
            # within its own half-diagonal of the star, then the footprint decides (a cutout that misses is a 400).
            found = svc.search(
                "SELECT obs_publisher_did, dataproduct_subtype, s_fov FROM ivoa.ObsCore "
                f"WHERE DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', {ra!r}, {dec!r})) < s_fov"
            )
            dids = [str(d) for d in found.to_table()["obs_publisher_did"]]
            entry["found"] = dids
            if case["image"] not in dids:
                entry["error"] = f"the cone did not find {case['image']}"
                continue
            for did, dl in zip(dids, found.iter_datalinks()):
                if did != case["image"]:
                    continue
                cutout = next(dl.bysemantics("#cutout", include_narrower=False))
                stream = cutout.processed(circle=[ra, dec, float(case["radius_arcsec"]) / 3600] * u.deg)
                entry["images"][did] = measure(stream.read(), ra, dec)
        except Exception as e:  # noqa: BLE001 - every failure is reported, per case
            entry["error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
