"""Big polygons cut into parts: polygons with many vertices are subdivided before they are
intersected, and the parts' results merged back into one piece per pair.

Pure shapely 2 on arrays; the caller decides which pairs are big.
"""

from __future__ import annotations

import numpy as np
import shapely

from .arrays import polygonal
from .threads import CHUNKS_PER_THREAD, run
from .union import group_union


def subdivide(geoms: np.ndarray, max_vertices: int) -> tuple[np.ndarray, np.ndarray]:
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
        halves = polygonal(halves)
        ok = ~shapely.is_missing(halves)
        polys, idx = shapely.get_parts(halves[ok], return_index=True)
        parts, parent = polys, hp[ok][idx]
    else:  # pragma: no cover - pathological input (e.g. NaN coordinates)
        done_g.append(parts)
        done_p.append(parent)
    return np.concatenate(done_g), np.concatenate(done_p)


def work_units(geoms: np.ndarray, max_vertices: int, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Geometries as work units: small ones as they are, big ones subdivided; (units, parent)."""
    nv = shapely.get_num_coordinates(geoms)
    small = np.flatnonzero(nv <= max_vertices)
    big = np.flatnonzero(nv > max_vertices)
    units, parent = [geoms[small]], [small]
    if len(big):
        chunks = np.array_split(big, min(len(big), threads * CHUNKS_PER_THREAD))
        results = run(lambda c: subdivide(geoms[c], max_vertices), chunks, threads)
        for c, (g, p) in zip(chunks, results, strict=True):
            units.append(g)
            parent.append(c[p])
    return np.concatenate(units), np.concatenate(parent).astype(np.int64)


def intersection_threaded(x: np.ndarray, y: np.ndarray, threads: int) -> np.ndarray:
    """Element-wise polygonal intersection of x and y, in chunks on threads (no prepared geometry)."""
    n = len(x)
    if n == 0:
        return np.empty(0, dtype=object)
    bounds = np.linspace(0, n, min(n, threads * CHUNKS_PER_THREAD) + 1).astype(int)
    spans = [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]
    res = run(lambda s: polygonal(shapely.intersection(x[s[0]:s[1]], y[s[0]:s[1]])), spans, threads)
    return np.concatenate(res)


def intersect_big(a: np.ndarray, b: np.ndarray, ia: np.ndarray, ib: np.ndarray,
                  max_vertices: int, threads: int) -> np.ndarray:
    """a[ia] ∩ b[ib] for pairs where either side has more than max_vertices vertices: both sides are
    subdivided, the parts intersected, and the parts' results merged into one piece per pair."""
    ua, inv_a = np.unique(ia, return_inverse=True)
    ub, inv_b = np.unique(ib, return_inverse=True)
    ga, pa = work_units(a[ua], max_vertices, threads)
    gb, pb = work_units(b[ub], max_vertices, threads)
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
    geoms = intersection_threaded(ga[u], gb[v], threads)
    ok = ~shapely.is_missing(geoms)
    return group_union(geoms[ok], pair[ok], len(ia))
