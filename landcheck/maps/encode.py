"""Encoding for the page: coordinates as integer deltas with ring/part counts, properties as columns with
repeated texts dictionary-coded, JSON safe inside a <script> element. Pure functions; no HTML."""

from __future__ import annotations


import json

import numpy as np
import shapely

from ..text import clean_text


# ------------------------------------------------------------------------------------------
# Encoding for the page
# ------------------------------------------------------------------------------------------
def js_json(obj) -> str:
    """JSON that is safe inside a <script> element and an HTML attribute-free context: `<`, `>`,
    `&` and the JS line separators are escaped as \\u sequences."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _ints(arr: np.ndarray) -> str:
    return ",".join(map(str, np.asarray(arr, dtype=np.int64).tolist()))


def _explode(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single parts (Polygon/LineString/Point) and the index of the geometry each came from."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    for _ in range(4):  # collections inside collections
        t = shapely.get_type_id(parts)
        multi = np.isin(t, (4, 5, 6, 7))
        if not multi.any():
            break
        sub, sidx = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        idx = np.concatenate([idx[~multi], idx[multi][sidx]])
        order = np.argsort(idx, kind="stable")
        parts, idx = parts[order], idx[order]
    keep = ~shapely.is_empty(parts)
    return parts[keep], idx[keep]


def encode_geometries(geoms, decimals: int) -> tuple[str, int]:
    """Geometries as compact JSON for the page: coordinates rounded to `decimals`, as integer deltas
    (x, y interleaved, running over the whole array), with vertex counts per ring (`r`), ring counts
    per part (`p`), part counts per geometry (`f`) and a kind per part (`k`: A polygon, L line,
    P point). Polygon rings drop their closing vertex. Returns (json, number of vertices)."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n == 0:
        return f'{{"d":{decimals},"c":[],"r":[],"p":[],"f":[],"k":""}}', 0
    parts, feat = _explode(geoms)
    ptype = shapely.get_type_id(parts)
    is_poly = ptype == 3
    kinds = np.where(is_poly, "A", np.where(ptype == 0, "P", "L"))
    pidx = np.flatnonzero(is_poly)
    rings, ring_of = shapely.get_rings(parts[pidx], return_index=True)
    nidx = np.flatnonzero(~is_poly)
    all_rings = np.concatenate([rings, parts[nidx]]) if len(nidx) else rings
    ring_part = np.concatenate([pidx[ring_of], nidx]) if len(nidx) else pidx[ring_of]
    closed = np.concatenate([np.ones(len(rings), bool), np.zeros(len(nidx), bool)])
    order = np.argsort(ring_part, kind="stable")
    all_rings, ring_part, closed = all_rings[order], ring_part[order], closed[order]
    coords, cring = shapely.get_coordinates(all_rings, return_index=True)
    counts = np.bincount(cring, minlength=len(all_rings))
    keep = np.ones(len(coords), dtype=bool)
    ends = np.cumsum(counts) - 1
    drop_end = closed & (counts > 1)
    keep[ends[drop_end]] = False
    ints = np.round(coords * (10 ** decimals)).astype(np.int64)
    # drop a vertex equal to the one before it in the same ring (after rounding)
    same = np.zeros(len(ints), dtype=bool)
    if len(ints) > 1:
        same[1:] = (ints[1:] == ints[:-1]).all(axis=1) & (cring[1:] == cring[:-1])
    keep &= ~same
    ints, cring = ints[keep], cring[keep]
    rcounts = np.bincount(cring, minlength=len(all_rings))
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    pcounts = np.bincount(ring_part, minlength=len(parts))
    fcounts = np.bincount(feat, minlength=n)
    text = (f'{{"d":{decimals},"c":[{_ints(deltas.ravel())}],"r":[{_ints(rcounts)}],'
            f'"p":[{_ints(pcounts)}],"f":[{_ints(fcounts)}],"k":"{"".join(kinds.tolist())}"}}')
    return text, int(len(ints))


def encode_column(values) -> object:
    """A text column for the page: plain list, or {"v": distinct values, "i": codes} when values repeat."""
    vals = ["" if v is None else clean_text(str(v)) for v in values]
    uniq = {}
    codes = [uniq.setdefault(v, len(uniq)) for v in vals]
    if len(uniq) * 2 <= len(vals):
        return {"v": list(uniq), "i": codes}
    return vals


