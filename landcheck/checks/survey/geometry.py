"""Geometry problems of a survey layer: features without geometry, not polygons or with invalid
rings (as they are in the frame, judged in the layer's own CRS), what the reader repaired or
dropped, and the repaired polygons the topology steps work on.

Judges single features only: overlaps and gaps are in `topology`.
"""

from __future__ import annotations

import re

import numpy as np
import shapely
from pyproj import Transformer

from ...geometry import repair_polygons
from ...layers import ReadReport
from .problems import ProblemCollector, fmt_number

_LOCATION = re.compile(r"\[\s*([-+0-9.eE]+)[ ,]+([-+0-9.eE]+)")
_TYPE_NAMES = {0: "点", 1: "线", 2: "环", 4: "多点", 5: "多线"}


def usable_polygons(geoms: np.ndarray) -> np.ndarray:
    """Not null, not empty and polygonal (the features the topology steps can use)."""
    ok = ~shapely.is_missing(geoms)
    ok[ok] = ~shapely.is_empty(geoms[ok])
    ok[ok] = np.isin(shapely.get_type_id(geoms[ok]), (3, 6, 7))
    return ok


def validity_reasons(geoms: np.ndarray) -> np.ndarray:
    """`shapely.is_valid_reason` of each usable invalid geometry, "" elsewhere: what
    `frame_geometry_problems` needs of a layer's own CRS once its geometries are reprojected."""
    g = np.asarray(geoms, dtype=object)
    out = np.full(len(g), "", dtype=object)
    k = np.flatnonzero(usable_polygons(g))
    if len(k):
        bad = k[~shapely.is_valid(g[k])]
        if len(bad):
            out[bad] = shapely.is_valid_reason(g[bad])
    return out


def frame_geometry_problems(P: ProblemCollector, geoms: np.ndarray, ids, order, crs, work_crs,
                            reasons: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Problems of the geometries as they are in the frame (in the work CRS `work_crs`): null or
    empty, not polygonal, invalid in the layer's own CRS `crs`: `reasons` (`validity_reasons` there)
    when the frame was reprojected, else judged here. Returns (usable, invalid)."""
    n = len(geoms)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    missing = shapely.is_missing(geoms)
    empty = np.zeros(n, bool)
    empty[~missing] = shapely.is_empty(geoms[~missing])
    gone = missing | empty
    if gone.any():
        k = np.flatnonzero(gone)
        P.add("empty_geometry", "error", ids[k], ["无几何（null）或空几何"] * len(k), order=order[k])
    tid = np.full(n, -1)
    tid[~gone] = shapely.get_type_id(geoms[~gone])
    nonpoly = ~gone & ~np.isin(tid, (3, 6, 7))
    if nonpoly.any():
        k = np.flatnonzero(nonpoly)
        P.add("non_polygon", "error", ids[k], [f"不是面要素（{_TYPE_NAMES.get(int(t), t)}）" for t in tid[k]],
              order=order[k])
    usable = ~gone & ~nonpoly
    invalid = np.zeros(n, bool)
    if reasons is None:
        invalid[usable] = ~shapely.is_valid(geoms[usable])
    else:
        invalid[usable] = np.asarray(reasons, dtype=object)[usable] != ""
    if invalid.any():
        k = np.flatnonzero(invalid)
        why = shapely.is_valid_reason(geoms[k]) if reasons is None else np.asarray(reasons, dtype=object)[k]
        xy = _to_work(np.array([_location(r) for r in why], dtype="float64").reshape(-1, 2), crs, work_crs)
        P.add("invalid_geometry", "error", ids[k], [f"几何无效：{r}" for r in why], geometry=geoms[k],
              order=order[k], xy=xy)
    return usable, invalid


def fixed_geometries(geoms: np.ndarray, usable: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """Valid polygonal geometries for the topology steps: invalid ones made valid, collections reduced to
    their polygons, None where nothing usable is left."""
    out = geoms.copy()
    out[~usable] = None
    todo = np.flatnonzero(invalid | (usable & (shapely.get_type_id(geoms) == 7)))
    if len(todo):
        out[todo] = repair_polygons(out[todo])
    return out


def reader_problems(P: ProblemCollector, report: ReadReport | None, layer_crs, work_crs, ids, order, geoms,
                    area) -> None:
    """no_crs, crs_mismatch and the reader's repairs and drops. A repaired feature's problem carries its
    repaired geometry (`geoms`, `area`: rows holding at least the first feature of each repaired id);
    its location (the self-intersection) is the one GEOS named, in the layer's CRS."""
    if report is None:
        return
    if report.crs_source == "inferred":
        P.add("no_crs", "warning", "", [f"未声明坐标系（缺 .prj 或坐标系信息），已按坐标推断为 {report.crs}"
                                       f"（{report.crs_name or ''}）；请在交付数据中补充坐标系"], value=report.crs or "")
    if report.crs_warning:
        sev = "warning" if report.crs_source == "option" else "error"
        P.add("crs_mismatch", sev, "", [f"声明的坐标系与坐标不符：{report.crs_warning}"], value=report.likely_crs or "")
    entries = list(_reader_geometry_entries(report))
    if not entries:
        return
    pos = {}
    for k, fid in enumerate(ids):
        pos.setdefault(fid, k)
    xy = _to_work(np.array([e[4] for e in entries], dtype="float64"), layer_crs, work_crs)
    for (code, sev, fid, msg, _), loc in zip(entries, xy):
        k = pos.get(fid) if code == "invalid_geometry" and "已修复" in msg else None
        P.add(code, sev, [fid], [msg], geometry=np.array([geoms[k] if k is not None else None], dtype=object),
              area=np.array([area[k] if k is not None else np.nan]),
              order=np.array([order[k] if k is not None else _feature_no(fid)]), xy=loc[None, :])


def _feature_no(fid: str) -> int:
    m = re.fullmatch(r"#(\d+)", str(fid))
    return int(m.group(1)) if m else -1


def _location(reason: str) -> tuple[float, float]:
    m = _LOCATION.search(reason or "")
    if not m:
        return (np.nan, np.nan)
    try:
        return (float(m.group(1)), float(m.group(2)))
    except ValueError:
        return (np.nan, np.nan)


def _reader_geometry_entries(report: ReadReport):
    """(code, severity, feature_id, message, (x, y) in the layer's CRS) of every repair and drop."""
    for e in report.repaired:
        reason = str(e.get("reason", ""))
        before, after = e.get("area_before_m2"), e.get("area_after_m2")
        areas = f"（面积 {fmt_number(before)} → {fmt_number(after)} m²）" if before is not None and after is not None else ""
        yield ("invalid_geometry", "error", str(e["feature_id"]),
               f"几何无效：{reason}；读取时已修复{areas}", _location(reason))
    for e in report.dropped:
        reason = str(e.get("reason", ""))
        fid = str(e["feature_id"])
        if reason.startswith("no geometry") or reason == "empty geometry":
            what = "无几何（null）" if reason.startswith("no geometry") else "空几何"
            yield ("empty_geometry", "error", fid, f"{what}：要素没有图形，已剔除", (np.nan, np.nan))
        elif reason.endswith("not a polygon"):
            yield ("non_polygon", "error", fid, f"不是面要素（{reason.split(',')[0]}），已剔除", (np.nan, np.nan))
        else:
            inner = reason
            m = re.match(r"invalid geometry \((.*)\) with no area left after repair$", reason)
            if m:
                inner = m.group(1)
            yield ("invalid_geometry", "error", fid, f"几何无效：{inner}；修复后没有面积，已剔除", _location(inner))


def _to_work(xy: np.ndarray, crs, work_crs) -> np.ndarray:
    """(x, y) rows from `crs` to `work_crs` (NaN rows stay NaN)."""
    xy = np.array(xy, dtype="float64").reshape(-1, 2)
    ok = np.isfinite(xy).all(axis=1)
    if ok.any() and crs is not None and crs != work_crs:
        t = Transformer.from_crs(crs, work_crs, always_xy=True)
        xy[ok, 0], xy[ok, 1] = t.transform(xy[ok, 0], xy[ok, 1])
    return xy
