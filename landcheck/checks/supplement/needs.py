"""The need of a 补划 proposal: from the ledger's tasks whose 整改措施 an officer set or confirmed as 调出补划
(an edit or import in the history; landcheck's untouched suggestion only when asked), each needing its
剩余未整改面积 (else its area inside farmland net of 田坎 by the farmland polygon's KCXS), with the slope
grade and quality of the farmland polygon it lies on (most overlap); or one figure for the township.
Also the open tasks, whose land is never proposed, and the preferred layers of each candidate.
Pure: a loaded Ledger and frames in, frames out.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import units
from ...config import vocabulary
from ...ledger import Ledger
from ...ledger.schema import status_roles
from ...ledger.suggestions import edited_by_people
from ...overlay import union_by
from ..fields import grade_values, kcxs

#: The measure whose tasks need 补划 (one of the vocabulary's measures).
MEASURE = "调出补划"
NEED_COLUMNS = ["issue_id", "village", "village_code", "need_mu", "grade", "gddb", "suggested_only"]


def _check_measure() -> str:
    if MEASURE not in vocabulary().measures:  # pragma: no cover - guards an edited vocabulary
        raise ValueError(f"{MEASURE} is not a measure of the vocabulary")
    return MEASURE


def open_tasks(ledger: Ledger) -> gpd.GeoDataFrame:
    """Tasks not 已整改/已销号, with a geometry."""
    T = ledger.tasks
    keep = ~T["status"].isin(status_roles().finished).to_numpy() & ~shapely.is_missing(np.asarray(T.geometry.values, dtype=object))
    return T[keep]


def _farmland_of(geoms: np.ndarray, farmland: gpd.GeoDataFrame) -> np.ndarray:
    """For each geometry the position of the farmland polygon it overlaps most (-1: none)."""
    out = np.full(len(geoms), -1)
    if not len(farmland) or not len(geoms):
        return out
    fg = np.asarray(farmland.geometry.values, dtype=object)
    src, hit = shapely.STRtree(fg).query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[src], fg[hit]))
    order = np.lexsort((-area, src))  # per geometry the largest overlap first (the first found among equals)
    src, hit, area = src[order], hit[order], area[order]
    first = np.r_[True, src[1:] != src[:-1]] & (area > 0)
    out[src[first]] = hit[first]
    return out


def ledger_needs(ledger: Ledger, farmland: gpd.GeoDataFrame, include_suggested: bool = False) -> gpd.GeoDataFrame:
    """One row per open task whose measure is 调出补划 (set by a person, or any with `include_suggested`):
    NEED_COLUMNS and its geometry in the farmland's CRS."""
    T = ledger.tasks
    edited = {iid for iid, f in edited_by_people(ledger) if f == "measure"}
    mine = (T["measure"].astype(str).str.strip() == _check_measure()).to_numpy()
    people = T["issue_id"].astype(str).isin(edited).to_numpy()
    done = T["status"].isin(status_roles().finished).to_numpy()
    sel = mine & ~done & (people | include_suggested)
    rows = T[sel]
    geoms = rows.geometry.to_crs(farmland.crs) if rows.crs is not None and farmland.crs is not None else rows.geometry
    geoms = np.asarray(geoms.values, dtype=object)
    where = _farmland_of(geoms, farmland)
    f_kcxs, f_grade, f_gddb = kcxs(farmland), grade_values(farmland, "GDPDJB"), grade_values(farmland, "GDDB")

    def pick(arr, fill: float) -> np.ndarray:  # the farmland polygon's value, `fill` where there is none
        arr = np.append(np.asarray(arr, dtype="float64"), fill)
        return arr[np.where(where >= 0, where, len(arr) - 1)]

    k, grade, gddb = pick(f_kcxs, 0.0), pick(f_grade, np.nan), pick(f_gddb, np.nan)
    gddb[(gddb < 1) | (gddb > 15)] = np.nan
    remaining = rows["remaining_mu"].to_numpy(dtype="float64")
    pbf = rows["pbf_m2"].to_numpy(dtype="float64")
    gross = np.where(np.isfinite(pbf) & (pbf > 0), pbf, rows["area_m2"].to_numpy(dtype="float64"))
    net_mu = units.area_mu_array(gross * (1.0 - k))
    need = np.where(np.isfinite(remaining), units.round_half_up_array(remaining, 2), net_mu)
    data = pd.DataFrame({"issue_id": rows["issue_id"].astype(str).to_numpy(), "village": rows["village"].astype(str).to_numpy(),
                         "village_code": rows["village_code"].astype(str).to_numpy(), "need_mu": need,
                         "grade": grade, "gddb": gddb, "suggested_only": ~people[sel]})
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=farmland.crs))


def figure_need(need_mu: float, crs) -> gpd.GeoDataFrame:
    """A need given as one figure for the township (no village, no place, no constraint)."""
    data = pd.DataFrame({"issue_id": [""], "village": [""], "village_code": [""], "need_mu": [units.round_half_up(need_mu, 2)],
                         "grade": [np.nan], "gddb": [np.nan], "suggested_only": [False]})
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([None], crs=crs))


def preferred(cands: gpd.GeoDataFrame, prefers: list[gpd.GeoDataFrame]) -> np.ndarray:
    """For each candidate the first preferred layer (0, 1, …) holding at least half of it; len(prefers) when none."""
    out = np.full(len(cands), len(prefers))
    g = np.asarray(cands.geometry.values, dtype=object)
    for k in range(len(prefers) - 1, -1, -1):
        p = prefers[k].to_crs(cands.crs) if prefers[k].crs is not None and cands.crs is not None else prefers[k]
        pg = np.asarray(p.geometry.values, dtype=object)
        if not len(pg) or not len(g):
            continue
        src, hit = shapely.STRtree(pg).query(g, predicate="intersects")
        touched, inv = np.unique(src, return_inverse=True)
        inside = shapely.area(shapely.intersection(g[touched], union_by(pg[hit], inv, len(touched))))
        out[touched[inside >= 0.5 * shapely.area(g[touched])]] = k
    return out
