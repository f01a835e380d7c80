"""The geometry kernel: which polygons of one layer meet which of another, and in what.

Pure functions on numpy arrays of shapely geometries (a GeoSeries or GeometryArray is accepted too);
array in, array out. The module knows nothing about land-use codes.

All inputs of one call must share one projected CRS in metres (e.g. CGCS2000 / Gauss–Krüger): lengths
are metres and planar areas m² in that CRS. Reported areas should still be measured ellipsoidally
(`landcheck.units.ellipsoidal_area`) on the pieces returned here. Geometries must be valid (repair
them on reading, as `layers.py` does); None and empty geometries match nothing. Indices returned are
positions (0-based) in the input arrays, not pandas index labels.

How the work is kept cheap (measured in `benchmarks/bench_overlay.py`):

- one bounding-box STRtree query gives the candidate pairs;
- a DE-9IM test per candidate pair, with the polygon of the second layer *prepared*, sorts every pair
  into: disjoint or touching only along an edge or at a point (dropped: no piece, no work); wholly
  covered (the piece is the original geometry, no intersection computed; `covers` semantics, so a
  patch that shares boundary with the farmland polygon it lies in counts); or partly overlapping.
  With one thread that is a single `relate` per pair; with more, two `relate_pattern` calls (shapely
  holds the GIL in `relate` but not in `relate_pattern`); both give identical answers;
- only the partly overlapping pairs are intersected (vectorised `shapely.intersection`), and only
  polygonal parts of the result are kept;
- polygons with more than `max_vertices` vertices are cut into smaller parts (halving their bounding
  box until every part is small enough) before the intersection, and the parts' results are merged
  back so that each pair still gives exactly one piece;
- the work runs in chunks on a `ThreadPoolExecutor` (shapely releases the GIL). Prepared geometries are
  never shared between threads: each chunk prepares its own private copies (made through WKB, which
  keeps coordinates bit for bit) and drops them when done; the STRtree is queried in the calling
  thread only. Results do not depend on the number of threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

__all__ = [
    "Pieces",
    "intersect_pairs",
    "uncovered",
    "self_overlaps",
    "thinness",
    "is_sliver",
    "SLIVER_WIDTH_M",
    "SLIVER_MIN_AREA_M2",
]

#: Default sliver width (m): a piece thinner than this (2 × area / perimeter) is a sliver.
SLIVER_WIDTH_M: float = 0.2
#: Default sliver area (m²): a piece smaller than this is a sliver.
SLIVER_MIN_AREA_M2: float = 1.0

_POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon
_CHUNKS_PER_THREAD = 4
_F = ord("F")


@dataclass(frozen=True)
class Pieces:
    """Pieces of an overlay, one per pair (a[ia], b[ib]) whose interiors overlap, sorted by (ia, ib).

    ia, ib:   int64 positions in `a` and `b`.
    geometry: object array of Polygon/MultiPolygon, the intersection of a[ia] and b[ib] (same CRS).
    whole:    bool; True when a[ia] lies wholly inside b[ib] (b covers a): `geometry` is then the
              very object a[ia] and no intersection was computed.
    """

    ia: np.ndarray
    ib: np.ndarray
    geometry: np.ndarray
    whole: np.ndarray

    def __len__(self) -> int:
        return len(self.ia)


# ----------------------------------------------------------------------------------------- helpers
def _as_geoms(x: Any) -> tuple[np.ndarray, Any]:
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


def _check_crs(*crss: Any) -> None:
    known = [c for c in crss if c is not None]
    for c in known[1:]:
        if c != known[0]:
            raise ValueError(f"inputs must share one projected CRS; got {known[0]} and {c}")
    for c in known:
        if getattr(c, "is_geographic", False):
            raise ValueError(f"inputs must be in a projected (metric) CRS, not geographic {c}")


def n_threads(threads: int | None) -> int:
    if threads is None:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not Linux
            return max(1, os.cpu_count() or 1)
    if threads < 1:
        raise ValueError("threads must be >= 1")
    return int(threads)


#: Progress callback: (chunks done, chunks in all).
Progress = Callable[[int, int], None]


def _run(fn: Callable[[Any], Any], items: Sequence[Any], threads: int, progress: Progress | None = None) -> list[Any]:
    """fn over items, on a thread pool when threads > 1 (results in the order of items); `progress`
    hears of every finished item."""
    n = len(items)
    if progress:
        progress(0, n)
    if threads <= 1 or n <= 1:
        out = []
        for k, x in enumerate(items, 1):
            out.append(fn(x))
            if progress:
                progress(k, n)
        return out
    with ThreadPoolExecutor(max_workers=min(threads, n)) as ex:
        futures = [ex.submit(fn, x) for x in items]
        if progress:
            for k, _ in enumerate(as_completed(futures), 1):
                progress(k, n)
        return [f.result() for f in futures]


def _chunks_by_key(key: np.ndarray, n_chunks: int) -> list[tuple[int, int]]:
    """Split positions 0..len(key) of a sorted key array into ~n_chunks ranges of similar length
    that never cut a run of equal keys (so one geometry is prepared in one chunk only)."""
    n = len(key)
    if n == 0:
        return []
    n_chunks = max(1, min(n_chunks, n))
    targets = (np.arange(1, n_chunks) * n) // n_chunks
    cuts = np.searchsorted(key, key[targets], side="left")
    bounds = np.unique(np.concatenate([[0], cuts, [n]]))
    return [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]


def _cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    """np.concatenate that also takes an empty list (no chunks: no candidate pairs)."""
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype=dtype)


def _private_copies(geoms: np.ndarray) -> np.ndarray:
    """Fresh, unprepared copies (bit-identical coordinates) that belong to the calling thread only."""
    return shapely.from_wkb(shapely.to_wkb(geoms, include_srid=False))


def _classify(prep: np.ndarray, other: np.ndarray, containment: str, threads: int,
              bp: np.ndarray | None = None, bo: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each pair (prep[k], other[k]): do the interiors meet (the pair shares an area), and does
    `containment` hold ("covers": nothing of other lies outside prep; "covered_by": nothing of prep
    lies outside other)?

    `prep` must be private to the calling thread: it is prepared here. With one thread a single
    DE-9IM `relate` per pair answers both (cheapest in total, but shapely holds the GIL while it builds
    the matrix strings). With more threads, `relate_pattern` (which releases the GIL): the containment
    pattern on the pairs whose bounding boxes allow it, then the interior pattern on the pairs that
    fail it (`bp`, `bo`: the pairs' bounding boxes, if at hand). Patterns rather than
    `shapely.covers`: on polygons that share edges, prepared `covers` cost about twice as much as the
    pattern here (24 µs against 13 µs a covered pair, GEOS 3.14).
    """
    shapely.prepare(prep)
    n = len(prep)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    if threads <= 1:
        codes = np.asarray(shapely.relate(prep, other), dtype="U9").view(np.uint32).reshape(-1, 9)
        inter = codes[:, 0] != _F  # interior ∩ interior
        if containment == "covers":  # nothing of other in prep's exterior
            cont = (codes[:, 6] == _F) & (codes[:, 7] == _F)
        else:  # nothing of prep in other's exterior
            cont = (codes[:, 2] == _F) & (codes[:, 5] == _F)
        return inter, cont & inter
    bp = shapely.bounds(prep) if bp is None else bp
    bo = shapely.bounds(other) if bo is None else bo
    if containment == "covers":
        outer, inner, pattern = bp, bo, "******FF*"
    else:
        outer, inner, pattern = bo, bp, "**F**F***"
    maybe = ((inner[:, 0] >= outer[:, 0]) & (inner[:, 1] >= outer[:, 1])
             & (inner[:, 2] <= outer[:, 2]) & (inner[:, 3] <= outer[:, 3]))
    cont = np.zeros(n, dtype=bool)
    cont[maybe] = shapely.relate_pattern(prep[maybe], other[maybe], pattern)
    inter = np.zeros(n, dtype=bool)
    rest = ~cont
    inter[rest] = shapely.relate_pattern(prep[rest], other[rest], "T********")
    # a contained geometry shares an area with its container unless it has no area itself
    inside = other[cont] if containment == "covers" else prep[cont]
    inter[cont] = shapely.area(inside) > 0
    return inter, cont & inter


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal part of each geometry: Polygon/MultiPolygon pass through, polygons are
    extracted from GeometryCollections, anything else (lines, points, empty) becomes None."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    if len(geoms) == 0:
        return out
    tid = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms)
    ok = np.isin(tid, _POLYGONAL) & ~empty
    out[ok] = geoms[ok]
    coll = np.flatnonzero((tid == 7) & ~empty)
    if len(coll):
        parts, idx = shapely.get_parts(geoms[coll], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), _POLYGONAL) & ~shapely.is_empty(parts)
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


def group_union(geoms: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Union of the geometries of each group (group ids 0..n_groups-1); None for an empty group.
    Vectorised: one GeometryCollection per group, then an element-wise unary union."""
    out = np.full(n_groups, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(group, kind="stable")
    g, grp = geoms[order], group[order]
    counts = np.bincount(grp, minlength=n_groups)
    single = np.flatnonzero(counts == 1)
    first = np.searchsorted(grp, np.arange(n_groups))
    out[single] = g[first[single]]
    many = np.flatnonzero(counts > 1)
    if len(many):
        sel = np.isin(grp, many)
        gcs = shapely.geometrycollections(g[sel], indices=np.searchsorted(many, grp[sel]))
        out[many] = shapely.union_all(gcs[:, None], axis=1)
    return out


def union_by(geoms: np.ndarray, label: np.ndarray, n: int, threads: int | None = None) -> np.ndarray:
    """Union of the geometries of each label 0..n-1, in chunks of labels on threads (shapely releases
    the GIL; nothing prepared is shared). Single-member labels keep their geometry as it is."""
    threads = n_threads(max(1, int(threads)) if threads is not None else None)
    if threads == 1 or n < 64:
        return group_union(geoms, label, n)
    order = np.argsort(label, kind="stable")
    lab = label[order]
    cuts = np.linspace(0, n, threads * 4 + 1).astype(np.int64)
    starts = np.searchsorted(lab, cuts)
    spans = [(int(c0), int(c1), int(s0), int(s1)) for c0, c1, s0, s1
             in zip(cuts[:-1], cuts[1:], starts[:-1], starts[1:]) if c1 > c0]

    def work(span):
        c0, c1, s0, s1 = span
        return group_union(geoms[order[s0:s1]], lab[s0:s1] - c0, c1 - c0)

    return np.concatenate(_run(work, spans, threads))


def _subdivide(geoms: np.ndarray, max_vertices: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut polygons into polygonal parts of at most ~max_vertices vertices by halving each part's
    bounding box along its longer side, like PostGIS ST_Subdivide. Returns (parts, parent) with
    `parent` the position in `geoms`. The two halves come from intersection and difference with the
    same box, so the vertices on a cut are computed once and match exactly on both sides."""
    max_vertices = max(int(max_vertices), 8)
    parts = np.asarray(geoms, dtype=object)
    parent = np.arange(len(parts))
    done_g: list[np.ndarray] = []
    done_p: list[np.ndarray] = []
    for _ in range(64):  # each round halves a box: 64 rounds is far below any real polygon's needs
        nv = shapely.get_num_coordinates(parts)
        big = nv > max_vertices
        done_g.append(parts[~big])
        done_p.append(parent[~big])
        if not big.any():
            break
        g, p = parts[big], parent[big]
        xmin, ymin, xmax, ymax = shapely.bounds(g).T
        w, h = xmax - xmin, ymax - ymin
        splitx = w >= h
        mid = np.where(splitx, (xmin + xmax) / 2, (ymin + ymax) / 2)
        # the box holds the low half and reaches well beyond the part on the other three sides
        bx0, by0 = xmin - w - 1, ymin - h - 1
        bx1 = np.where(splitx, mid, xmax + w + 1)
        by1 = np.where(splitx, ymax + h + 1, mid)
        boxes = shapely.box(bx0, by0, bx1, by1)
        halves = np.concatenate([shapely.intersection(g, boxes), shapely.difference(g, boxes)])
        hp = np.concatenate([p, p])
        halves = _polygonal(halves)
        ok = ~shapely.is_missing(halves)
        polys, idx = shapely.get_parts(halves[ok], return_index=True)
        parts, parent = polys, hp[ok][idx]
    else:  # pragma: no cover - pathological input (e.g. NaN coordinates)
        done_g.append(parts)
        done_p.append(parent)
    return np.concatenate(done_g), np.concatenate(done_p)


def _units(geoms: np.ndarray, max_vertices: int, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Geometries as work units: small ones as they are, big ones subdivided; (units, parent)."""
    nv = shapely.get_num_coordinates(geoms)
    small = np.flatnonzero(nv <= max_vertices)
    big = np.flatnonzero(nv > max_vertices)
    units, parent = [geoms[small]], [small]
    if len(big):
        chunks = np.array_split(big, min(len(big), threads * _CHUNKS_PER_THREAD))
        results = _run(lambda c: _subdivide(geoms[c], max_vertices), chunks, threads)
        for c, (g, p) in zip(chunks, results, strict=True):
            units.append(g)
            parent.append(c[p])
    return np.concatenate(units), np.concatenate(parent).astype(np.int64)


def _intersection_threaded(x: np.ndarray, y: np.ndarray, threads: int) -> np.ndarray:
    """Element-wise polygonal intersection of x and y, in chunks on threads (no prepared geometry)."""
    n = len(x)
    if n == 0:
        return np.empty(0, dtype=object)
    bounds = np.linspace(0, n, min(n, threads * _CHUNKS_PER_THREAD) + 1).astype(int)
    spans = [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]
    res = _run(lambda s: _polygonal(shapely.intersection(x[s[0]:s[1]], y[s[0]:s[1]])), spans, threads)
    return np.concatenate(res)


def _intersect_big(a: np.ndarray, b: np.ndarray, ia: np.ndarray, ib: np.ndarray,
                   max_vertices: int, threads: int) -> np.ndarray:
    """a[ia] ∩ b[ib] for pairs where either side has more than max_vertices vertices: both sides are
    subdivided, the parts intersected, and the parts' results merged into one piece per pair."""
    ua, inv_a = np.unique(ia, return_inverse=True)
    ub, inv_b = np.unique(ib, return_inverse=True)
    ga, pa = _units(a[ua], max_vertices, threads)
    gb, pb = _units(b[ub], max_vertices, threads)
    u, v = shapely.STRtree(gb).query(ga)
    uv = np.lexsort((v, u))  # the tree's traversal order must not decide the order of the parts merged below
    u, v = u[uv], v[uv]
    pair_key = inv_a.astype(np.int64) * len(ub) + inv_b
    order = np.argsort(pair_key)
    sorted_keys = pair_key[order]
    key = pa[u] * len(ub) + pb[v]
    pos = np.searchsorted(sorted_keys, key)
    pos = np.minimum(pos, len(sorted_keys) - 1)
    hit = sorted_keys[pos] == key
    u, v, pair = u[hit], v[hit], order[pos[hit]]
    geoms = _intersection_threaded(ga[u], gb[v], threads)
    ok = ~shapely.is_missing(geoms)
    return group_union(geoms[ok], pair[ok], len(ia))


# -------------------------------------------------------------------------------------- public API
def intersect_pairs(a: Any, b: Any, *, threads: int | None = None, max_vertices: int = 256,
                    only: np.ndarray | None = None, progress: Progress | None = None) -> Pieces:
    """Intersect every polygon of `a` with every polygon of `b` whose interior it overlaps.

    a, b: arrays (or GeoSeries) of valid polygons in one projected CRS (metres).
    Returns `Pieces` sorted by (ia, ib): one polygonal piece per pair with overlapping interiors (pairs
    that only touch along an edge or at a point give none). When b[ib] covers a[ia] the piece is the
    object a[ia] itself and `whole` is True. Polygons with more than `max_vertices` vertices are
    subdivided for the intersection; their pieces are merged back (one piece per pair; areas agree
    with a plain intersection to rounding). `threads`: worker threads (default: all usable cores).
    `only`: boolean mask over `a`; a partial pair whose a is not in it is listed (so that the pairs are
    complete, e.g. for `uncovered(pieces=…)`) but not intersected: its geometry is None.
    `progress(done, total)` hears of every finished chunk of pairs.
    """
    a, crs_a = _as_geoms(a)
    b, crs_b = _as_geoms(b)
    _check_crs(crs_a, crs_b)
    threads = n_threads(threads)
    empty = Pieces(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object), np.empty(0, bool))
    if len(a) == 0 or len(b) == 0:
        return empty
    # candidate pairs by bounding box, sorted by ib (the tree is on a, queried with b)
    ib, ia = shapely.STRtree(a).query(b)
    ia = ia.astype(np.int64)
    ib = ib.astype(np.int64)
    nv_a = shapely.get_num_coordinates(a)
    nv_b = shapely.get_num_coordinates(b)
    bounds_a, bounds_b = shapely.bounds(a), shapely.bounds(b)

    def work(span: tuple[int, int]):
        lo, hi = span
        cia, cib = ia[lo:hi], ib[lo:hi]
        ub, inv = np.unique(cib, return_inverse=True)
        inter, covers = _classify(_private_copies(b[ub])[inv], a[cia], "covers", threads,
                                  bounds_b[cib], bounds_a[cia])
        partial = inter & ~covers
        skip = np.zeros(len(cia), dtype=bool) if only is None else partial & ~only[cia]
        partial &= ~skip
        big = partial & ((nv_a[cia] > max_vertices) | (nv_b[cib] > max_vertices))
        plain = partial & ~big
        geoms = _polygonal(shapely.intersection(a[cia[plain]], b[cib[plain]]))
        return (lo + np.flatnonzero(covers), lo + np.flatnonzero(plain), geoms, lo + np.flatnonzero(big),
                lo + np.flatnonzero(skip))

    spans = _chunks_by_key(ib, threads * _CHUNKS_PER_THREAD)
    results = _run(work, spans, threads, progress)
    whole_idx = _cat([r[0] for r in results], np.int64)
    plain_idx = _cat([r[1] for r in results], np.int64)
    plain_geo = _cat([r[2] for r in results], object)
    big_idx = _cat([r[3] for r in results], np.int64)
    skip_idx = _cat([r[4] for r in results], np.int64)
    if len(big_idx):
        big_geo = _intersect_big(a, b, ia[big_idx], ib[big_idx], max_vertices, threads)
    else:
        big_geo = np.empty(0, dtype=object)

    idx = np.concatenate([whole_idx, plain_idx, big_idx, skip_idx]).astype(np.int64)
    geo = np.concatenate([a[ia[whole_idx]], plain_geo, big_geo, np.full(len(skip_idx), None, dtype=object)])
    whole = np.concatenate([np.ones(len(whole_idx), bool), np.zeros(len(idx) - len(whole_idx), bool)])
    # drop pairs whose computed intersection has no area (numerically degenerate overlaps)
    computed = np.ones(len(idx), dtype=bool)
    computed[len(idx) - len(skip_idx):] = False
    keep = ~computed | whole
    check = computed & ~whole
    keep[check] = shapely.area(geo[check]) > 0  # area(None) is NaN: dropped too
    idx, geo, whole = idx[keep], geo[keep], whole[keep]
    order = np.lexsort((ib[idx], ia[idx]))
    idx = idx[order]
    return Pieces(ia=ia[idx], ib=ib[idx], geometry=geo[order], whole=whole[order])


def uncovered(b: Any, a: Any, *, pieces: Pieces | None = None, threads: int | None = None,
              progress: Progress | None = None) -> np.ndarray:
    """For each polygon of `b`, the part of it that no polygon of `a` covers: b minus the union of the
    `a` polygons whose interiors overlap it, computed geometrically (never from areas).

    b, a: arrays (or GeoSeries) of valid polygons in one projected CRS (metres).
    pieces: optionally the result of `intersect_pairs(a, b)` on the same arrays; its pairs are then
    reused instead of being found again (the dearest step when there is no such result at hand).
    Returns an object array aligned with `b`: an empty Polygon where b is fully covered, b itself (the
    same object) where nothing of `a` overlaps it, else the Polygon/MultiPolygon left over. None stays
    None. A covered b costs one union of its overlapping a's and one `covers` test; the difference is
    computed only for the b's that are not covered. `progress(done, total)` hears of every finished
    chunk of the last step.
    """
    b, crs_b = _as_geoms(b)
    a, crs_a = _as_geoms(a)
    _check_crs(crs_b, crs_a)
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
    else:
        ib, ia = shapely.STRtree(a).query(b)  # sorted by ib
        bounds_a, bounds_b = shapely.bounds(a), shapely.bounds(b)

        def relate(span: tuple[int, int]):
            lo, hi = span
            cia, cib = ia[lo:hi], ib[lo:hi]
            ub, inv = np.unique(cib, return_inverse=True)
            return _classify(_private_copies(b[ub])[inv], a[cia], "covered_by", threads,
                             bounds_b[cib], bounds_a[cia])

        res = _run(relate, _chunks_by_key(ib, threads * _CHUNKS_PER_THREAD), threads)
        inter = _cat([r[0] for r in res], bool)
        within = _cat([r[1] for r in res], bool)  # b lies inside one a
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
            d = _polygonal(shapely.difference(b[ub[open_]], unions[open_]))
            d[shapely.is_missing(d)] = empty_polygon
            left[open_] = d
        return ub, left

    for ub, left in _run(rest, _chunks_by_key(ib, threads * _CHUNKS_PER_THREAD), threads, progress):
        out[ub] = left
    return out


def self_overlaps(b: Any, *, min_area: float = 0.0, threads: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs i < j of polygons of `b` whose interiors overlap, with the overlap geometry.

    b: array (or GeoSeries) of valid polygons in a projected CRS (metres). Returns (i, j, geometry)
    sorted by (i, j), keeping overlaps with planar area > max(min_area, 0) m² (identical duplicates
    overlap wholly). Subtract the overlaps' areas from a sum to count overlapped ground once.
    """
    b, crs = _as_geoms(b)
    _check_crs(crs)
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
        prep = _private_copies(b[ui])[inv]
        shapely.prepare(prep)
        sel = np.flatnonzero(shapely.relate_pattern(prep, b[cj], "T********"))
        geoms = _polygonal(shapely.intersection(b[ci[sel]], b[cj[sel]]))
        return lo + sel, geoms

    res = _run(work, _chunks_by_key(i, threads * _CHUNKS_PER_THREAD), threads)
    sel = _cat([r[0] for r in res], np.int64)
    geo = _cat([r[1] for r in res], object)
    ok = ~shapely.is_missing(geo)
    ok[ok] = shapely.area(geo[ok]) > max(min_area, 0.0)
    sel, geo = sel[ok], geo[ok]
    order = np.lexsort((j[sel], i[sel]))
    return i[sel][order], j[sel][order], geo[order]


def thinness(geoms: Any) -> np.ndarray:
    """2 × area / perimeter of each geometry, in metres for a metric CRS: about the width of a long
    thin strip (a w × L rectangle gives w·L/(w+L) ≈ w). 0 for empty, None or non-areal geometries."""
    g, _ = _as_geoms(geoms)
    area = shapely.area(g)
    per = shapely.length(g)
    out = np.zeros(len(g), dtype="float64")
    ok = np.isfinite(area) & np.isfinite(per) & (per > 0)
    out[ok] = 2.0 * area[ok] / per[ok]
    return out


def is_sliver(geoms: Any, area_m2: Any, width_m: float = SLIVER_WIDTH_M,
              min_area_m2: float = SLIVER_MIN_AREA_M2) -> np.ndarray:
    """True where a piece is a sliver: thinner than `width_m` metres (see `thinness`) or smaller than
    `min_area_m2` m². `area_m2` is the area to judge by (normally the ellipsoidal area of the piece)."""
    area = np.asarray(area_m2, dtype="float64")
    return (thinness(geoms) < width_m) | (area < min_area_m2)
