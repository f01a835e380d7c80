"""Two late additions to a finished township, each with its own rng or none (the other draws stay as they
were): `plant_old_orchards` — a few small farmland polygons that were delineated over orchards (存量, their
class at delineation 0201, the patches orchards without 恢复属性 ever since: the checks suggest 调出补划,
domain.md §9.1, §9.7) — and `town_boundary`, the seat's 城镇开发边界 (a plausible outline of its built-up
patches and fringe, for `landcheck supplement` to avoid).

Attributes only: no geometry of the survey or the farmland changes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import units
from .constants import EPSG
from .survey import names

#: How many farmland polygons become old orchards (one per village at most).
OLD_ORCHARDS = 4
#: The 城镇开发边界: the seat's patches grown by this much (m), then closed and simplified.
BOUNDARY_GROW_M, BOUNDARY_SIMPLIFY_M = 180.0, 10.0


def _whole_polygons(survey: gpd.GeoDataFrame, farmland: gpd.GeoDataFrame, which: np.ndarray) -> dict[int, np.ndarray]:
    """Of the farmland polygons `which`, those made of 1–3 whole grain patches (01xx, LS, no 田坎): polygon →
    survey rows (the patches whose inner point lies in it cover exactly its area: none sticks out or is cut)."""
    g, fm = survey.geometry.to_numpy(), farmland.geometry.to_numpy()
    k, si = shapely.STRtree(shapely.point_on_surface(g)).query(fm[which], predicate="contains")
    fi = np.asarray(which, dtype=int)[k]
    grain = (survey["DLBM"].astype(str).str.startswith("01") & (survey["ZZSXDM"] == "LS")
             & (survey["KCXS"].to_numpy(dtype=float) == 0)).to_numpy()
    area = shapely.area(g)
    out = {}
    for f, rows in pd.Series(si).groupby(fi):
        rows, total = rows.to_numpy(), area[rows.to_numpy()].sum()
        if not (len(rows) <= 3 and grain[rows].all() and abs(total - shapely.area(fm[f])) < 1e-3 * total):
            continue
        if abs(shapely.area(shapely.intersection(fm[f], shapely.union_all(g[rows]))) - total) < 1e-3 * total:
            out[int(f)] = rows
    return out


def plant_old_orchards(rng: np.random.Generator, survey: gpd.GeoDataFrame, farmland: gpd.GeoDataFrame,
                       transfer: gpd.GeoDataFrame, n: int = OLD_ORCHARDS) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, int]:
    """Make `n` small farmland polygons of 1–3 whole grain patches, away from every transfer parcel and in
    different villages, old orchards: the polygons' class 0201 (KCXS 0), their patches 0201 果园 without
    ZZSXDM, 耕地 fields or 田坎. Returns new survey and farmland frames and how many were planted."""
    survey, farmland = survey.copy(), farmland.copy()
    fm = farmland.geometry.to_numpy()
    busy = set(shapely.STRtree(fm).query(transfer.geometry.to_numpy(), predicate="intersects")[1]) if len(transfer) else set()
    area = shapely.area(fm)
    small = np.array([f for f in np.flatnonzero((area >= 3000) & (area <= 12000)) if f not in busy], dtype=int)
    polys = _whole_polygons(survey, farmland, small)
    village = farmland["ZLDWDM"].astype(str).to_numpy()
    ok = np.array(sorted(polys), dtype=int)
    chosen: list[int] = []
    for f in rng.permutation(ok):
        if len(chosen) < n and village[f] not in {village[c] for c in chosen}:
            chosen.append(int(f))
    rows = np.concatenate([polys[f] for f in chosen]) if chosen else np.zeros(0, dtype=int)
    survey.loc[rows, "DLBM"] = "0201"
    survey.loc[rows, "DLMC"] = names(np.array(["0201"]))[0]
    survey.loc[rows, ["KCDLBM", "GDLX", "GDPDJB", "TBXHDM", "TBXHMC", "ZZSXDM", "ZZSXMC"]] = ""
    survey.loc[rows, ["KCXS", "KCMJ"]] = 0.0
    survey.loc[rows, "TBDLMJ"] = survey.loc[rows, "TBMJ"]
    farmland.loc[chosen, "DLBM"] = "0201"
    farmland.loc[chosen, "DLMC"] = names(np.array(["0201"]))[0]
    farmland.loc[chosen, ["KCXS", "KCMJ"]] = 0.0
    farmland.loc[chosen, "YJJBNTMJ"] = farmland.loc[chosen, "YJJBNTTBMJ"]
    return survey, farmland, len(chosen)


def town_boundary(survey: gpd.GeoDataFrame, township: str) -> gpd.GeoDataFrame:
    """城镇开发边界 of each seat: its built-up patches (CZCSXM 202) grown by BOUNDARY_GROW_M into the
    fields around, closed, simplified; attributes 名称, 类型, 面积 (ellipsoidal m², 2 decimals)."""
    seat = survey[survey["CZCSXM"].astype(str) == "202"]
    grown = shapely.buffer(shapely.union_all(seat.geometry.to_numpy()), BOUNDARY_GROW_M, quad_segs=4)
    closed = shapely.buffer(grown, -BOUNDARY_GROW_M / 3, quad_segs=4)
    parts = [p for p in shapely.get_parts(shapely.simplify(closed, BOUNDARY_SIMPLIFY_M)) if shapely.area(p) > 1e5]
    parts = sorted(parts, key=lambda p: -shapely.area(p))
    mj = units.round_half_up_array(units.ellipsoidal_area(np.array(parts, dtype=object), EPSG)) if parts else []
    df = pd.DataFrame({"BSM": [f"CZKFBJ{k + 1:03d}" for k in range(len(parts))],
                       "MC": [f"{township}城镇开发边界" for _ in parts], "LX": ["城镇开发边界"] * len(parts), "MJ": mj})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(parts, crs=EPSG))
