"""astropy's side of the VOTable cross-checks (run with Debian's /usr/bin/python3).

    astropy_votable.py dump FILE...   parse each FILE with astropy, print what astropy read as JSON
    astropy_votable.py write DIR      write one table with astropy in TABLEDATA, BINARY and BINARY2 into DIR,
                                      print the names of the files written and what astropy reads back from each

Each cell is printed as [masked, value]; an array cell as {"a": [[masked, value], ...]} (flattened, first index
fastest as in VOTable). Integers are {"i": "decimal"} so that 64-bit values survive JSON; floats are numbers or
"NaN", "Inf", "-Inf"; complex numbers {"c": [re, im]}.
"""
import json
import sys
import warnings

import numpy as np
import numpy.ma as ma
from astropy.io.votable import parse
from astropy.io.votable.tree import Field, Info, Resource, Table, VOTableFile

warnings.simplefilter("ignore")


def fnum(x):
    x = float(x)
    if x != x:
        return "NaN"
    if x == float("inf"):
        return "Inf"
    if x == float("-inf"):
        return "-Inf"
    return x


def value(x):
    if x is None or x is ma.masked:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return {"i": str(int(x))}
    if isinstance(x, (np.complexfloating, complex)):
        return {"c": [fnum(x.real), fnum(x.imag)]}
    if isinstance(x, (float, np.floating)):
        return fnum(x)
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    if isinstance(x, str):
        return x
    return repr(x)


def cell(v, m):
    if isinstance(v, np.ndarray) and v.dtype.kind not in ("U", "S") or isinstance(v, ma.MaskedArray):
        a = ma.asarray(v)
        em = ma.getmaskarray(a)
        if np.ndim(m) > 0:
            em = em | np.asarray(m)
        elif bool(m):
            em = np.ones(a.shape, bool)
        # numpy shapes are the VOTable arraysize reversed: ravel in C order walks the first VOTable index fastest.
        return {"a": [[bool(mm), value(x)] for x, mm in zip(np.asarray(a.data).ravel(), np.asarray(em).ravel())]}
    return [bool(np.any(m)), value(v)]


def dump(path):
    vot = parse(path, verify="ignore")
    table = vot.get_first_table()
    names = [f.ID or f.name for f in table.fields]
    rows = []
    for i in range(len(table.array)):
        rec = table.array.data[i]
        mask = table.array.mask[i]
        rows.append([cell(rec[k], mask[k]) for k in range(len(names))])
    infos = [[info.name, info.value] for res in vot.resources for info in res.infos]
    return {
        "fields": [{"name": f.name, "datatype": f.datatype, "arraysize": f.arraysize} for f in table.fields],
        "rows": rows,
        "infos": infos,
    }


# The table astropy writes for our reader: every datatype, nulls, NaN, infinities, 64-bit extremes, unicode.
FIELDS = [
    dict(name="b", datatype="boolean"),
    dict(name="ub", datatype="unsignedByte"),
    dict(name="s", datatype="short"),
    dict(name="i", datatype="int", null=-999),
    dict(name="l", datatype="long", null=-1),
    dict(name="f", datatype="float"),
    dict(name="d", datatype="double"),
    dict(name="c10", datatype="char", arraysize="10"),
    dict(name="cv", datatype="char", arraysize="*"),
    dict(name="u", datatype="unicodeChar", arraysize="*"),
    dict(name="pt", datatype="double", arraysize="2", xtype="point"),
    dict(name="poly", datatype="double", arraysize="*", xtype="polygon"),
    dict(name="i3", datatype="int", arraysize="3"),
    dict(name="f2x2", datatype="float", arraysize="2x2"),
    dict(name="bits", datatype="bit", arraysize="10"),
    dict(name="fc", datatype="floatComplex"),
    dict(name="dc", datatype="doubleComplex"),
    dict(name="t", datatype="char", arraysize="*", xtype="timestamp"),
]

ROWS = [
    (True, 0, -32768, 2147483647, 9223372036854775807, 1.5, 0.1, "abc", "hello <&>", "h\u00e9llo \u03bb \U0001F600",
     [10.5, -20.25], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1, 2, 3], [[1.5, 2.5], [3.5, 4.5]],
     [True, False, True, True, False, False, False, False, False, True], 1.5 - 2.5j, 1e300 + 1e-300j,
     "2024-01-02T03:04:05.678"),
    (False, 255, 32767, -2147483648, -9223372036854775807, float("nan"), float("inf"), "0123456789", "", "",
     [0.0, -90.0], [], [-1, 0, 1], [[0.0, -0.0], [1e-30, 3e38]],
     [False] * 10, 0j, -1j, "1999-12-31"),
    (None, 7, 0, None, None, None, float("-inf"), "x", "z", "\u00e5\u00e4\u00f6",
     [1.0, 2.0], [10.0, 10.0, 10.2, 10.0, 10.2, 10.2], [7, 8, 9], [[1.0, 2.0], [3.0, 4.0]],
     [True] * 10, None, None, "2000-01-01T00:00:00"),
]


def write(directory):
    out = {}
    for fmt in ("tabledata", "binary", "binary2"):
        vot = VOTableFile(version="1.4")
        res = Resource()
        res.infos.append(Info(name="QUERY_STATUS", value="OK"))
        vot.resources.append(res)
        table = Table(vot)
        res.tables.append(table)
        for spec in FIELDS:
            spec = dict(spec)
            null = spec.pop("null", None)
            f = Field(vot, **spec)
            if null is not None:
                f.values.null = null
            table.fields.append(f)
        table.create_arrays(len(ROWS))
        for r, row in enumerate(ROWS):
            for k, v in enumerate(row):
                name = FIELDS[k]["name"]
                if v is None:
                    table.array.mask[name][r] = True
                    continue
                if FIELDS[k].get("arraysize") == "*" and FIELDS[k]["datatype"] not in ("char", "unicodeChar"):
                    v = ma.array(v, dtype="f8", mask=np.zeros(len(v), bool))
                elif isinstance(v, list):
                    v = np.array(v).T if FIELDS[k]["arraysize"] == "2x2" else np.array(v)
                table.array.data[name][r] = v
        path = f"{directory}/astropy-{fmt}.xml"
        vot.to_xml(path, tabledata_format=fmt)
        out[fmt] = {"path": path, "read": dump(path)}
    print(json.dumps(out, allow_nan=False))


def main():
    cmd = sys.argv[1]
    if cmd == "dump":
        print(json.dumps({p: dump(p) for p in sys.argv[2:]}, allow_nan=False))
    elif cmd == "write":
        write(sys.argv[2])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
