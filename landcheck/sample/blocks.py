"""Blocks: Voronoi cells of the block seeds (a rotated field grid plus denser settlement grids), the
strip (农村道路, 沟渠, 公路, street) and its width along every block edge, the cores inside the strips, and
a land-use theme per block.

Works per block and per edge; does not cut field parcels (see `patches`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Voronoi, cKDTree

from .constants import (BLOCK_H, BLOCK_JITTER, BLOCK_W, FIELD, FRINGE, FRINGE_FACTOR, SEAT, SEAT_BLOCK_M, VILLAGE,
                        VILLAGE_BLOCK_M)
from .draw import pick
from .geom import halfplanes, rot, seed_lattice
from .plan import Plan


@dataclass
class Blocks:
    seeds: np.ndarray        # (n, 2)
    kind: np.ndarray         # FIELD / FRINGE / VILLAGE / SEAT
    unit: np.ndarray         # index into plan.units (nearest settlement centre)
    gi: np.ndarray           # field-grid indices (-1 for settlement seeds)
    gj: np.ndarray
    cell: np.ndarray         # cell polygons clipped to the outline (None when outside)
    core: np.ndarray         # cells minus the strips along their edges
    edge_a: np.ndarray       # per edge: the two seeds, the two vertices, type and width
    edge_b: np.ndarray
    edge_v1: np.ndarray
    edge_v2: np.ndarray
    edge_code: np.ndarray    # '1006', '1107', '1003', '1004' or '' (no strip)
    edge_width: np.ndarray   # m
    theme: np.ndarray        # land-use theme of each block ('plain', 'orchard', … or 'settlement')


def _block_seeds(rng: np.random.Generator, plan: Plan):
    """Field-grid seeds (rotated jittered grid) and settlement seeds (denser grids within the fringe
    radius of each seat and village). Returns seeds, kinds, unit ids, grid indices."""
    x0, y0, x1, y1 = plan.outline.bounds
    c = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.hypot(x1 - x0, y1 - y0) / 2 + 2 * BLOCK_W
    ni, nj = int(2 * half / BLOCK_W) + 1, int(2 * half / BLOCK_H) + 1
    gi, gj = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    gi, gj = gi.ravel(), gj.ravel()
    local = np.column_stack([(gi + rng.uniform(-BLOCK_JITTER, BLOCK_JITTER, gi.size)) * BLOCK_W - half,
                             (gj + rng.uniform(-BLOCK_JITTER, BLOCK_JITTER, gj.size)) * BLOCK_H - half])
    field_xy = local @ rot(plan.theta).T + c
    u = plan.units
    centres = u[["x", "y"]].to_numpy()
    fringe_r = u["radius"].to_numpy() * FRINGE_FACTOR
    d = np.hypot(field_xy[:, None, 0] - centres[None, :, 0], field_xy[:, None, 1] - centres[None, :, 1])
    keep = (d > fringe_r[None, :] + 0.35 * BLOCK_H).all(axis=1)
    field_xy, gi, gj = field_xy[keep], gi[keep], gj[keep]

    spacing = np.where(u["is_seat"], SEAT_BLOCK_M, VILLAGE_BLOCK_M)
    bounds = np.column_stack([-fringe_r, -fringe_r, fringe_r, fringe_r])
    lx, ly, owner, _, _ = seed_lattice(rng, bounds, spacing, 0.18)
    ang = plan.theta + rng.normal(0, 0.06, len(u))
    ca, sa = np.cos(ang[owner]), np.sin(ang[owner])
    sx, sy = ca * lx - sa * ly + centres[owner, 0], sa * lx + ca * ly + centres[owner, 1]
    r = np.hypot(lx, ly)
    inside = r < fringe_r[owner]
    phi = np.arctan2(ly, lx)
    wobble = 1 + 0.16 * np.cos(2 * phi + owner) + 0.1 * np.cos(3 * phi + 2 * owner)
    settle_r = u["radius"].to_numpy()[owner] * wobble
    kind_s = np.where(r < settle_r, np.where(u["is_seat"].to_numpy()[owner], SEAT, VILLAGE), FRINGE)
    sx, sy, kind_s, owner = sx[inside], sy[inside], kind_s[inside], owner[inside]

    seeds = np.vstack([field_xy, np.column_stack([sx, sy])])
    kind = np.concatenate([np.full(len(field_xy), FIELD), kind_s])
    gi = np.concatenate([gi, np.full(len(sx), -1)])
    gj = np.concatenate([gj, np.full(len(sx), -1)])
    # every block belongs to the nearest seat or village centre (its 坐落单位)
    unit = cKDTree(centres).query(seeds)[1]
    unit[len(field_xy):] = owner
    return seeds, kind, unit, gi, gj


def make_blocks(rng: np.random.Generator, plan: Plan) -> Blocks:
    """Voronoi cells of the block seeds, the strip type and width of every edge, and the cores."""
    seeds, kind, unit, gi, gj = _block_seeds(rng, plan)
    x0, y0, x1, y1 = plan.outline.bounds
    far = 4 * np.hypot(x1 - x0, y1 - y0)
    ring = np.column_stack([np.cos(np.arange(16) * np.pi / 8), np.sin(np.arange(16) * np.pi / 8)]) * far + seeds.mean(axis=0)
    vor = Voronoi(np.vstack([seeds, ring]))
    n = len(seeds)
    vertices, vmap = _merge_close(vor.vertices, 0.5)

    # cells from the Voronoi regions (vertices sorted by angle around the seed: cells are convex)
    cell = np.full(n, None, dtype=object)
    regions = [vor.regions[vor.point_region[i]] for i in range(n)]
    bounded = np.array([len(r) > 2 and -1 not in r for r in regions])
    idx = np.flatnonzero(bounded)
    lengths = np.array([len(regions[i]) for i in idx])
    verts = vmap[np.concatenate([regions[i] for i in idx])]
    owner = np.repeat(np.arange(len(idx)), lengths)
    pairs = pd.DataFrame({"o": owner, "v": verts}).drop_duplicates()  # vertices merged by _merge_close
    pairs = pairs[pairs.groupby("o")["v"].transform("size") >= 3]  # a cell needs three corners
    idx, owner = idx[np.unique(pairs["o"])], np.unique(pairs["o"], return_inverse=True)[1]
    verts = pairs["v"].to_numpy()
    xy = vertices[verts]
    ang = np.arctan2(xy[:, 1] - seeds[idx[owner], 1], xy[:, 0] - seeds[idx[owner], 0])
    order = np.lexsort((ang, owner))
    rings = shapely.linearrings(xy[order], indices=owner[order])
    cell[idx] = shapely.polygons(rings)
    real = np.zeros(n, dtype=bool)
    real[idx] = shapely.intersects(cell[idx], plan.outline)
    cell[real] = shapely.intersection(cell[real], plan.outline)
    cell[~real] = None
    real &= ~shapely.is_empty(cell) & (shapely.area(cell) > 1.0)
    cell[~real] = None

    # edges between two seeds with at least one real cell
    rp = vor.ridge_points
    rv = np.array(vor.ridge_vertices)
    ok = (rp < n).all(axis=1) & (rv >= 0).all(axis=1)
    rp, rv = rp[ok], vmap[rv[ok]]
    ok = (real[rp[:, 0]] | real[rp[:, 1]]) & (rv[:, 0] != rv[:, 1])
    a, b = rp[ok, 0], rp[ok, 1]
    v1, v2 = vertices[rv[ok, 0]], vertices[rv[ok, 1]]
    code, width = _edge_types(rng, kind, gi, gj, a, b)

    core = _cores(cell, real, seeds, a, b, v1, v2, width)
    theme = _block_themes(rng, kind)
    return Blocks(seeds, kind, unit, gi, gj, cell, core, a, b, v1, v2, code, width, theme)


def _merge_close(xy: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge points closer than `tol` (m): near-cocircular seeds give Voronoi edges a few millimetres
    long, which no survey has. Returns the points (merged ones moved to their group's first point)
    and, for every point, the index of the point it became."""
    pairs = cKDTree(xy).query_pairs(tol, output_type="ndarray")
    if len(pairs) == 0:
        return xy, np.arange(len(xy))
    n = len(xy)
    _, label = connected_components(coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)), directed=False)
    first = np.full(label.max() + 1, n)
    np.minimum.at(first, label, np.arange(n))
    return xy, first[label]


def _runs(rng: np.random.Generator, shape: tuple[int, int], choices: list[str], p: list[float], stay: float) -> np.ndarray:
    """Per grid line (rows) a sequence of types along it (columns) in runs: each step keeps the
    previous type with probability `stay`."""
    new = rng.choice(len(choices), size=shape, p=p)
    change = rng.random(shape) > stay
    change[:, 0] = True
    pos = np.where(change, np.arange(shape[1])[None, :], 0)
    pos = np.maximum.accumulate(pos, axis=1)
    picked = np.take_along_axis(new, pos, axis=1)
    return np.array(choices, dtype=object)[picked]


def _width_for(rng: np.random.Generator, code: np.ndarray) -> np.ndarray:
    """Strip width (m, multiples of 0.5) for each strip code."""
    ranges = {"1006": (4.0, 8.0), "1107": (2.0, 6.0), "1003": (10.0, 16.0), "1004": (5.0, 10.0), "": (0.0, 0.0)}
    lo = np.array([ranges[c][0] for c in code])
    hi = np.array([ranges[c][1] for c in code])
    return np.round(rng.uniform(lo, hi) * 2) / 2


def _edge_types(rng, kind, gi, gj, a, b):
    """The strip (DLBM code and width in m) along every block edge. Field-grid edges follow grid lines
    whose type runs along the line (a road for a few blocks, then a ditch …); settlement edges are
    streets (1004); fringe edges are small roads or nothing."""
    ni, nj = gi.max() + 2, gj.max() + 2
    line_codes = ["1006", "1107", "", "1003"]
    p = [0.56, 0.26, 0.15, 0.03]
    v_code = _runs(rng, (ni, nj), line_codes, p, 0.75)
    h_code = _runs(rng, (nj, ni), line_codes, p, 0.75)
    v_width = _width_for(rng, v_code.ravel()).reshape(v_code.shape)
    h_width = _width_for(rng, h_code.ravel()).reshape(h_code.shape)
    # widths run along lines too: each run keeps the width of its first segment
    for codes, widths in ((v_code, v_width), (h_code, h_width)):
        same = np.zeros(codes.shape, dtype=bool)
        same[:, 1:] = codes[:, 1:] == codes[:, :-1]
        pos = np.maximum.accumulate(np.where(same, 0, np.arange(codes.shape[1])[None, :]), axis=1)
        widths[:] = np.take_along_axis(widths, pos, axis=1)

    ka, kb = kind[a], kind[b]
    code = np.full(len(a), "", dtype=object)
    width = np.zeros(len(a))
    both_field = (ka == FIELD) & (kb == FIELD)
    ia, ib, ja, jb = gi[a], gi[b], gj[a], gj[b]
    vi = np.minimum(ia, ib)
    hj = np.minimum(ja, jb)
    vertical = both_field & (ia != ib)
    horizontal = both_field & (ja != jb)
    # an edge between horizontal neighbours lies on a vertical grid line and vice versa
    vc, vw = v_code[np.clip(vi, 0, ni - 1), np.clip(ja, 0, nj - 1)], v_width[np.clip(vi, 0, ni - 1), np.clip(ja, 0, nj - 1)]
    hc, hw = h_code[np.clip(hj, 0, nj - 1), np.clip(ia, 0, ni - 1)], h_width[np.clip(hj, 0, nj - 1), np.clip(ia, 0, ni - 1)]
    use_v = vertical & (~horizontal | (vw >= hw))
    use_h = horizontal & ~use_v
    code[use_v], width[use_v] = vc[use_v], vw[use_v]
    code[use_h], width[use_h] = hc[use_h], hw[use_h]

    settle = lambda k: (k == VILLAGE) | (k == SEAT)  # noqa: E731
    seat_pair = (ka == SEAT) & (kb == SEAT)
    s2 = settle(ka) & settle(kb)
    code[s2] = "1004"
    width[s2] = np.round(rng.uniform(5, 9, s2.sum()) * 2) / 2
    width[seat_pair] = np.round(rng.uniform(8, 16, seat_pair.sum()) * 2) / 2
    s1 = settle(ka) ^ settle(kb)
    r = rng.random(len(a))
    code[s1] = np.where(r[s1] < 0.6, "1004", "1006")
    width[s1] = np.round(rng.uniform(4.5, 7.5, s1.sum()) * 2) / 2
    fringe = ((ka == FRINGE) | (kb == FRINGE)) & ~s1 & ~s2
    ff = fringe & (ka == FRINGE) & (kb == FRINGE)
    code[ff] = np.select([r[ff] < 0.45, r[ff] < 0.55], ["1006", "1107"], "")
    fo = fringe & ~ff
    code[fo] = np.select([r[fo] < 0.6, r[fo] < 0.8], ["1006", "1107"], "")
    width[fringe] = _width_for(rng, code[fringe])
    width[fringe & (code == "1006")] = np.minimum(width[fringe & (code == "1006")], 6.0)
    return code, width


def _cores(cell, real, seeds, a, b, v1, v2, width) -> np.ndarray:
    """Each cell minus the half-width of the strips along its edges (mitred inset, per-edge widths)."""
    core = np.array(cell, dtype=object, copy=True)
    strip = width > 0
    owner = np.concatenate([a[strip], b[strip]])
    p0 = np.vstack([v1[strip], v1[strip]])
    p1 = np.vstack([v2[strip], v2[strip]])
    half = np.concatenate([width[strip], width[strip]]) / 2
    keep = real[owner]
    owner, p0, p1, half = owner[keep], p0[keep], p1[keep], half[keep]
    planes = halfplanes(p0, p1, seeds[owner], half)
    order = np.argsort(owner, kind="stable")
    owner, planes = owner[order], planes[order]
    _, start, counts = np.unique(owner, return_index=True, return_counts=True)
    rank = np.arange(len(owner)) - np.repeat(start, counts)
    for r in range(rank.max() + 1 if len(rank) else 0):
        sel = rank == r
        core[owner[sel]] = shapely.intersection(core[owner[sel]], planes[sel])
    return core


def _block_themes(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """A theme for each open-field block: most are plain cropland, some are orchards, nurseries, tree
    belts, pond clusters, facility farms, vegetable greenhouses or a workshop site."""
    theme = pick(rng, len(kind), [("plain", 0.80), ("orchard", 0.05), ("nursery", 0.03), ("forest", 0.02),
                                  ("facility", 0.03), ("pond", 0.02), ("vegetable", 0.04), ("industry", 0.01)])
    theme[kind != FIELD] = "settlement"
    return theme
