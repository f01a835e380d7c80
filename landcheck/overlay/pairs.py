"""The intersection kernel: which polygons of one layer meet which of another, and the piece each
pair shares (`intersect_pairs`, `Pieces`).

One STRtree query for candidates, a DE-9IM test that drops touching pairs and takes wholly covered
ones as they are, vectorised intersection of the rest, on threads (see docs/overlay.md). Knows
nothing about land-use codes; inputs in one projected CRS in metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from ..progress import Advance
from .arrays import as_geoms, check_crs, concat, polygonal
from .parts import intersect_big
from .relate import classify, classify_pairs, contained, prepared_copies
from .threads import CHUNKS_PER_THREAD, chunks_by_key, n_threads, run


@dataclass(frozen=True)
class Pieces:
    """Pieces of an overlay, one per pair (a[ia], b[ib]) whose interiors overlap, sorted by (ia, ib).

    ia, ib:   int64 positions in `a` and `b`.
    geometry: object array of Polygon/MultiPolygon, the intersection of a[ia] and b[ib] (same CRS).
    whole:    bool; True when a[ia] lies wholly inside b[ib] (b covers a): `geometry` is then the
              very object a[ia] and no intersection was computed.
    area:     planar area of each piece (m² in a metric CRS), also of the pieces whose geometry was not
              kept (`only`); None when not known.
    """

    ia: np.ndarray
    ib: np.ndarray
    geometry: np.ndarray
    whole: np.ndarray
    area: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ia)


def intersect_pairs(a: Any, b: Any, *, threads: int | None = None, max_vertices: int = 256,
                    only: np.ndarray | None = None, b_disjoint: bool = False,
                    progress: Advance | None = None) -> Pieces:
    """Intersect every polygon of `a` with every polygon of `b` whose interior it overlaps.

    a, b: arrays (or GeoSeries) of valid polygons in one projected CRS (metres).
    Returns `Pieces` sorted by (ia, ib): one polygonal piece per pair with overlapping interiors (pairs
    that only touch along an edge or at a point give none). When b[ib] covers a[ia] the piece is the
    object a[ia] itself and `whole` is True. Polygons with more than `max_vertices` vertices are
    subdivided for the intersection; their pieces are merged back (one piece per pair; areas agree
    with a plain intersection to rounding). `threads`: worker threads (default: all usable cores).
    `only`: boolean mask over `a`; a partial pair whose a is not in it is listed (so that the pairs are
    complete, e.g. for `uncovered(pieces=…)`) with its area but without its geometry (None): the piece is
    computed for its area and not kept (a farmland polygon whose pieces add up to it is covered).
    `b_disjoint`: the caller guarantees that b's polygons have pairwise disjoint interiors (as
    `deoverlap` leaves them). Then a patch covered by one b cannot share an area with any other b, and
    those pairs skip their interior test (the covers tests all run first). Never set it for b's that
    may overlap: such pairs' pieces would be lost.
    `progress(done, total)` hears of every finished chunk of pairs.
    """
    a, crs_a = as_geoms(a)
    b, crs_b = as_geoms(b)
    check_crs(crs_a, crs_b)
    threads = n_threads(threads)
    empty = Pieces(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object), np.empty(0, bool),
                   np.empty(0, np.float64))
    if len(a) == 0 or len(b) == 0:
        return empty
    # candidate pairs by bounding box, sorted by ib (the tree is on a, queried with b)
    ib, ia = shapely.STRtree(a).query(b)
    ia = ia.astype(np.int64)
    ib = ib.astype(np.int64)
    nv_a = shapely.get_num_coordinates(a)
    nv_b = shapely.get_num_coordinates(b)
    bounds_a, bounds_b = shapely.bounds(a), shapely.bounds(b)

    spans = chunks_by_key(ib, threads * CHUNKS_PER_THREAD)
    first: dict[int, np.ndarray] = {}
    if b_disjoint:  # the covers tests first, to know which patches some b covers
        def cover(span: tuple[int, int]) -> np.ndarray:
            lo, hi = span  # the prepared copies are not kept: for 30 000 polygons they hold ~200 MB
            return contained(prepared_copies(b, ib[lo:hi]), a[ia[lo:hi]], "covers", bounds_b[ib[lo:hi]],
                             bounds_a[ia[lo:hi]])

        first = dict(zip([lo for lo, _ in spans], run(cover, spans, threads), strict=True))
        covered = np.zeros(len(a), dtype=bool)
        for lo, cont in first.items():
            covered[ia[lo:lo + len(cont)][cont]] = True

    def work(span: tuple[int, int]):
        lo, hi = span
        cia, cib = ia[lo:hi], ib[lo:hi]
        if b_disjoint:
            cont = first[lo]
            inter, covers = classify(prepared_copies(b, cib), a[cia], "covers", threads, cont=cont,
                                     apart=covered[cia] & ~cont)
        else:
            inter, covers = classify_pairs(b, a, cib, cia, "covers", threads, bounds_b, bounds_a)
        partial = inter & ~covers
        skip = np.zeros(len(cia), dtype=bool) if only is None else partial & ~only[cia]
        partial &= ~skip
        big = partial & ((nv_a[cia] > max_vertices) | (nv_b[cib] > max_vertices))
        plain = partial & ~big
        geoms = polygonal(shapely.intersection(a[cia[plain]], b[cib[plain]]))
        skip_area = shapely.area(polygonal(shapely.intersection(a[cia[skip]], b[cib[skip]])))
        return (lo + np.flatnonzero(covers), lo + np.flatnonzero(plain), geoms, lo + np.flatnonzero(big),
                lo + np.flatnonzero(skip), skip_area)

    results = run(work, spans, threads, progress)
    whole_idx = concat([r[0] for r in results], np.int64)
    plain_idx = concat([r[1] for r in results], np.int64)
    plain_geo = concat([r[2] for r in results], object)
    big_idx = concat([r[3] for r in results], np.int64)
    skip_idx = concat([r[4] for r in results], np.int64)
    skip_area = concat([r[5] for r in results], np.float64)
    if len(big_idx):
        big_geo = intersect_big(a, b, ia[big_idx], ib[big_idx], max_vertices, threads)
    else:
        big_geo = np.empty(0, dtype=object)

    idx = np.concatenate([whole_idx, plain_idx, big_idx, skip_idx]).astype(np.int64)
    geo = np.concatenate([a[ia[whole_idx]], plain_geo, big_geo, np.full(len(skip_idx), None, dtype=object)])
    whole = np.concatenate([np.ones(len(whole_idx), bool), np.zeros(len(idx) - len(whole_idx), bool)])
    n_geo = len(idx) - len(skip_idx)
    area = np.concatenate([shapely.area(geo[:n_geo]), np.nan_to_num(skip_area, nan=0.0)])
    # drop pairs whose intersection has no area (numerically degenerate overlaps); area(None) is NaN
    keep = whole | (area > 0)
    idx, geo, whole, area = idx[keep], geo[keep], whole[keep], area[keep]
    order = np.lexsort((ib[idx], ia[idx]))
    idx = idx[order]
    return Pieces(ia=ia[idx], ib=ib[idx], geometry=geo[order], whole=whole[order], area=area[order])
