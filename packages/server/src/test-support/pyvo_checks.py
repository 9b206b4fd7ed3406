"""pyvo as a TAP client of our server: prints one JSON object with the result of each check.

Usage: /usr/bin/python3 pyvo_checks.py BASE_URL
"""
import io
import json
import math
import sys
import warnings

warnings.simplefilter("ignore")

import numpy as np
import pyvo
from astropy.table import Table

url = sys.argv[1]
svc = pyvo.dal.TAPService(url)
checks = {}


def check(name):
    def wrap(fn):
        try:
            fn()
            checks[name] = "ok"
        except Exception as e:  # noqa: BLE001 - every failure is reported
            checks[name] = f"FAIL: {type(e).__name__}: {e}"
        return fn
    return wrap


@check("capabilities")
def _():
    caps = svc.capabilities
    tap = [c for c in caps if c.standardid and c.standardid.lower().startswith("ivo://ivoa.net/std/tap")]
    assert tap, "no TAP capability"
    assert svc.maxrec == 100000, svc.maxrec
    assert svc.hardlimit == 10000000, svc.hardlimit
    langs = [lang.name for lang in tap[0].languages]
    assert "ADQL" in langs, langs
    assert "text/csv;header=present" in [f.mime for f in tap[0].outputformats]
    assert svc.upload_methods, "no upload methods"
    # pyvo 1.2 describes a limit by its default: printing uploadLimit failed with only a hard one.
    assert "byte" in str(tap[0].uploadlimit), str(tap[0].uploadlimit)


@check("tables")
def _():
    tables = svc.tables
    names = [t.name for t in tables]
    assert "demo.stars" in names, names
    cols = {c.name: c for c in tables["demo.stars"].columns}
    assert cols["ra"].unit == "deg", cols["ra"].unit
    assert cols["g_mag"].ucd.startswith("phot.mag")


@check("sync_count")
def _():
    r = svc.search("SELECT COUNT(*) AS n FROM demo.stars")
    assert int(r.to_table()["n"][0]) == 100000
    r = svc.search("SELECT band, COUNT(*) AS n FROM demo.detections GROUP BY band ORDER BY band")
    t = r.to_table()
    assert list(t["band"]) == list("giruyz") or sorted(t["band"]) == sorted("ugrizy"), list(t["band"])
    assert int(sum(t["n"])) == 200000


@check("maxrec_overflow")
def _():
    r = svc.search("SELECT star_id FROM demo.stars", maxrec=25)
    assert len(r) == 25, len(r)
    # pyvo 1.2 reports the first QUERY_STATUS: read the trailing one from the document itself.
    vot = r.votable
    infos = [i for res in vot.resources for i in res.infos if i.name == "QUERY_STATUS"]
    assert any(i.value == "OVERFLOW" for i in infos), [(i.name, i.value) for i in infos]


@check("nulls_masked")
def _():
    t = svc.search("SELECT TOP 500 star_id, g_mag, parallax, designation FROM demo.stars ORDER BY star_id").to_table()
    assert np.ma.is_masked(t["g_mag"]) and t["g_mag"].mask.sum() > 0, "g_mag not masked"
    assert t["parallax"].mask.sum() > 0, "parallax not masked"
    s = svc.search("SELECT COUNT(*) AS n FROM (SELECT TOP 500 star_id, g_mag FROM demo.stars ORDER BY star_id) AS q WHERE g_mag IS NULL").to_table()
    assert int(s["n"][0]) == int(t["g_mag"].mask.sum()), (int(s["n"][0]), int(t["g_mag"].mask.sum()))


@check("formats")
def _():
    for fmt in ["votable", "votable/td", "votable/b", "votable/b2"]:
        t = svc.search("SELECT TOP 10 star_id, ra FROM demo.stars ORDER BY star_id", responseformat=fmt).to_table()
        assert len(t) == 10 and int(t["star_id"][9]) == 10, fmt


@check("upload_join")
def _():
    # astropy writes a bool column as VOTable bit, and its BINARY2 reader misreads bits: the flag must come back
    # as it went (uploads.ts uploadedDatatype), in the default format.
    mine = Table({"id": np.array([7, 42, 99999], dtype=np.int64), "label": ["a", "b", "c"], "flag": [True, False, True]})
    r = svc.search(
        "SELECT u.label, u.flag, s.star_id, s.ra FROM TAP_UPLOAD.mine AS u JOIN demo.stars AS s ON s.star_id = u.id ORDER BY s.star_id",
        uploads={"mine": mine},
    )
    t = r.to_table()
    assert [int(x) for x in t["star_id"]] == [7, 42, 99999], list(t["star_id"])
    assert list(t["label"]) == ["a", "b", "c"]
    assert [bool(x) for x in t["flag"]] == [True, False, True], list(t["flag"])


@check("cone_matches_haversine")
def _():
    ra0, dec0, radius = 123.4, -45.6, 3.0
    cone = svc.search(
        f"SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', {ra0}, {dec0}, {radius}))",
        maxrec=1000000,
    ).to_table()
    band = svc.search(
        f"SELECT star_id, ra, dec FROM demo.stars WHERE dec BETWEEN {dec0 - radius - 0.1} AND {dec0 + radius + 0.1}",
        maxrec=1000000,
    ).to_table()
    def hav(ra, dec):
        r1, d1, r2, d2 = map(math.radians, (ra, dec, ra0, dec0))
        a = math.sin((d2 - d1) / 2) ** 2 + math.cos(d1) * math.cos(d2) * math.sin((r2 - r1) / 2) ** 2
        return math.degrees(2 * math.asin(min(1, math.sqrt(a))))
    expected = {int(r["star_id"]) for r in band if hav(float(r["ra"]), float(r["dec"])) <= radius}
    got = {int(x) for x in cone["star_id"]}
    assert len(expected) > 50, len(expected)
    assert got == expected, (len(got), len(expected), sorted(got ^ expected)[:5])


@check("adql_error")
def _():
    try:
        svc.search("SELECT star_id FROM demo.stars WHERE")
    except pyvo.dal.DALQueryError as e:
        assert "line 1, column" in str(e), str(e)
        return
    raise AssertionError("no DALQueryError")


@check("unknown_column_error")
def _():
    try:
        svc.search("SELECT nope FROM demo.stars")
    except pyvo.dal.DALQueryError as e:
        assert "nope" in str(e), str(e)
        return
    raise AssertionError("no DALQueryError")


# --- async (UWS) ---------------------------------------------------------------


@check("async_lifecycle")
def _():
    import requests
    job = svc.submit_job("SELECT TOP 10 star_id, g_mag FROM demo.stars ORDER BY star_id", maxrec=5)
    assert job.phase == "PENDING", job.phase
    assert job.query.startswith("SELECT TOP 10"), job.query
    job.execution_duration = 120
    assert int(job.execution_duration.sec if hasattr(job.execution_duration, "sec") else job.execution_duration) == 120
    job.run()
    job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=30)
    assert job.phase == "COMPLETED", job.phase
    assert job.result_uri.endswith("/results/result"), job.result_uri
    res = job.fetch_result()
    assert res.query_status == "OVERFLOW", res.query_status
    t = res.to_table()
    assert list(t["star_id"]) == [1, 2, 3, 4, 5], list(t["star_id"])
    url = job.url
    job.delete()
    assert requests.get(url).status_code == 404


@check("async_run_async")
def _():
    t = svc.run_async("SELECT COUNT(*) AS n FROM demo.stars").to_table()
    assert int(t["n"][0]) == 100000


@check("async_upload")
def _():
    mine = Table({"id": np.array([7, 42], dtype=np.int64)})
    t = svc.run_async("SELECT s.star_id FROM TAP_UPLOAD.mine AS m JOIN demo.stars AS s ON s.star_id = m.id ORDER BY s.star_id",
                      uploads={"mine": mine}).to_table()
    assert sorted(int(x) for x in t["star_id"]) == [7, 42], list(t["star_id"])


@check("async_error")
def _():
    from astropy.io.votable import parse
    import requests
    job = svc.submit_job("SELECT nope FROM demo.stars")
    job.run().wait(timeout=30)
    assert job.phase == "ERROR", job.phase
    # pyvo 1.2.1 parses errorSummary but leaves its message empty: read it from the job document
    # and from the error resource.
    import xml.etree.ElementTree as ET
    assert job._job.errorsummary is not None and job._job.errorsummary.type_ == "fatal"
    root = ET.fromstring(requests.get(job.url).content)
    message = root.find("{http://www.ivoa.net/xml/UWS/v1.0}errorSummary/{http://www.ivoa.net/xml/UWS/v1.0}message").text
    assert "ADQL error" in message and "nope" in message, message
    doc = parse(io.BytesIO(requests.get(job.url + "/error").content))
    infos = list(doc.infos) + [i for r in doc.resources for i in r.infos]
    status = [i for i in infos if i.name == "QUERY_STATUS"][0]
    assert status.value == "ERROR" and "nope" in status.content, status.content
    try:
        job.raise_if_error()
        raise AssertionError("no DALQueryError")
    except pyvo.dal.DALQueryError:
        pass
    job.delete()
    try:
        svc.run_async("SELECT nope FROM demo.stars")
        raise AssertionError("run_async did not raise")
    except pyvo.dal.DALQueryError:
        pass


print(json.dumps(checks))
