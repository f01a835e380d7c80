"""What a 补划 candidate is (issue 17, domain.md §9.7): current 耕地 (01xx) outside every farmland polygon,
every exclusion layer and every open ledger task, not unstable (TBXHDM), not 撂荒 unless allowed, never
GDPDJB 5, at least the minimum mapped size. A patch partly covered is cut along the blocking edge; cut
pieces thinner than the sliver width or smaller than the minimum are dropped. Each candidate gets its
adjacency to farmland (touching or within the gap) and the area of its contiguous group.
Pure: GeoDataFrames in, a GeoDataFrame and drop counts out.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ... import units
from ...columns import text_column
from ...config import Rules
from ...overlay import union_by
from ..fields import grade_values, village_text

#: Why a cultivated patch is not a candidate (keys of `dropped`).
REASONS = ("unstable", "abandoned", "too_steep", "in_farmland", "excluded", "open_task", "too_small")


@dataclass(frozen=True)
class SupplementRules:
    """The [supplement] table of the rules (rules.toml, domain.md §9.7)."""

    unstable_codes: tuple[str, ...]
    steepest_grade: int
    min_area_m2: float
    min_width_m: float
    adjacency_gap_m: float
    allow_abandoned: bool


def supplement_rules(rules: Rules) -> SupplementRules:
    """The [supplement] rules; GDPDJB 5 (> 25°) stays excluded whatever the table says."""
    t = rules.data.get("supplement", {})
    return SupplementRules(
        unstable_codes=tuple(str(c).strip().upper() for c in t.get("unstable_codes", ())),
        steepest_grade=min(int(t.get("steepest_grade", 4)), 4), min_area_m2=float(t.get("min_area_m2", 400.0)),
        min_width_m=float(t.get("min_width_m", 2.0)), adjacency_gap_m=float(t.get("adjacency_gap_m", 5.0)),
        allow_abandoned=bool(t.get("allow_abandoned", False)))


def _cut(geoms: np.ndarray, blockers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each geometry less the blockers of each layer, in turn (one union of a patch's blockers, one
    difference, vectorised); also which layer (index) first removed all of it (-1: something is left)."""
    out = geoms.copy()
    gone_by = np.full(len(geoms), -1)
    for k, layer in enumerate(blockers):
        if not len(layer):
            continue
        src, hit = shapely.STRtree(layer).query(out, predicate="intersects")
        live = gone_by[src] < 0
        src, hit = src[live], hit[live]
        if not len(src):
            continue
        touched, inv = np.unique(src, return_inverse=True)
        rest = shapely.make_valid(shapely.difference(out[touched], union_by(layer[hit], inv, len(touched))))
        out[touched] = rest
        gone_by[touched[shapely.is_empty(rest) | (shapely.area(rest) == 0)]] = k
    return out, gone_by


def _pieces(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The polygons of (cut) geometries and the position of the geometry each comes from."""
    parts, idx = shapely.get_parts(shapely.make_valid(geoms), return_index=True)
    parts, idx2 = shapely.get_parts(parts, return_index=True)  # a collection's multipolygons too
    idx = idx[idx2]
    poly = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    return parts[poly], idx[poly]


def _groups(geoms: np.ndarray, gap: float) -> np.ndarray:
    """Connected components of pieces touching or within `gap` of each other (labels 0.., in the order of
    each component's first piece; scipy's connected components, as the transfer check's blocks)."""
    n = len(geoms)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=gap)
    _, labels = connected_components(coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)), directed=False)
    return labels.astype(np.int64)


def find_candidates(survey: gpd.GeoDataFrame, farmland: gpd.GeoDataFrame, excludes: list[gpd.GeoDataFrame],
                    open_tasks: gpd.GeoDataFrame | None, rules: SupplementRules) -> tuple[gpd.GeoDataFrame, dict]:
    """The candidates (patch_id, village, village_code, dlbm, gdpdjb, gddb, area_m2, adjacent,
    farmland_distance_m, group, group_m2, geometry in the survey's CRS) and how many cultivated patches
    were dropped for each reason of REASONS."""
    crs = survey.crs
    code = text_column(survey, "DLBM")
    cultivated = np.array([c.startswith("01") for c in code], dtype=bool)
    grade = grade_values(survey, "GDPDJB")
    dropped = {r: 0 for r in REASONS}
    unstable = np.isin(np.char.upper(text_column(survey, "TBXHDM").astype(str)), rules.unstable_codes) & cultivated
    abandoned = (np.char.upper(text_column(survey, "ZZSXDM", "GDZZSXDM").astype(str)) == "WG") & cultivated & ~unstable
    if rules.allow_abandoned:
        abandoned[:] = False
    steep = (grade > rules.steepest_grade) & cultivated & ~unstable & ~abandoned
    dropped.update(unstable=int(unstable.sum()), abandoned=int(abandoned.sum()), too_steep=int(steep.sum()))
    keep = np.flatnonzero(cultivated & ~unstable & ~abandoned & ~steep)
    layers = [farmland] + list(excludes) + ([open_tasks] if open_tasks is not None and len(open_tasks) else [])
    blockers = [np.asarray(g.to_crs(crs).geometry.values if g.crs is not None and crs is not None else g.geometry.values,
                           dtype=object) for g in layers]
    blockers = [b[~shapely.is_missing(b)] for b in blockers]
    cut, gone_by = _cut(np.asarray(survey.geometry.values, dtype=object)[keep], blockers)
    n_ex = len(excludes)
    for k in gone_by[gone_by >= 0]:
        dropped["in_farmland" if k == 0 else "excluded" if k <= n_ex else "open_task"] += 1
    village, vcode = village_text(survey), text_column(survey, "ZLDWDM")
    ids = text_column(survey, "BSM") if "BSM" in survey.columns else np.array([f"#{i + 1}" for i in range(len(survey))], dtype=object)
    gddb = grade_values(survey, "GDDB")
    left = np.flatnonzero(gone_by < 0)  # positions in `keep` of the patches something is left of
    parts, j = _pieces(cut[left])
    wide = 2 * shapely.area(parts) >= rules.min_width_m * np.maximum(shapely.length(parts), 1e-12)
    parts, j = parts[wide], j[wide]
    area = units.ellipsoidal_area(parts, crs) if len(parts) else np.zeros(0)
    big = area >= rules.min_area_m2
    parts, j, area = parts[big], j[big], area[big]
    n_ok = np.bincount(j, minlength=len(left))
    dropped["too_small"] += int((n_ok == 0).sum())
    i = keep[left[j]]  # the survey row of each piece
    original = np.asarray(survey.geometry.values, dtype=object)[i]
    whole = (n_ok[j] == 1) & shapely.equals(parts, original)
    g_db = gddb[i]
    out = gpd.GeoDataFrame({
        "patch_id": ids[i].astype(str), "village": village[i].astype(str),
        "village_code": np.array([str(v)[:12] for v in vcode[i]], dtype=object), "dlbm": code[i].astype(str),
        "gdpdjb": grade[i], "gddb": np.where((g_db >= 1) & (g_db <= 15), g_db, np.nan), "area_m2": area.astype(float),
        "whole": whole.astype(bool)}, geometry=gpd.GeoSeries(parts, crs=crs))
    g = np.asarray(out.geometry.values, dtype=object)
    fb = blockers[0]
    if len(g) and len(fb):
        idx, d = shapely.STRtree(fb).query_nearest(g, return_distance=True, all_matches=False)
        dist = np.full(len(g), np.inf)
        dist[idx[0]] = d
    else:
        dist = np.full(len(g), np.inf)
    out["farmland_distance_m"] = dist
    out["adjacent"] = dist <= rules.adjacency_gap_m
    out["group"] = _groups(g, rules.adjacency_gap_m)
    out["group_m2"] = out.groupby("group")["area_m2"].transform("sum") if len(out) else pd.Series(dtype="float64")
    return out.reset_index(drop=True), dropped
