"""What of one layer no polygon of another covers (`uncovered`), reusing the pairs of `intersect_pairs`
when they are at hand: a polygon whose pieces add up to its own area is covered without a union (`tiled`);
every other one is computed geometrically (a union of what overlaps it, then a difference).

Pure shapely 2 on arrays in one projected CRS; knows nothing about land-use codes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from ..progress import Advance
from .arrays import as_geoms, check_crs, concat, polygonal
from .pairs import Pieces
from .relate import classify_pairs
from .threads import CHUNKS_PER_THREAD, chunks_by_key, n_threads, run
from .union import group_union


#: Pieces whose areas add up to their polygon's area within this share of it tile it (planar float sums of
#: exact intersections agree to ~1e-13; a real gap of 1 cm² in 10 ha is 1e-9).
TILED_SHARE = 1e-10


def tiled(b: np.ndarray, pieces: Pieces) -> np.ndarray:
    """For each polygon of `b`: do the pieces of `pieces` (its pairs, all with a known area: `Pieces.area`,
    else their geometry's) add up to its own planar area within TILED_SHARE? Then nothing of it is left uncovered — unless the pieces overlap each
    other (a survey with overlapping patches) by exactly as much as a gap, which a sum above the area
    (overlap without such a gap) also rules out: only sums that neither fall short nor exceed count."""
    n = len(b)
    have = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    if len(pieces) == 0:
        return have
    area = shapely.area(pieces.geometry) if pieces.area is None else pieces.area  # None's area is NaN
    missing = np.isnan(area)
    unknown[pieces.ib[missing]] = True
    sums = np.bincount(pieces.ib[~missing], weights=area[~missing], minlength=n)
    have[pieces.ib] = True
    own = shapely.area(b)
    return have & ~unknown & (np.abs(sums - own) <= TILED_SHARE * own)


def uncovered(b: Any, a: Any, *, pieces: Pieces | None = None, threads: int | None = None,
              progress: Advance | None = None) -> np.ndarray:
    """For each polygon of `b`, the part of it that no polygon of `a` covers: b minus the union of the
    `a` polygons whose interiors overlap it, computed geometrically (never from areas).

    b, a: arrays (or GeoSeries) of valid polygons in one projected CRS (metres).
    pieces: optionally the result of `intersect_pairs(a, b)` on the same arrays; its pairs are then
    reused instead of being found again (the dearest step when there is no such result at hand), and a
    b whose pieces add up to its area is covered (`tiled`) without a union.
    Returns an object array aligned with `b`: an empty Polygon where b is fully covered, b itself (the
    same object) where nothing of `a` overlaps it, else the Polygon/MultiPolygon left over. None stays
    None. A covered b costs one union of its overlapping a's and one `covers` test; the difference is
    computed only for the b's that are not covered. `progress(done, total)` hears of every finished
    chunk of the last step.
    """
    b, crs_b = as_geoms(b)
    a, crs_a = as_geoms(a)
    check_crs(crs_b, crs_a)
    threads = n_threads(threads)
    out = b.copy()
    if len(b) == 0 or len(a) == 0:
        return out
    empty_polygon = shapely.Polygon()
    fully = np.zeros(len(b), dtype=bool)
    if pieces is not None:
        order = np.lexsort((pieces.ia, pieces.ib))
        ib, ia = pieces.ib[order], pieces.ia[order]
        if len(ib) and (ib.max() >= len(b) or ia.max() >= len(a)):
            raise ValueError("pieces do not belong to these arrays: use pieces = intersect_pairs(a, b)")
        fully = tiled(b, pieces)
        todo = ~fully[ib]
        ib, ia = ib[todo], ia[todo]
    else:
        ib, ia = shapely.STRtree(a).query(b)  # sorted by ib
        bounds_a, bounds_b = shapely.bounds(a), shapely.bounds(b)

        def relate(span: tuple[int, int]):
            lo, hi = span
            return classify_pairs(b, a, ib[lo:hi], ia[lo:hi], "covered_by", threads, bounds_b, bounds_a)

        res = run(relate, chunks_by_key(ib, threads * CHUNKS_PER_THREAD), threads)
        inter = concat([r[0] for r in res], bool)
        within = concat([r[1] for r in res], bool)  # b lies inside one a
        fully[ib[within]] = True
        ib, ia = ib[inter], ia[inter]
        todo = ~fully[ib]
        ib, ia = ib[todo], ia[todo]
    out[fully] = empty_polygon

    def rest(span: tuple[int, int]):
        lo, hi = span
        ub, inv = np.unique(ib[lo:hi], return_inverse=True)
        unions = group_union(a[ia[lo:hi]], inv, len(ub))
        left = np.full(len(ub), empty_polygon, dtype=object)
        open_ = ~shapely.covers(unions, b[ub])  # the usual case (covered) stops here
        if open_.any():
            d = polygonal(shapely.difference(b[ub[open_]], unions[open_]))
            d[shapely.is_missing(d)] = empty_polygon
            left[open_] = d
        return ub, left

    for ub, left in run(rest, chunks_by_key(ib, threads * CHUNKS_PER_THREAD), threads, progress):
        out[ub] = left
    return out
