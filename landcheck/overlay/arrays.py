"""The kernel's inputs and outputs as arrays: geometry arrays from what callers pass, one projected
CRS checked, polygonal parts kept, thread-private copies for preparing.

Pure shapely 2 on numpy object arrays; no threads here, no land-use knowledge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

#: shapely type ids: Polygon, MultiPolygon
POLYGONAL = (3, 6)


def as_geoms(x: Any) -> tuple[np.ndarray, Any]:
    """1-D object array of shapely geometries (or None) and the input's CRS if it carries one."""
    crs = getattr(x, "crs", None)
    if hasattr(x, "geometry") and not isinstance(x, np.ndarray) and hasattr(x, "columns"):
        x = x.geometry  # a GeoDataFrame
    arr = np.asarray(x, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-D array of geometries, got shape {arr.shape}")
    return arr, crs


def check_crs(*crss: Any) -> None:
    """ValueError unless the CRSs that are known are one and the same projected CRS."""
    known = [c for c in crss if c is not None]
    for c in known[1:]:
        if c != known[0]:
            raise ValueError(f"inputs must share one projected CRS; got {known[0]} and {c}")
    for c in known:
        if getattr(c, "is_geographic", False):
            raise ValueError(f"inputs must be in a projected (metric) CRS, not geographic {c}")


def concat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    """np.concatenate that also takes an empty list (no chunks: no candidate pairs)."""
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype=dtype)


def private_copies(geoms: np.ndarray) -> np.ndarray:
    """Fresh, unprepared copies (bit-identical coordinates) that belong to the calling thread only."""
    return shapely.from_wkb(shapely.to_wkb(geoms, include_srid=False))


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal part of each geometry: Polygon/MultiPolygon pass through, polygons are
    extracted from GeometryCollections, anything else (lines, points, empty) becomes None."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    if len(geoms) == 0:
        return out
    tid = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms)
    ok = np.isin(tid, POLYGONAL) & ~empty
    out[ok] = geoms[ok]
    coll = np.flatnonzero((tid == 7) & ~empty)
    if len(coll):
        parts, idx = shapely.get_parts(geoms[coll], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), POLYGONAL) & ~shapely.is_empty(parts)
        parts, idx = parts[keep], idx[keep]
        # flatten MultiPolygon members to polygons, then one Polygon or MultiPolygon per input
        polys, sub = shapely.get_parts(parts, return_index=True)
        idx = idx[sub]
        if len(polys):
            counts = np.bincount(idx, minlength=len(coll))
            single = counts == 1
            first = np.searchsorted(idx, np.arange(len(coll)))
            out[coll[single]] = polys[first[single]]
            many = np.flatnonzero(counts > 1)
            if len(many):
                sel = np.isin(idx, many)
                mp = shapely.multipolygons(polys[sel], indices=np.searchsorted(many, idx[sel]))
                out[coll[many]] = mp
    return out
