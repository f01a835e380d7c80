"""The 永久基本农田 YJJBNTBHTB layer: unions of the farmland groups' patches, some neighbouring pairs
re-drawn along a straight line across patches, with their attributes and areas.

Reads the patch frame; does not change the survey patches."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import units
from .constants import EPSG
from .geom import explode, halfplanes, node, union_groups
from .plan import Plan
from .survey import names


def _split_pairs(rng: np.random.Generator, geoms: np.ndarray, block: np.ndarray, share: float = 0.08):
    """Re-draw some pairs of neighbouring farmland polygons of a block along a straight line through
    their union (as if delineated on an older base map): their edges then cut across patches.
    Returns the polygons and the indices of those re-drawn."""
    n = len(geoms)
    order = np.argsort(block, kind="stable")
    same = block[order][1:] == block[order][:-1]
    cand = np.flatnonzero(same & (rng.random(n - 1) < share * 2)) if n > 1 else np.array([], dtype=int)
    # non-overlapping pairs (i, i+1) in block order that touch along a line
    used = np.zeros(n, dtype=bool)
    pairs = []
    for k in cand:
        i, j = order[k], order[k + 1]
        if not used[i] and not used[j]:
            used[i] = used[j] = True
            pairs.append((i, j))
    if not pairs:
        return geoms, np.array([], dtype=int)
    pi, pj = np.array(pairs).T
    touching = shapely.length(shapely.intersection(shapely.boundary(geoms[pi]), shapely.buffer(geoms[pj], 0.01))) > 20
    pi, pj = pi[touching], pj[touching]
    union = shapely.union(geoms[pi], geoms[pj])
    c = shapely.get_coordinates(shapely.centroid(union))
    c += rng.normal(0, 15, c.shape)
    ang = rng.uniform(0, np.pi, len(pi))
    d = np.column_stack([np.cos(ang), np.sin(ang)])
    side = c + np.column_stack([-d[:, 1], d[:, 0]])
    planes = halfplanes(c - d, c + d, side, np.zeros(len(pi)), reach=5000.0)
    a = shapely.intersection(union, planes)
    b = shapely.difference(union, planes)
    good = (shapely.area(a) > 300) & (shapely.area(b) > 300) & (shapely.get_type_id(a) == 3) & (shapely.get_type_id(b) == 3)
    out = geoms.copy()
    out[pi[good]] = a[good]
    out[pj[good]] = b[good]
    return out, np.concatenate([pi[good], pj[good]])


def farmland_frame(rng: np.random.Generator, P: pd.DataFrame, plan: Plan) -> gpd.GeoDataFrame:
    """YJJBNTBHTB polygons: the union of each group's patches (class = the group's cultivated class
    at delineation time), some pairs re-split across patches. Areas ellipsoidal m², 2 decimals."""
    in_group = np.flatnonzero(P["group"].to_numpy() >= 0)
    grp = P["group"].to_numpy()[in_group]
    g = P["geometry"].to_numpy()[in_group]
    ids, geoms = union_groups(g, grp, coverage=True)
    parts, pidx = explode(geoms)
    ids = ids[pidx]
    # attributes from the group's largest patch (its baseline class, KCXS, unit)
    area = shapely.area(g)
    big = pd.Series(area).groupby(grp).idxmax()
    src = in_group[big.loc[ids].to_numpy()]
    block = P["block"].to_numpy()[src]
    parts, redrawn = _split_pairs(rng, parts, block)
    if len(redrawn):  # edge-match the new cut lines; all other edges are patch edges already
        parts = node(parts)
    u = plan.units
    unit = P["unit"].to_numpy()[src]
    code12 = u["code12"].to_numpy()[unit]
    base = P["base"].to_numpy()[src]
    kcxs = P["KCXS"].to_numpy()[src]
    mj = units.round_half_up_array(units.ellipsoidal_area(parts, EPSG))
    kcmj = units.round_half_up_array(mj * kcxs)
    rep = shapely.get_coordinates(shapely.point_on_surface(parts))
    order = np.lexsort((rep[:, 0], -rep[:, 1], code12))
    seq = pd.Series(np.arange(len(parts))).groupby(code12[order]).cumcount().to_numpy() + 1
    bh = np.empty(len(parts), dtype=object)
    bh[order] = [f"{c}{s:04d}" for c, s in zip(code12[order], seq)]
    bsm = np.empty(len(parts), dtype=object)
    bsm[order] = [f"{c[:9]}3{i:08d}" for c, i in zip(code12[order], np.arange(1, len(parts) + 1))]
    df = pd.DataFrame({
        "BSM": bsm, "YJJBNTTBBH": bh, "DLBM": base, "DLMC": names(base),
        "ZLDWDM": [c + "0000000" for c in code12], "ZLDWMC": u["name"].to_numpy()[unit],
        "YJJBNTTBMJ": mj, "KCXS": kcxs, "KCMJ": kcmj, "YJJBNTMJ": units.round_half_up_array(mj - kcmj),
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(parts, crs=EPSG))
    return out.iloc[order].reset_index(drop=True)
