"""The astropy side of the fits package's oracle tests: writes test images and reads files, answering in JSON.

usage: astropy_fits.py COMMAND < JSON_ARG
"""
import json
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.nddata import Cutout2D

warnings.simplefilter("ignore")


def jsonable(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, complex):
        return {"re": v.real, "im": v.imag}
    if v is None or isinstance(v, fits.card.Undefined):
        return None
    return str(v)


def cards(arg):
    """The cards of one HDU as astropy reads them: [keyword, value, comment]."""
    with fits.open(arg["path"], disable_image_compression=True) as f:
        h = f[arg.get("hdu", 0)].header
        return [[c.keyword, jsonable(c.value), c.comment] for c in h.cards]


def make_image(arg):
    """An image from a seeded generator: kinds 'smooth' (sky-like floats), 'int' (integers in a range)."""
    rng = np.random.default_rng(arg.get("seed", 1))
    shape = tuple(arg["shape"])  # numpy order: slowest axis first
    dtype = np.dtype(arg["dtype"])
    kind = arg.get("kind", "smooth")
    if kind == "smooth":
        yy = np.indices(shape).sum(axis=0).astype(np.float64)
        data = 100.0 + 10.0 * np.sin(yy / 7.0) + rng.normal(0.0, 3.0, shape)
        for _ in range(arg.get("stars", 5)):
            c = [rng.uniform(0, n) for n in shape]
            r2 = sum((np.indices(shape)[k] - c[k]) ** 2 for k in range(len(shape)))
            data += rng.uniform(100, 5000) * np.exp(-r2 / 8.0)
    else:
        lo, hi = arg.get("range", [-1000, 1000])
        data = rng.integers(lo, hi, shape, endpoint=True).astype(np.float64)
    data = data.astype(dtype)
    for idx in arg.get("nans", []):
        data[tuple(idx)] = np.nan
    for idx in arg.get("zeros", []):
        data[tuple(idx)] = 0
    return data


def write(arg):
    """Writes a primary HDU (empty or not) and image extensions, with optional header cards and scaling."""
    hdus = [fits.PrimaryHDU()]
    for spec in arg["images"]:
        data = make_image(spec)
        hdr = fits.Header()
        for k, v in spec.get("cards", {}).items():
            hdr[k] = v
        if spec.get("primary"):
            hdus[0] = fits.PrimaryHDU(data=data, header=hdr)
        else:
            hdus.append(fits.ImageHDU(data=data, header=hdr, name=spec.get("name")))
        if "bscale" in spec or "bzero" in spec:
            hdus[-1].scale(spec.get("scaled_type", "int16"), bscale=spec.get("bscale", 1), bzero=spec.get("bzero", 0))
        if "blank" in spec:  # mark the stored value as undefined (it occurs in the data after scaling)
            hdus[-1].header["BLANK"] = spec["blank"]
    fits.HDUList(hdus).writeto(arg["path"], overwrite=True, checksum=arg.get("checksum", False))
    return {"ok": True}


def dump(data, out):
    """Raw little-endian bytes of an array, and its dtype and shape, for an exact comparison in the test."""
    a = np.ascontiguousarray(data)
    a = a.astype(a.dtype.newbyteorder("<"))
    a.tofile(out)
    return {"dtype": a.dtype.str, "shape": list(a.shape)}


def cutout(arg):
    """Cutout2D on a 0-based (x, y) centre and (ny, nx) size; with mode='partial' off, the box must fit."""
    with fits.open(arg["path"]) as f:
        data = f[arg["hdu"]].data
        if arg.get("section"):  # a FITS-style 1-based inclusive box [[x1, x2], [y1, y2], ...]: numpy slices
            box = data[tuple(slice(a - 1, b) for a, b in reversed(arg["section"]))]
        else:
            c = Cutout2D(data, tuple(arg["position"]), tuple(arg["size"]), mode="trim")
            box = c.data
            (ymin, ymax), (xmin, xmax) = c.bbox_original
            return {**dump(box, arg["out"]), "box": [[xmin + 1, xmax + 1], [ymin + 1, ymax + 1]]}
        return dump(box, arg["out"])


def write_many(arg):
    """Several files in one process."""
    return [write(a) for a in arg]


def checked(arg):
    """Reads every HDU of a file with checksum verification on; returns astropy's warnings and each HDU's
    DATASUM as astropy computes it, and dumps each image's data (compressed ones decompressed)."""
    out = {"warnings": [], "datasums": [], "dumps": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fits.open(arg["path"], checksum=True) as f:
            for i, h in enumerate(f):
                out["datasums"].append(str(h._calculate_datasum()) if hasattr(h, "_calculate_datasum") else None)
                if h.data is not None and isinstance(h, (fits.ImageHDU, fits.PrimaryHDU, fits.CompImageHDU)):
                    out["dumps"].append(dump(h.data, f"{arg['out']}.{i}"))
                else:
                    out["dumps"].append(None)
        out["warnings"] = [str(w.message) for w in caught]
    return out


def wcs_compare(arg):
    """The largest sky separation (degrees) between the source WCS at (x + dx, y + dy) and the cutout WCS at (x, y),
    over the cutout's corners and centre, for the primary WCS and for each alternate letter asked for
    (compared as plain coordinates)."""
    from astropy.wcs import WCS

    with fits.open(arg["source"]) as s, fits.open(arg["cutout"]) as c:
        hs, hc = s[arg["source_hdu"]].header, c[arg["cutout_hdu"]].header
        nx, ny = hc["NAXIS1"], hc["NAXIS2"]
        dx, dy = arg["offset"]
        pts = np.array([[0, 0], [nx - 1, 0], [0, ny - 1], [nx - 1, ny - 1], [(nx - 1) / 2, (ny - 1) / 2]], dtype=float)
        out = {}
        for key in [" "] + arg.get("alternates", []):
            ws, wc = WCS(hs, key=key), WCS(hc, key=key)
            a = ws.wcs_pix2world(pts + [dx, dy], 0)
            b = wc.wcs_pix2world(pts, 0)
            out[key.strip() or "primary"] = {"max_diff": float(np.max(np.abs(a - b))), "cutout": b.tolist()}
        data = c[arg["cutout_hdu"]].data
        out["shape"] = list(data.shape)
        out["pixels"] = [float(data[y, x]) for y, x in arg.get("pixels", [])]
        return out


def preview(arg):
    """astropy's zscale limits and asinh-stretched 8-bit levels (first FITS row at the bottom) of one image, and the
    grey levels of a PNG file, read with zlib and struct only."""
    import struct
    import zlib

    from astropy.visualization import AsinhStretch, ZScaleInterval

    with fits.open(arg["path"]) as f:
        data = f[arg["hdu"]].data
    vmin, vmax = ZScaleInterval().get_limits(data)
    x = np.clip((data.astype(np.float64) - vmin) / (vmax - vmin), 0.0, 1.0)
    y = AsinhStretch()(x, clip=False)
    grey = np.where(np.isfinite(y), np.floor(y * 255 + 0.5), 0).astype(np.uint8)[::-1]
    png = open(arg["png"], "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", png[pos + 8 + n : pos + 12 + n])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.setdefault(kind, b"")
        chunks[kind] += body
        pos += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    rows = zlib.decompress(chunks[b"IDAT"])
    ours = np.frombuffer(b"".join(rows[r * (w + 1) + 1 : (r + 1) * (w + 1)] for r in range(h)), dtype=np.uint8).reshape(h, w)
    assert all(rows[r * (w + 1)] == 0 for r in range(h))
    return {
        "limits": [float(vmin), float(vmax)],
        "size": [w, h, depth, colour],
        "differ": int(np.sum(ours != grey)),
        "max_diff": int(np.max(np.abs(ours.astype(int) - grey.astype(int)))),
    }


def batch(arg):
    """Many cutouts in one process (python starts slowly): a list of cutout arguments, a list of answers."""
    out = []
    for a in arg:
        try:
            out.append(cutout(a))
        except Exception as e:  # astropy cannot read it: say so, the test decides
            out.append({"error": f"{type(e).__name__}: {e}"})
    return out


def read(arg):
    """The whole data of one HDU, as astropy scales it."""
    with fits.open(arg["path"]) as f:
        return dump(f[arg["hdu"]].data, arg["out"])


COMMANDS = {"cards": cards, "write": write, "cutout": cutout, "read": read, "batch": batch, "write_many": write_many, "checked": checked, "checked_many": lambda arg: [checked(a) for a in arg], "wcs_compare": wcs_compare, "preview": preview, "previews": lambda arg: [preview(a) for a in arg]}



def info(arg):
    """Each HDU's header and data offsets and data size, as astropy finds them."""
    with fits.open(arg["path"], disable_image_compression=True) as f:
        out = []
        for h in f:
            i = h.fileinfo()
            out.append({"name": h.name, "hdrLoc": i["hdrLoc"], "datLoc": i["datLoc"], "datSpan": i["datSpan"]})
        return out


COMMANDS["info"] = info


def write_then_info(arg):
    write(arg)
    return [info({"path": p}) for p in arg["paths"]]


COMMANDS["write_then_info"] = write_then_info

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](json.load(sys.stdin))))
