"""The problems table of the survey check: its columns, its codes, and `ProblemCollector`, which
gathers the rows of every check as column arrays and makes one sorted frame of them.

Holds no rule: the check modules decide what a problem is and add it here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import units

#: Columns of the problems frame (plus `geometry`). `feature_id`: the layer's id (BSM or `#n`) of the
#: feature concerned, "a/b" for an overlap, the surrounding patches for a gap, "" for the whole layer.
#: `field`/`value`: the attribute concerned and its delivered value ("" when none). `area_m2`:
#: ellipsoidal area of the problem's geometry (the overlap piece, the gap, the feature), NaN without
#: geometry. `lon`/`lat`: a point locating the problem in EPSG:4490 (the self-intersection of an
#: invalid ring), NaN for layer-level problems.
PROBLEM_COLUMNS = ["code", "severity", "feature_id", "field", "value", "message", "area_m2", "lon", "lat"]

#: Every code, in report order, with what it means.
CODES = {
    "missing_field": "a field the schema requires is absent",
    "no_crs": "no CRS declared (it was inferred from the coordinates)",
    "crs_mismatch": "the declared CRS contradicts the coordinates",
    "invalid_geometry": "invalid ring (self-intersection …): repaired on reading, or dropped when nothing was left",
    "empty_geometry": "feature without geometry (null or empty): dropped",
    "non_polygon": "point or line feature in a polygon layer: dropped",
    "unknown_code": "DLBM not in the 三调 code table (or blank, or not a leaf class)",
    "code_name_mismatch": "DLBM and DLMC name different classes",
    "duplicate_id": "an id that must be unique occurs more than once",
    "overlap": "two patches overlap by more than the tolerance",
    "gap": "a narrow or small hole between patches inside the coverage",
    "area_mismatch": "TBMJ differs from the ellipsoidal area",
    "tbdlmj_mismatch": "KCMJ ≠ TBMJ × KCXS or TBDLMJ (YJJBNTMJ) ≠ TBMJ − KCMJ",
    "invalid_attribute": "an attribute value not allowed (for the class)",
    "road_too_wide": "农村道路 1006 wider than the maximum width",
}

_COLUMNS = ["code", "severity", "feature_id", "field", "value", "message", "area_m2", "geometry", "order", "x", "y"]


def fmt_number(x: float, nd: int = 2) -> str:
    """A number for a message: rounded half-up to `nd` decimals, all of them shown; an absurd one
    (1e15 or more) in scientific notation, so that a message stays one short line."""
    x = float(x)
    if np.isfinite(x) and abs(x) >= 1e15:
        return f"{x:.3e}"
    return f"{units.round_half_up(x, nd):.{nd}f}"


class ProblemCollector:
    """Collects the problems of each check as column arrays (`parts`, one dict a call of `add`); one
    frame at the end. `order` is the feature number a row sorts by within its code."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, code: str, severity, feature_id, message, *, field_name="", value="", geometry=None,
            area=None, order=None, xy=None) -> None:
        n = len(message)
        if n == 0:
            return
        rep = lambda v, dt=object: np.asarray(v, dtype=dt) if np.ndim(v) else np.full(n, v, dtype=dt)
        self.parts.append({
            "code": np.full(n, code, dtype=object),
            "severity": rep(severity),
            "feature_id": rep(feature_id),
            "field": rep(field_name),
            "value": rep(value),
            "message": np.asarray(message, dtype=object),
            "area_m2": rep(np.nan if area is None else area, "float64"),
            "geometry": rep(None) if geometry is None else np.asarray(geometry, dtype=object),
            "order": rep(-1 if order is None else order, "int64"),
            "x": np.full(n, np.nan) if xy is None else np.asarray(xy, dtype="float64")[:, 0],
            "y": np.full(n, np.nan) if xy is None else np.asarray(xy, dtype="float64")[:, 1],
        })

    def locate(self) -> None:
        """Give every row with a geometry and no point yet a point on its geometry (element by element:
        the same point wherever it is done, so a task can do it where the geometries are)."""
        for r in self.parts:
            g = r["geometry"]
            if not len(g):
                continue
            has = ~shapely.is_missing(g)
            has[has] = ~shapely.is_empty(g[has])
            need = has & ~np.isfinite(r["x"])
            if need.any():
                pts = shapely.point_on_surface(g[need])
                r["x"], r["y"] = r["x"].copy(), r["y"].copy()
                r["x"][need], r["y"][need] = shapely.get_x(pts), shapely.get_y(pts)

    def frame(self, work_crs, out_crs) -> gpd.GeoDataFrame:
        """All rows as a GeoDataFrame in `out_crs`, sorted by code (in `CODES` order), then by feature
        number, stably; lon/lat from each row's point (located now where still missing)."""
        self.locate()
        if self.parts:
            data = {c: np.concatenate([p[c] for p in self.parts]) for c in _COLUMNS}
        else:
            data = {c: np.empty(0, dtype="float64" if c in ("area_m2", "x", "y") else
                                ("int64" if c == "order" else object)) for c in _COLUMNS}
        rank = {c: k for k, c in enumerate(CODES)}
        key = np.array([rank[c] for c in data["code"]], dtype=np.int64)
        idx = np.lexsort((data["order"], key))
        data = {c: v[idx] for c, v in data.items()}
        lon, lat = units.to_lonlat(data["x"], data["y"], work_crs)
        df = pd.DataFrame({c: data[c] for c in PROBLEM_COLUMNS if c not in ("lon", "lat")})
        df["lon"] = np.round(lon, 6)
        df["lat"] = np.round(lat, 6)
        for c in ("code", "severity", "feature_id", "field", "value", "message"):
            df[c] = df[c].astype(object)
        gdf = gpd.GeoDataFrame(df[PROBLEM_COLUMNS], geometry=gpd.GeoSeries(data["geometry"], crs=work_crs))
        if out_crs is not None and gdf.crs != out_crs:
            gdf = gdf.to_crs(out_crs)
        return gdf.reset_index(drop=True)
