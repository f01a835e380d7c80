"""Small vectorised geometry helpers of the generator: rotation, half-planes, exploding parts, unions by
group, per-frame affine moves, jittered seed lattices, noding a coverage onto the delivery grid.

Pure functions of their arguments (arrays of shapely geometries): no randomness of their own beyond the
`rng` passed in, no knowledge of blocks, land use or layers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .constants import GRID_M


def rot(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def halfplanes(p0: np.ndarray, p1: np.ndarray, inward: np.ndarray, offset: np.ndarray, reach: float = 20_000.0) -> np.ndarray:
    """Polygons standing for the half-planes on the `inward` side of the lines p0→p1 moved inward by
    `offset` metres (arrays of shape (n, 2), (n, 2), (n, 2), (n,)). Each is a `reach`-sized rectangle."""
    u = p1 - p0
    u /= np.linalg.norm(u, axis=1)[:, None]
    n = np.column_stack([-u[:, 1], u[:, 0]])
    n *= np.sign(np.einsum("ij,ij->i", n, inward - p0))[:, None]
    a = p0 + n * offset[:, None] - u * reach
    b = p1 + n * offset[:, None] + u * reach
    ring = np.stack([a, b, b + n * reach, a + n * reach, a], axis=1)
    return shapely.polygons(ring)


def explode(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygonal parts of each geometry and the index of the geometry each part came from (empty and
    non-polygonal parts dropped)."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (3,)) & ~shapely.is_empty(parts)
    return parts[keep], idx[keep]


def union_groups(geoms: np.ndarray, group: np.ndarray, coverage: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Union of the geometries of each group (group ids any integers). Returns (group ids, unions).
    Vectorised with a padded 2-D array and `union_all(axis=1)`; with `coverage`, the members are
    edge-matched pieces of a coverage and `coverage_union_all` keeps every vertex exactly."""
    ids, inv, counts = np.unique(group, return_inverse=True, return_counts=True)
    if len(ids) == 0:
        return ids, np.array([], dtype=object)
    order = np.argsort(inv, kind="stable")
    rank = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)
    table = np.full((len(ids), counts.max()), None, dtype=object)
    table[inv[order], rank] = geoms[order]
    out = np.empty(len(ids), dtype=object)
    single = counts == 1
    out[single] = table[single, 0]
    if (~single).any():
        union = shapely.coverage_union_all if coverage else shapely.union_all
        out[~single] = union(table[~single], axis=1)
    return ids, out


def affine(geoms: np.ndarray, owner: np.ndarray, origin: np.ndarray, theta: np.ndarray, stretch: np.ndarray,
           inverse: bool = False) -> np.ndarray:
    """Move each geometry into (or, with `inverse`, out of) its own frame: translate by -origin,
    rotate by -theta, scale x by `stretch`. `owner` indexes the per-frame arrays for each geometry."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    o = owner[idx]
    c, s, k = np.cos(theta[o]), np.sin(theta[o]), stretch[o]
    if not inverse:
        x, y = coords[:, 0] - origin[o, 0], coords[:, 1] - origin[o, 1]
        new = np.column_stack([(c * x + s * y) * k, -s * x + c * y])
    else:
        x, y = coords[:, 0] / k, coords[:, 1]
        new = np.column_stack([c * x - s * y + origin[o, 0], s * x + c * y + origin[o, 1]])
    return shapely.set_coordinates(np.array(geoms, dtype=object, copy=True), new)


def seed_lattice(rng: np.random.Generator, bounds: np.ndarray, spacing: np.ndarray, jitter: float):
    """Jittered square lattices, one per row of `bounds` (xmin, ymin, xmax, ymax), each with its own
    spacing. Returns x, y, the owner row of each point and its lattice indices (i, j)."""
    nx = np.ceil((bounds[:, 2] - bounds[:, 0]) / spacing).astype(int) + 1
    ny = np.ceil((bounds[:, 3] - bounds[:, 1]) / spacing).astype(int) + 1
    total = nx * ny
    owner = np.repeat(np.arange(len(bounds)), total)
    lin = np.arange(total.sum()) - np.repeat(np.cumsum(total) - total, total)
    i, j = lin % nx[owner], lin // nx[owner]
    off = rng.uniform(0, 1, size=(len(bounds), 2))
    jit = rng.uniform(-jitter, jitter, size=(len(owner), 2))
    x = bounds[owner, 0] + (i - off[owner, 0] + 0.5 + jit[:, 0]) * spacing[owner]
    y = bounds[owner, 1] + (j - off[owner, 1] + 0.5 + jit[:, 1]) * spacing[owner]
    return x, y, owner, i, j


def node(geoms: np.ndarray, grid: float = GRID_M, snap: float = 1e-3, gap: float = 0.5) -> np.ndarray:
    """Make polygons an exactly noded coverage, like a topology-checked DLTB: coordinates on a `grid`
    (m), then GEOS's coverage cleaner: vertices closer than `snap` (m) made one, shared edges given
    identical vertices, tiny overlaps given to one side and gaps narrower than `gap` (m) filled (the
    generator leaves no real gaps, only floating-point ones). One geometry per input (a polygon may
    come back as a MultiPolygon: explode afterwards)."""
    return shapely.coverage_clean(shapely.set_precision(geoms, grid), snapping_distance=snap, gap_width=gap)


def node_frame(P: pd.DataFrame) -> pd.DataFrame:
    """`node` the frame's geometry column; polygons split by it become separate rows."""
    parts, idx = explode(node(P["geometry"].to_numpy()))
    return P.iloc[idx].assign(geometry=parts).reset_index(drop=True)
