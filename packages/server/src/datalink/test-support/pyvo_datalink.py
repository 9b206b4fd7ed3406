"""pyvo 1.2.1 as a client of the service descriptors in our TAP results and of our {links} documents.

Prints one JSON object: what pyvo found, or "FAIL: ..." for each check.
Usage: XDG_CACHE_HOME=<seeded> /usr/bin/python3 pyvo_datalink.py TAP_URL STAR_ID STAR_IMAGE_ID
(the cache seeded with the datalink/core vocabulary, ../shared/ivoa/vocabularies/README.md, so that
bysemantics() with narrower terms works offline)
"""
import json
import traceback
import sys
import warnings

warnings.simplefilter("ignore")

import io

import pyvo
from astropy import units as u
from astropy.io import fits
from astropy.utils import data as audata
from pyvo.dal.adhoc import DatalinkQuery

audata.conf.allow_internet = False

url, star_id, star_image = sys.argv[1], int(sys.argv[2]), sys.argv[3]
svc = pyvo.dal.TAPService(url)
out = {}


def check(name):
    def wrap(fn):
        try:
            out[name] = fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported
            out[name] = f"FAIL: {type(e).__name__}: {e}\n{traceback.format_exc()}"
        return fn
    return wrap


def params(resource):
    return {p.name: p.value for p in resource.params}


def input_params(resource):
    group = next(g for g in resource.groups if g.name == "inputParams")
    return {p.name: {"value": p.value if isinstance(p.value, str) else None, "ref": p.ref} for p in group.entries}


@check("obscore")
def _():
    for fmt in ("votable/td", "votable"):  # the rows of the last are returned
        result = svc.run_sync("SELECT obs_publisher_did, s_ra, s_dec FROM ivoa.ObsCore ORDER BY obs_publisher_did", responseformat=fmt)
        links = result.get_adhocservice_by_ivoid("ivo://ivoa.net/std/DataLink")
        soda = result.get_adhocservice_by_ivoid("ivo://ivoa.net/std/SODA#sync-1.0")
        found = []
        for row, dl in zip(result, result.iter_datalinks()):
            cutouts = list(dl.bysemantics("#cutout", include_narrower=False))
            this = list(dl.bysemantics("#this", include_narrower=False))
            previews = list(dl.bysemantics("#preview"))  # with narrower terms: the offline vocabulary
            descriptor = None
            cut = None
            if cutouts:
                c = cutouts[0]
                sd = dl.get_adhocservice_by_id(c.service_def)
                descriptor = {"accessURL": params(sd)["accessURL"], "standardID": params(sd)["standardID"], "inputs": sorted(input_params(sd))}
                if fmt == "votable":
                    # SODA through the descriptor, as pyvo users call it.
                    stream = c.processed(circle=[float(row["s_ra"]), float(row["s_dec"]), 0.001] * u.deg)
                    with fits.open(io.BytesIO(stream.read())) as hdul:
                        image = next(h for h in hdul if h.data is not None)
                        cut = list(image.data.shape)
            found.append({
                "did": row["obs_publisher_did"],
                "ids": sorted(set(str(x) for x in dl["ID"])),
                "cutouts": len(cutouts),
                "this": [t.access_url for t in this],
                "previews": len(previews),
                "descriptor": descriptor,
                "cut": cut,
            })
        out.setdefault("formats", []).append(fmt)
    return {
        "links": {"accessURL": params(links)["accessURL"], "inputs": input_params(links)},
        "soda": {"accessURL": params(soda)["accessURL"], "inputs": sorted(input_params(soda))},
        "rows": found,
    }


@check("tap_processed")
def _():
    # SODA 1.0 §4.2: the generic descriptor of the TAP result itself, without going through {links}.
    result = svc.run_sync(f"SELECT obs_publisher_did, s_ra, s_dec FROM ivoa.ObsCore WHERE obs_publisher_did = '{star_image}'")
    rec = result[0]
    stream = rec.processed(circle=[float(rec["s_ra"]), float(rec["s_dec"]), 0.001] * u.deg)
    with fits.open(io.BytesIO(stream.read())) as hdul:
        image = next(h for h in hdul if h.data is not None)
        return list(image.data.shape)


@check("around")
def _():
    result = svc.run_sync(f"SELECT star_id, ra, dec FROM demo.stars WHERE star_id = {star_id}")
    around = [r for r in result.iter_adhocservices() if r.name == "cutout-around"]
    assert len(around) == 1, [r.name for r in result.iter_adhocservices()]
    query = DatalinkQuery.from_resource(result[0], around[0], SIZE=0.001)
    dl = query.execute()
    cutouts = list(dl.bysemantics("#cutout", include_narrower=False))
    return {
        "url": query.queryurl,
        "params": {k: str(v) for k, v in query.items()},
        "cutouts": [{"ID": c.id, "access_url": c.access_url} for c in cutouts],
        "this": [t.access_url for t in dl.bysemantics("#this", include_narrower=False)],
        "star_image": star_image,
    }


print(json.dumps(out))
