"""Topology of a survey layer: overlaps between patches (one problem per pair) and gaps (holes of
the coverage that are thin or small), with their totals for the summary.

Pure geometry on arrays in the work CRS: which features a pair or a hole involves comes in as
positions, computed by the map step (overlaps) and the row sources (coverage, patches around a hole).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from ... import overlay, units
from .problems import ProblemCollector, fmt_number
from .schema import SurveyTolerances

#: Ids joined into one feature_id of a gap, at most.
_GAP_IDS = 6
#: Patches per chunk of the union that finds gaps (a layer of at most two chunks is united in one go).
UNION_CHUNK = 1000


@dataclass
class OverlapTotals:
    """Overlaps for the summary: number and m² of the problems, and of those under the tolerance."""

    n: int = 0
    m2: float = 0.0
    n_below: int = 0
    m2_below: float = 0.0


@dataclass
class GapTotals(OverlapTotals):
    """Gaps for the summary, as overlaps, plus the coverage holes that are not gaps."""

    n_holes: int = 0
    m2_holes: float = 0.0


def overlap_problems(P: ProblemCollector, i, j, piece, geoms, ids, order, crs, tol: SurveyTolerances,
                     n_features: int) -> OverlapTotals:
    """The overlap problems and totals of the pairs (i, j) of `overlay.self_overlaps` (positions in
    geoms/ids/order, i before j in the layer, sorted by (i, j); `piece` their overlap); n_features:
    the number of features of the layer (it spaces the pairs' sort key)."""
    res = OverlapTotals()
    if len(i) == 0:
        return res
    a = units.ellipsoidal_area(piece, crs)
    big = a > tol.overlap_tolerance_m2
    res.n_below, res.m2_below = int((~big).sum()), float(a[~big].sum())
    i, j, piece, a = i[big], j[big], piece[big], a[big]
    res.n, res.m2 = len(i), float(a.sum())
    if len(i) == 0:
        return res
    # file order inside the pair
    swap = order[i] > order[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    ai = units.ellipsoidal_area(geoms[i], crs)
    aj = units.ellipsoidal_area(geoms[j], crs)
    lo, hi = np.minimum(ai, aj), np.maximum(ai, aj)
    inside = a >= 0.999 * lo
    same = inside & (a >= 0.999 * hi)

    def note(p, q, w, d, x_in_y):
        if d:
            return "（两个图斑几乎相同，可能是重复图斑）"
        if w:
            return f"（图斑 {ids[p] if x_in_y else ids[q]} 完全落在 {ids[q] if x_in_y else ids[p]} 之内）"
        return ""

    msgs = [f"图斑 {ids[p]} 与 {ids[q]} 重叠 {fmt_number(x)} m²" + note(p, q, w, d, u <= v)
            for p, q, x, w, d, u, v in zip(i, j, a, inside, same, ai, aj)]
    fids = [f"{ids[p]}/{ids[q]}" for p, q in zip(i, j)]
    P.add("overlap", "error", fids, msgs, geometry=piece, area=a, order=order[i] * (n_features + 1) + order[j])
    return res


def coverage_chunks(bounds: np.ndarray) -> tuple[np.ndarray, int]:
    """The union chunk of each usable patch (`bounds`: their boxes, in layer order): runs of
    `UNION_CHUNK` along the Hilbert curve of the box centres. Returns (chunk of each, number of chunks).
    Uniting the chunks, then the chunks' unions, is about 2× faster than one `union_all` on a
    township, and each chunk can be united elsewhere (on threads, on dask workers)."""
    mid = np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2.0, (bounds[:, 1] + bounds[:, 3]) / 2.0])
    h = gpd.GeoSeries(shapely.points(mid)).hilbert_distance().to_numpy()
    rank = np.empty(len(bounds), dtype=np.int64)
    rank[np.argsort(h, kind="stable")] = np.arange(len(bounds))
    grp = rank // UNION_CHUNK
    return grp, int(grp.max()) + 1 if len(grp) else 0


def coverage_holes(union) -> np.ndarray:
    """The holes of a (Multi)Polygon as polygons, each without the islands inside it (parts of the
    union lying in the hole)."""
    parts = shapely.get_parts(union)
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return np.empty(0, dtype=object)
    nint = shapely.get_num_interior_rings(parts)
    has = np.flatnonzero(nint > 0)
    if len(has) == 0:
        return np.empty(0, dtype=object)
    rings, which = shapely.get_rings(parts[has], return_index=True)
    first = np.r_[True, which[1:] != which[:-1]]
    holes = shapely.polygons(rings[~first])
    shells = shapely.polygons(shapely.get_exterior_ring(parts))
    hi, si = shapely.STRtree(shells).query(holes, predicate="contains")
    if len(hi):
        inside = overlay.group_union(shells[si], hi, len(holes))
        sub = ~shapely.is_missing(inside)
        holes = holes.copy()
        holes[sub] = shapely.difference(holes[sub], inside[sub])
    return holes


def gap_holes(holes: np.ndarray, crs, tol: SurveyTolerances) -> tuple[GapTotals, np.ndarray, np.ndarray, np.ndarray]:
    """The totals of the coverage holes (`coverage_holes`) and the gaps among them: (totals, gap
    polygons, their ellipsoidal areas, their widths)."""
    res = GapTotals()
    holes = holes[~shapely.is_missing(holes) & ~shapely.is_empty(holes)] if len(holes) else holes
    if len(holes) == 0:
        return res, holes, np.empty(0), np.empty(0)
    a = units.ellipsoidal_area(holes, crs)
    width = overlay.thinness(holes)
    gap = (width < tol.gap_width_m) | (a < tol.gap_area_m2)
    res.n_holes, res.m2_holes = int((~gap).sum()), float(a[~gap].sum())
    noise = gap & (a <= tol.gap_min_area_m2)
    res.n_below, res.m2_below = int(noise.sum()), float(a[noise].sum())
    gap &= ~noise
    holes, a, width = holes[gap], a[gap], width[gap]
    res.n, res.m2 = len(holes), float(a.sum())
    return res, holes, a, width


def gap_problems(P: ProblemCollector, holes, a, width, gi, pi, ids, order) -> None:
    """One gap problem per hole, naming the patches around it: (gi, pi) the pairs (hole, patch
    position in ids/order) of the patches that intersect a hole, in any order."""
    by_gap: dict[int, list[int]] = {}
    for g_, p_ in zip(gi, pi):
        by_gap.setdefault(int(g_), []).append(int(p_))
    fids, first = [], []
    for k in range(len(holes)):
        members = sorted(by_gap.get(k, []), key=lambda p: order[p])
        shown = [ids[p] for p in members[:_GAP_IDS]]
        fids.append("/".join(shown) + ("/…" if len(members) > _GAP_IDS else ""))
        first.append(order[members[0]] if members else -1)
    msgs = [f"图斑之间有缝隙 {fmt_number(x)} m²（宽约 {fmt_number(w, 3)} m）" + (f"，周边图斑 {f}" if f else "")
            for x, w, f in zip(a, width, fids)]
    pts = shapely.point_on_surface(holes)
    P.add("gap", "warning", fids, msgs, geometry=holes, area=a, order=np.array(first, dtype=np.int64),
          xy=np.column_stack([shapely.get_x(pts), shapely.get_y(pts)]))

