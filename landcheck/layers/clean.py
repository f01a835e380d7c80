"""The geometry of a read layer: polygons kept (Z dropped, collections reduced to their polygons,
invalid rings repaired through `landcheck.geometry.repair_polygons`), null, empty and non-polygonal
features dropped, every repair and drop recorded by feature id, and each repair measured.

Works on the layer's geometries only: no fields, no files; the CRS is settled elsewhere (crs.py).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import units
from ..config import vocabulary
from ..errors import LandcheckError
from ..geometry import polygonal_part, repair_polygons
from .report import ReadReport

_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint", 5: "MultiLineString"}


def check_polygonal(types: set[int], path: Path, layer: str) -> None:
    """Stop with a clear error when a layer's geometry types (shapely type ids) hold no polygon."""
    if types and not (types & {3, 6, 7}):
        kinds = sorted({_TYPE_NAMES.get(t, str(t)) for t in types})
        label = vocabulary().label
        raise LandcheckError(
            f"{path}: layer '{layer}' holds {', '.join(kinds)} features, not polygons. landcheck needs polygon "
            f"layers ({label('layers_survey')} / {label('farmland')} / {label('transfer_parcels')}); "
            f"choose another layer with --layer."
        )


def no_polygon_left(path: Path, layer: str, report: ReadReport) -> LandcheckError:
    """The error for a layer whose every feature was dropped."""
    return LandcheckError(f"{path}: layer '{layer}' has no usable polygon (all {report.n_read} features dropped: "
                          f"{report.dropped[0]['reason']} …). Check the delivery.")


def clean_geometry(geoms: np.ndarray, ids: pd.Series, report: ReadReport) -> tuple[np.ndarray, np.ndarray, dict]:
    """Polygonal 2-D geometries and a keep-mask. Z dropped, GeometryCollections reduced to their
    polygons, invalid rings repaired with make_valid (polygonal parts kept); null, empty and
    non-polygonal features dropped. Every repair and drop is recorded by feature id. Also returns
    the original geometry of each repaired feature by position."""
    geoms = np.asarray(geoms, dtype=object)
    keep = np.ones(len(geoms), dtype=bool)
    null = np.array([g is None for g in geoms]) | shapely.is_missing(geoms)
    for i in np.flatnonzero(null):
        report.dropped.append({"feature_id": ids.iloc[i], "reason": "no geometry (null)"})
    keep &= ~null
    idx = np.flatnonzero(keep)
    g = geoms[idx]
    if shapely.has_z(g).any():
        g = shapely.force_2d(g)
    empty = shapely.is_empty(g)
    for i in idx[empty]:
        report.dropped.append({"feature_id": ids.iloc[i], "reason": "empty geometry"})
    keep[idx[empty]] = False
    idx, g = idx[~empty], g[~empty]
    types = shapely.get_type_id(g)
    coll = types == 7
    if coll.any():
        g[coll] = [polygonal_part(x) for x in g[coll]]
        types = shapely.get_type_id(g)
    nonpoly = ~np.isin(types, (3, 6))
    for i, t in zip(idx[nonpoly], g[nonpoly]):
        kind = shapely.get_type_id(t)
        label = {0: "point", 1: "line", 2: "ring", 4: "multipoint", 5: "multiline"}.get(int(kind), "not a polygon")
        if t is None or shapely.is_empty(t):
            label = "geometry collection without polygons"
        report.dropped.append({"feature_id": ids.iloc[i], "reason": f"{label}, not a polygon"})
    keep[idx[nonpoly]] = False
    idx, g = idx[~nonpoly], g[~nonpoly]
    invalid = ~shapely.is_valid(g)
    originals: dict[int, object] = {}
    if invalid.any():
        reasons = shapely.is_valid_reason(g[invalid])
        fixed = repair_polygons(g[invalid])
        for i, r, g0, fx in zip(idx[invalid], reasons, g[invalid], fixed):
            if fx is None or shapely.is_empty(fx):
                report.dropped.append({"feature_id": ids.iloc[i], "reason": f"invalid geometry ({r}) with no area left after repair"})
                keep[i] = False
            else:
                report.repaired.append({"feature_id": ids.iloc[i], "reason": str(r)})
                originals[int(i)] = g0
        g[invalid] = fixed
    out = geoms.copy()
    out[idx] = g
    return out, keep, originals


def drop_stage(reason: str) -> int:
    """Where `clean_geometry` records a drop: null, empty, not a polygon, invalid (its order)."""
    if reason.startswith("no geometry"):
        return 0
    if reason == "empty geometry":
        return 1
    if reason.startswith("invalid geometry"):
        return 3
    return 2


def kept_features(df: gpd.GeoDataFrame, ids: pd.Series, positions: np.ndarray, geoms: np.ndarray,
                  keep: np.ndarray) -> gpd.GeoDataFrame:
    """The kept rows of `df` with their cleaned geometries (no CRS yet), `feature_id` and
    `feature_no` (1-based position in the file)."""
    df = df.assign(feature_id=ids.values, feature_no=positions + 1)
    df = gpd.GeoDataFrame(df.drop(columns=df.geometry.name), geometry=gpd.GeoSeries(geoms, index=df.index), crs=None)
    return df.loc[keep].copy()


def measure_repairs(report: ReadReport, originals: dict, repaired: gpd.GeoSeries) -> None:
    """Add the ellipsoidal area (m²) before and after each repair to the report, so that what a
    repair changed is accounted for. Before = GEOS's area of the invalid ring (self-overlapping
    lobes count with their sign), after = the repaired polygon."""
    if not originals:
        return
    pos = np.fromiter(originals, dtype=np.int64)
    before = units.ellipsoidal_area(np.array(list(originals.values()), dtype=object), repaired.crs)
    after = units.ellipsoidal_area(repaired.iloc[pos].to_numpy(), repaired.crs)
    for entry, b, a in zip(report.repaired, before, after):
        entry["area_before_m2"] = units.round_half_up(float(b), 2)
        entry["area_after_m2"] = units.round_half_up(float(a), 2)
