"""The part of each geometry inside another layer (permanent basic farmland, cultivated land of the
baseline), with slivers snapped so that a boundary drawn a little differently does not split a
piece of ground; and the ground of one survey that the other does not cover.

Geometry and areas only: no rules, no land-use codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import overlay, units
from ...config import Rules
from ...progress import Advance
from ..fields import farmland_ids, with_feature_ids


@dataclass
class Inside:
    """The part of each geometry inside a layer (snapped for slivers)."""

    m2: np.ndarray          # area inside (m², ellipsoidal)
    geom: np.ndarray        # the part inside (None: nothing; the geometry itself when wholly inside)
    out_geom: np.ndarray    # the part outside (None: nothing; the geometry itself when nothing inside)
    ids: np.ndarray         # the other layer's ids it lies in ("、"-joined, largest share first)

    @classmethod
    def unknown(cls, geoms: np.ndarray) -> Inside:
        """Nothing known inside (no such layer): NaN m², every geometry wholly outside."""
        n = len(geoms)
        return cls(m2=np.full(n, np.nan), geom=np.full(n, None, dtype=object), out_geom=geoms.copy(),
                   ids=np.full(n, "", dtype=object))


def in_crs(df: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """`df` in `crs` (the frame itself when it is already)."""
    return df.to_crs(crs) if df.crs != crs else df


def inside(geoms: np.ndarray, areas: np.ndarray, pieces: overlay.Pieces, piece_m2: np.ndarray, mask: np.ndarray | None,
           other_ids: np.ndarray, rules: Rules) -> Inside:
    """The part of each of `geoms` inside the (non-overlapping) polygons that `pieces` pairs it with
    (`mask` over the pieces: which count). A part inside that is a sliver counts as outside, a part
    outside that is a sliver counts as inside: a boundary drawn a little differently in two layers does
    not split a piece of ground."""
    n = len(geoms)
    sel = np.ones(len(pieces), dtype=bool) if mask is None else mask
    ia, ib = pieces.ia[sel], pieces.ib[sel]
    pg = np.asarray(pieces.geometry, dtype=object)[sel]
    whole = np.asarray(pieces.whole, dtype=bool)[sel]
    pm = piece_m2[sel]
    m2 = np.minimum(np.bincount(ia, weights=pm, minlength=n), areas) if n else np.zeros(0)
    wholly = np.zeros(n, dtype=bool)
    wholly[ia[whole]] = True
    inner = np.full(n, None, dtype=object)
    outside = geoms.copy()
    part = np.flatnonzero((m2 > 0) & ~wholly)
    if len(part):
        remap = np.full(n, -1, dtype=np.int64)
        remap[part] = np.arange(len(part))
        m = remap[ia] >= 0
        gu = overlay.polygonal(overlay.group_union(pg[m], remap[ia[m]], len(part)))
        out = overlay.polygonal(shapely.difference(geoms[part], gu))
        out_m2 = np.maximum(areas[part] - m2[part], 0.0)
        in_sl = overlay.is_sliver(gu, m2[part], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2)
        out_sl = ~in_sl & (shapely.is_missing(out) | overlay.is_sliver(out, out_m2, width_m=rules.sliver_width_m,
                                                                        min_area_m2=rules.min_area_m2))
        inner[part] = gu
        outside[part] = out
        m2[part[in_sl]] = 0.0
        inner[part[in_sl]] = None
        outside[part[in_sl]] = geoms[part[in_sl]]
        wholly[part[out_sl]] = True
    m2[wholly] = areas[wholly]
    inner[wholly] = geoms[wholly]
    outside[wholly] = None
    # ids of the polygons each lies in, largest share first (only where something is inside)
    ids = np.full(n, "", dtype=object)
    has = m2 > 0
    keep = has[ia] & (pm > 0)
    if keep.any():
        d = pd.DataFrame({"i": ia[keep], "id": other_ids[ib[keep]].astype(str), "a": pm[keep]})
        d = d.groupby(["i", "id"], sort=False)["a"].sum().reset_index()
        d = d.sort_values(["i", "a", "id"], ascending=[True, False, True], kind="stable")
        joined = d.groupby("i", sort=True)["id"].agg("、".join)
        ids[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    return Inside(m2=m2, geom=inner, out_geom=outside, ids=ids)


def piece_areas(pieces: overlay.Pieces, areas: np.ndarray, crs) -> np.ndarray:
    """Ellipsoidal m² of every piece: a whole piece has the area of its geometry of the first layer
    (`areas`), the others are measured."""
    out = np.empty(len(pieces), dtype="float64")
    w = np.asarray(pieces.whole, dtype=bool)
    out[w] = areas[pieces.ia[w]]
    out[~w] = units.ellipsoidal_area(np.asarray(pieces.geometry, dtype=object)[~w], crs)
    return out


def inside_farmland(geoms: np.ndarray, areas: np.ndarray, farmland: gpd.GeoDataFrame | None, crs, rules: Rules,
                    threads, progress: Advance) -> tuple[Inside, bool, int]:
    """`inside` permanent basic farmland, its polygons made non-overlapping first (each square metre
    once): (the parts, whether there was a farmland layer, how many pairs of its polygons overlap).
    Without a farmland layer nothing is known inside (`Inside.unknown`)."""
    if farmland is None:
        return Inside.unknown(geoms), False, 0
    if farmland.crs is None:
        raise ValueError("farmland needs a CRS")
    fm = in_crs(with_feature_ids(farmland), crs)
    f_geom, overlaps, _ = overlay.deoverlap(fm.geometry.to_numpy())
    fp = overlay.intersect_pairs(geoms, f_geom, threads=threads, progress=progress)
    return inside(geoms, areas, fp, piece_areas(fp, areas, crs), None, farmland_ids(fm), rules), True, len(overlaps)


def uncovered_parts(b: np.ndarray, a: np.ndarray, pair_b: np.ndarray, pair_a: np.ndarray, covered: np.ndarray,
                    threads, progress: Advance) -> np.ndarray:
    """b minus the a's overlapping it (pairs `pair_b`, `pair_a`), for the b's not known to be
    covered; None where covered."""
    out = np.full(len(b), None, dtype=object)
    todo = np.flatnonzero(~covered)
    if len(todo):
        res = overlay.uncovered(b[todo], a, pieces=_pieces_for(pair_b, pair_a, todo, len(b)),
                                threads=threads, progress=progress)
        out[todo] = overlay.polygonal(res)
    return out


def _pieces_for(ia_b: np.ndarray, ia_a: np.ndarray, todo: np.ndarray, n_b: int) -> overlay.Pieces:
    """Pairs (a, b) restricted to the b's in `todo`, re-indexed into b[todo] (what overlay.uncovered needs)."""
    remap = np.full(n_b, -1, dtype=np.int64)
    remap[todo] = np.arange(len(todo))
    sel = remap[ia_b] >= 0
    k = int(sel.sum())
    return overlay.Pieces(ia=ia_a[sel], ib=remap[ia_b[sel]], geometry=np.full(k, None, dtype=object),
                          whole=np.zeros(k, dtype=bool))
