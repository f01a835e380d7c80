"""Patches: the strip pieces along block edges, field parcels cut inside the cores, the highways and
rivers carved out, and small pieces merged into a neighbour — together a coverage of the outline.

Geometry and patch kinds only: no land-use codes (see `baseline`) and no attributes of the delivered layers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .blocks import Blocks
from .constants import FIELD, FRINGE, HIGHWAY, RIVER, STRIP, VILLAGE
from .geom import affine, explode, seed_lattice, union_groups
from .plan import Plan


def _strips(blocks: Blocks, outline) -> pd.DataFrame:
    """The strip pieces: for each edge, the quadrilateral (seed a, v1, seed b, v2) minus both cores.
    The quadrilaterals tile the cells, so strips and cores tile the outline exactly."""
    a, b = blocks.edge_a, blocks.edge_b
    ring = np.stack([blocks.seeds[a], blocks.edge_v1, blocks.seeds[b], blocks.edge_v2, blocks.seeds[a]], axis=1)
    quad = shapely.polygons(ring)
    near_edge = ~shapely.contains_properly(outline, quad)
    quad[near_edge] = shapely.intersection(quad[near_edge], outline)
    empty = shapely.Polygon()
    ca = np.where(pd.isna(blocks.core[a]), empty, blocks.core[a])
    cb = np.where(pd.isna(blocks.core[b]), empty, blocks.core[b])
    piece = shapely.difference(shapely.difference(quad, ca), cb)
    parts, idx = explode(piece)
    owner = np.where(pd.isna(blocks.cell[a[idx]]), b[idx], a[idx])
    return pd.DataFrame({"geometry": parts, "kind": STRIP, "block": owner, "edge": idx,
                         "code": blocks.edge_code[idx], "width": blocks.edge_width[idx], "gx": -1, "gy": -1})


def _field_params(rng: np.random.Generator, kind: np.ndarray, theme: np.ndarray, theta: float):
    """Per block: field orientation (rad), stretch (long/short side) and target field area (m²).
    Open fields are long strips; fringe plots, ponds and orchards smaller; street blocks compact."""
    n = len(kind)
    turn = np.where(rng.random(n) < 0.5, 0.0, np.pi / 2)
    orient = theta + turn + rng.normal(0, 0.03, n)
    stretch = np.select([kind == FIELD, kind == FRINGE], [rng.uniform(2.5, 4.5, n), rng.uniform(1.5, 2.5, n)], rng.uniform(1.0, 1.6, n))
    area = np.select([kind == FIELD, kind == FRINGE, kind == VILLAGE], [rng.uniform(4500, 8000, n), rng.uniform(2200, 4000, n),
                     rng.uniform(1800, 3400, n)], rng.uniform(2500, 5500, n))
    small = np.isin(theme, ("pond", "orchard", "nursery", "facility"))
    stretch[small] = rng.uniform(1.3, 2.2, small.sum())
    area[small] = rng.uniform(2500, 4500, small.sum())
    return orient, stretch, area


def _fields(rng: np.random.Generator, blocks: Blocks, theta: float) -> pd.DataFrame:
    """Field parcels: inside every core, the Voronoi cells of a jittered lattice drawn in a stretched,
    rotated frame (so parcels are long strips along the block's axis), cut back to the core."""
    have = np.flatnonzero(~pd.isna(blocks.core))
    have = have[~shapely.is_empty(blocks.core[have]) & (shapely.area(blocks.core[have]) > 1.0)]
    core = blocks.core[have]
    orient, stretch, farea = _field_params(rng, blocks.kind[have], blocks.theme[have], theta)
    origin = shapely.get_coordinates(shapely.centroid(core))
    local = np.arange(len(have))
    core_t = affine(core, local, origin, orient, stretch)
    spacing = np.sqrt(farea * stretch)
    x, y, owner, i, j = seed_lattice(rng, shapely.bounds(core_t), spacing, 0.22)
    shapely.prepare(core_t)
    inside = shapely.contains_xy(core_t[owner], x, y)
    x, y, owner, i, j = x[inside], y[inside], owner[inside], i[inside], j[inside]
    order = np.lexsort((j, i, owner))
    x, y, owner, i, j = x[order], y[order], owner[order], i[order], j[order]

    mp = np.full(len(have), None, dtype=object)
    if len(owner):
        shapely.multipoints(shapely.points(x, y), indices=owner, out=mp)
    counts = np.bincount(owner, minlength=len(have))
    multi = np.flatnonzero(counts >= 2)
    vor = shapely.voronoi_polygons(mp[multi], extend_to=core_t[multi], ordered=True)
    cells, vidx = shapely.get_parts(vor, return_index=True)
    cell_owner = multi[vidx]
    # ordered=True: the k-th polygon of a block belongs to its k-th seed
    per_block = np.bincount(vidx, minlength=len(multi))
    if not np.array_equal(per_block, counts[multi]):
        raise RuntimeError("Voronoi cells do not match their seeds")
    seq = np.arange(len(cells)) - np.repeat(np.cumsum(per_block) - per_block, per_block)
    seed_idx = (np.cumsum(counts) - counts)[cell_owner] + seq
    cells = affine(cells, cell_owner, origin, orient, stretch, inverse=True)
    pieces = shapely.intersection(cells, core[cell_owner])
    parts, pidx = explode(pieces)
    gx, gy = i[seed_idx[pidx]], j[seed_idx[pidx]]
    fo = cell_owner[pidx]
    # blocks with fewer than two seeds are one field
    single = np.flatnonzero(counts < 2)
    parts = np.concatenate([parts, core[single]])
    fo = np.concatenate([fo, single])
    gx = np.concatenate([gx, np.zeros(len(single), dtype=int)])
    gy = np.concatenate([gy, np.zeros(len(single), dtype=int)])
    block = have[fo]
    parts, pidx = explode(parts)
    return pd.DataFrame({"geometry": parts, "kind": blocks.kind[block[pidx]], "block": block[pidx], "edge": -1,
                         "code": "", "width": 0.0, "gx": gx[pidx], "gy": gy[pidx]})


def _carve(patches: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Cut the highways (1003) and rivers (1101) out of the patches. Their own patches are the pieces
    cut out of each block, unioned per block (so they are split where they cross blocks, like real
    DLTB). Inside and outside pieces come from the same patch edges, so they fit exactly."""
    if len(plan.highways) == 0 and len(plan.rivers) == 0:
        return patches
    hw = shapely.union_all(plan.highways) if len(plan.highways) else shapely.Polygon()
    rv = shapely.difference(shapely.union_all(plan.rivers), hw) if len(plan.rivers) else shapely.Polygon()
    carve = shapely.union(hw, rv)
    shapely.prepare(carve)
    g = patches["geometry"].to_numpy()
    hit = np.flatnonzero(shapely.intersects(carve, g))
    block = patches["block"].to_numpy()
    new = []
    for geom, kind, code, widths in ((hw, HIGHWAY, "1003", plan.highway_widths), (rv, RIVER, "1101", plan.river_widths)):
        if shapely.is_empty(geom):
            continue
        parts, idx = explode(shapely.intersection(g[hit], geom))
        ids, pieces = union_groups(parts, block[hit][idx])
        pieces, pidx = explode(pieces)
        w = np.round(float(np.median(widths)) * 2) / 2
        new.append(pd.DataFrame({"geometry": pieces, "kind": kind, "block": ids[pidx], "edge": -1, "code": code,
                                 "width": w, "gx": -1, "gy": -1}))
    g = g.copy()
    g[hit] = shapely.difference(g[hit], carve)
    patches = patches.assign(geometry=g)
    parts, idx = explode(patches["geometry"].to_numpy())
    patches = patches.iloc[idx].assign(geometry=parts)
    return pd.concat([patches, *new], ignore_index=True)


def merge_small(patches: pd.DataFrame, min_area: float = 30.0, drop_below: float = 0.01) -> pd.DataFrame:
    """Merge pieces smaller than `min_area` m² (junction corners, slivers left by carving) and strip
    pieces of edges without a strip (junction corners of the neighbouring strips) into the neighbour
    they share the longest boundary with, preferring a neighbour of the same kind; the merged patch
    keeps the attributes of its largest proper member. Pieces below `drop_below` m² (floating-point
    noise of un-noded geometry) are dropped instead."""
    patches = patches[shapely.area(patches["geometry"].to_numpy()) > drop_below].reset_index(drop=True)
    g = patches["geometry"].to_numpy()
    area = shapely.area(g)
    stray = (patches["kind"].to_numpy() == STRIP) & (patches["width"].to_numpy() == 0)
    small = np.flatnonzero((area < min_area) | stray)
    if len(small) == 0:
        return patches
    tree = shapely.STRtree(g)
    si, nj = tree.query(g[small], predicate="intersects")
    i = small[si]
    keep = i != nj
    i, nj = i[keep], nj[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(g[i]), shapely.buffer(g[nj], 1e-3)))
    kind = patches["kind"].to_numpy()
    proper = (area >= min_area) & ~stray
    score = shared + 1e6 * ((kind[i] == kind[nj]) & (shared > 0.05)) + 1e3 * proper[nj]
    score[shared <= 0.05] = -1
    order = np.lexsort((-score, i))
    i, nj, score = i[order], nj[order], score[order]
    first = np.r_[True, i[1:] != i[:-1]] & (score >= 0)
    src, dst = i[first], nj[first]
    n = len(g)
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    members = np.isin(label, label[src])
    grp = label[members]
    idx = np.flatnonzero(members)
    ids, unions = union_groups(g[idx], grp, coverage=drop_below == 0.0)
    # the representative of each group (largest proper member) keeps its attributes
    rep = pd.Series(area[idx] + 1e12 * proper[idx], index=idx).groupby(grp).idxmax()
    out = patches.copy()
    out.loc[rep.loc[ids].to_numpy(), "geometry"] = unions
    drop = np.setdiff1d(idx, rep.to_numpy())
    out = out.drop(index=drop)
    parts, pidx = explode(out["geometry"].to_numpy())
    return out.iloc[pidx].assign(geometry=parts).reset_index(drop=True)


def make_patches(rng: np.random.Generator, plan: Plan, blocks: Blocks) -> pd.DataFrame:
    """All patch geometries with their kind, block, strip code/width and lattice cell; a coverage of the outline."""
    strips = _strips(blocks, plan.outline)
    fields = _fields(rng, blocks, plan.theta)
    P = pd.concat([fields, strips], ignore_index=True)
    P = _carve(P, plan)
    P = merge_small(P, 30.0)
    P["unit"] = blocks.unit[P["block"].to_numpy()]
    P["unit_is_seat"] = plan.units["is_seat"].to_numpy()[P["unit"].to_numpy()]
    return P
