"""The one finding schema every check returns, and deterministic finding keys.

Columns (English keys; Chinese headers only in spreadsheets): see `FINDING_COLUMNS`. Areas: `area_m2`
ellipsoidal (CGCS2000) unrounded in memory, `area_mu` rounded half-up to 2 decimals; `lon/lat` a
point inside the piece in EPSG:4490.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import units
from .config import vocabulary

FINDING_COLUMNS = (
    "finding_key", "check", "problem_type", "category", "severity", "suggested_measure",
    "patch_id", "farmland_id", "dlbm", "dlmc", "village", "township", "area_m2", "area_mu", "lon", "lat",
)

#: Chinese headers for spreadsheets (CSV keeps the English keys).
HEADERS_ZH = {
    "finding_key": "问题标识", "check": "核查类型", "problem_type": "问题类型", "category": "类别",
    "severity": "严重程度", "suggested_measure": "建议整改措施", "patch_id": "图斑编号", "farmland_id": "永久基本农田图斑编号",
    "dlbm": "地类编码", "dlmc": "地类名称", "village": "行政村", "township": "乡镇", "area_m2": "面积(平方米)",
    "area_mu": "面积(亩)", "lon": "经度", "lat": "纬度",
}

_TEXT = ("finding_key", "check", "problem_type", "category", "severity", "suggested_measure", "patch_id",
         "farmland_id", "dlbm", "dlmc", "village", "township")


def finding_keys(check: str, patch_id, farmland_id, lon, lat) -> list[str]:
    """Deterministic keys: a hash of the check, the two ids and the piece's inside point rounded
    to 1e-5° (about 1 m), so the same input always gives the same key."""
    out = []
    for p, f, x, y in zip(patch_id, farmland_id, lon, lat):
        text = f"{check}|{p}|{f}|{x:.5f}|{y:.5f}"
        out.append(hashlib.sha1(text.encode("utf-8")).hexdigest()[:16])
    return out


def inside_points_lonlat(geoms, crs) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each geometry (shapely point_on_surface), in EPSG:4490 lon/lat (NaN for none)."""
    pts = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    return units.to_lonlat(shapely.get_x(pts), shapely.get_y(pts), crs)


def village_label(village: str) -> str:
    """The 行政村 as officers read it: the name, or （未填行政村） when the feature has none."""
    return village if village else vocabulary().label("no_village")


def village_order(frame: pd.DataFrame) -> list[str]:
    """The villages of a frame (column `village`) in village-code order (column `village_code`, the 12
    digits of ZLDWDM, when present and filled), then by name; the features without a village last."""
    if not len(frame):
        return []
    codes = frame["village_code"].astype(str) if "village_code" in frame.columns else pd.Series("", index=frame.index)
    first_code = pd.Series(codes.to_numpy(), index=frame["village"].to_numpy()).replace("", np.nan).groupby(level=0).min()
    names = list(dict.fromkeys(frame["village"].tolist()))

    def key(v: str):
        c = first_code.get(v, np.nan)
        has = isinstance(c, str) and c != ""
        return (v == "", not has, c if has else "", v)

    return sorted(names, key=key)


def make_findings(data: dict, geometry, crs) -> gpd.GeoDataFrame:
    """Assemble a findings GeoDataFrame in the schema: `data` maps column → values (missing text
    columns become empty strings). Adds lon/lat, area_mu and finding_key when absent."""
    n = len(geometry)
    df = pd.DataFrame({c: data.get(c, [""] * n) for c in FINDING_COLUMNS if c not in ("lon", "lat", "area_mu", "finding_key")})
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(np.asarray(geometry, dtype=object), crs=crs))
    lon, lat = (data["lon"], data["lat"]) if "lon" in data else inside_points_lonlat(gdf.geometry.values, crs)
    gdf["lon"] = np.round(np.asarray(lon, dtype="float64"), 6)
    gdf["lat"] = np.round(np.asarray(lat, dtype="float64"), 6)
    gdf["area_m2"] = np.asarray(gdf["area_m2"], dtype="float64")
    gdf["area_mu"] = units.round_half_up_array(units.m2_to_mu(gdf["area_m2"].to_numpy()), 2)
    if "finding_key" in data:
        gdf["finding_key"] = data["finding_key"]
    else:
        gdf["finding_key"] = finding_keys(data["check"][0] if n else "", gdf["patch_id"], gdf["farmland_id"], gdf["lon"], gdf["lat"])
    for c in _TEXT:
        gdf[c] = gdf[c].fillna("").astype(str)
    return gdf[list(FINDING_COLUMNS) + ["geometry"]]


def empty_findings(crs) -> gpd.GeoDataFrame:
    """A findings frame with the schema and no rows."""
    return make_findings({c: [] for c in FINDING_COLUMNS if c not in ("lon", "lat", "area_mu", "finding_key")} | {"check": []},
                         [], crs)


def for_output(findings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Findings as written to files: every area in m² (`area_m2`, `pbf_m2`, …) rounded half-up to 2 decimals."""
    out = findings.copy()
    for c in out.columns:
        if str(c).endswith("_m2"):
            out[c] = units.round_half_up_array(pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float), 2)
    return out
