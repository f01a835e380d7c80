"""Overlaps inside one layer: the pairs of polygons that share an area (`self_overlaps`), and a
layer made free of them (`deoverlap`: a later polygon loses what an earlier one has).

Pure shapely 2 on arrays in one projected CRS; knows nothing about land-use codes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from .arrays import as_geoms, check_crs, concat, polygonal, private_copies
from .threads import CHUNKS_PER_THREAD, chunks_by_key, n_threads, run


def self_overlaps(b: Any, *, min_area: float = 0.0, threads: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs i < j of polygons of `b` whose interiors overlap, with the overlap geometry.

    b: array (or GeoSeries) of valid polygons in a projected CRS (metres). Returns (i, j, geometry)
    sorted by (i, j), keeping overlaps with planar area > max(min_area, 0) m² (identical duplicates
    overlap wholly). Subtract the overlaps' areas from a sum to count overlapped ground once.
    """
    b, crs = as_geoms(b)
    check_crs(crs)
    threads = n_threads(threads)
    if len(b) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object)
    i, j = shapely.STRtree(b).query(b)  # sorted by i
    keep = i < j
    i, j = i[keep].astype(np.int64), j[keep].astype(np.int64)

    def work(span: tuple[int, int]):
        lo, hi = span
        ci, cj = i[lo:hi], j[lo:hi]
        ui, inv = np.unique(ci, return_inverse=True)
        prep = private_copies(b[ui])[inv]
        shapely.prepare(prep)
        sel = np.flatnonzero(shapely.relate_pattern(prep, b[cj], "T********"))
        geoms = polygonal(shapely.intersection(b[ci[sel]], b[cj[sel]]))
        return lo + sel, geoms

    res = run(work, chunks_by_key(i, threads * CHUNKS_PER_THREAD), threads)
    sel = concat([r[0] for r in res], np.int64)
    geo = concat([r[1] for r in res], object)
    ok = ~shapely.is_missing(geo)
    ok[ok] = shapely.area(geo[ok]) > max(min_area, 0.0)
    sel, geo = sel[ok], geo[ok]
    order = np.lexsort((j[sel], i[sel]))
    return i[sel][order], j[sel][order], geo[order]


def deoverlap(geoms: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, float]], np.ndarray]:
    """Make polygons non-overlapping (a later polygon loses what an earlier one has), so that each
    square metre is counted once. Returns the geometries, the overlapping pairs (i, j, planar overlap
    area) and the overlap geometries."""
    oi, oj, og = self_overlaps(geoms)
    if len(oi) == 0:
        return geoms, [], np.array([], dtype=object)
    out = geoms.copy()
    for j in np.unique(oj):
        earlier = oi[oj == j]
        out[j] = shapely.difference(out[j], shapely.union_all(geoms[earlier]))
    pairs = [(int(i), int(j), float(a)) for i, j, a in zip(oi, oj, shapely.area(og))]
    return out, pairs, og
