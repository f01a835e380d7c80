"""`overlay.group_union` / `union_by` with coverage=True (the union of a survey's coverage chunk) gives
the plain overlay union on hand-built coverages, valid and faulty: a clean grid, an overlapping patch,
a T-junction, a sliver gap, a hole with an island, and Voronoi patches with grown and shrunk ones."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from landcheck import overlay
from landcheck.checks.survey.topology import coverage_holes
from landcheck.overlay.union import coverage_invalid
from tests.helpers import H, W, X0, Y0, grid
from tests.test_overlay import voronoi_patches


def arr(geoms) -> np.ndarray:
    return np.array(list(geoms), dtype=object)


def same_union(geoms, group=None, n=1):
    """Both unions of each group, asserted equal (symmetric difference under 1e-6 m²); the coverage ones."""
    geoms = arr(geoms)
    group = np.zeros(len(geoms), np.int64) if group is None else group
    plain = overlay.group_union(geoms, group, n)
    cov = overlay.group_union(geoms, group, n, coverage=True)
    assert shapely.is_valid(cov).all()
    assert shapely.area(shapely.symmetric_difference(plain, cov)).max() < 1e-6
    assert np.allclose(shapely.area(cov), shapely.area(plain), rtol=0, atol=1e-6)
    return cov


def holes_of(union):
    """(number, area) of the union's holes, but those under 1e-6 m² (floating-point noise, which
    either way may leave: the plain union left a 1.5e-8 m² one in seed 1)."""
    h = coverage_holes(union)
    h = h[shapely.area(h) > 1e-6]
    return len(h), float(shapely.area(h).sum())


def test_clean_grid_is_one_coverage_union():
    g = grid(4, 3)
    assert not coverage_invalid(arr(g), np.zeros(12, np.int64), 1).any()
    (u,) = same_union(g)
    assert shapely.get_type_id(u) == 3 and shapely.get_num_interior_rings(u) == 0
    assert u.area == pytest.approx(12 * W * H)


def test_overlapping_patch_is_united_by_overlay():
    g = grid(4, 3)
    g[5] = shapely.buffer(g[5], 0.5, join_style="mitre")  # grown by 0.5 m over its neighbours
    bad = coverage_invalid(arr(g), np.zeros(12, np.int64), 1)
    assert bad[5] and bad[[1, 4, 6, 9]].all() and not bad[[3, 11]].any()
    wrong = shapely.coverage_union_all(arr(g))  # what the filter prevents: undefined on an overlap
    assert not shapely.is_valid(wrong) and wrong.area > 12 * W * H + 100
    (u,) = same_union(g)
    assert shapely.get_num_interior_rings(u) == 0


def test_t_junction_is_united_by_overlay():
    a = shapely.box(X0, Y0, X0 + W, Y0 + H)
    b = shapely.Polygon([(X0 + W, Y0), (X0 + 2 * W, Y0), (X0 + 2 * W, Y0 + H), (X0 + W, Y0 + H), (X0 + W, Y0 + H / 2)])
    c = shapely.box(X0, Y0 + H, X0 + 2 * W, Y0 + 2 * H)  # valid against neither: its edge is one, theirs two
    bad = coverage_invalid(arr([a, b, c]), np.zeros(3, np.int64), 1)
    assert bad.tolist() == [True, True, True]
    (u,) = same_union([a, b, c])
    assert u.area == pytest.approx(4 * W * H)


def test_sliver_gap_stays_a_hole():
    g = grid(3, 3)
    x0, y0, x1, y1 = g[4].bounds
    g[4] = shapely.box(x0, y0, x1, y1 - 0.05)  # its top edge no longer meets the patch above: 5 cm × 100 m
    # its side neighbours' edges now run past its corners: theirs and its are not valid, the rest are
    assert coverage_invalid(arr(g), np.zeros(9, np.int64), 1).tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    (u,) = same_union(g)
    assert holes_of(u) == (1, pytest.approx(0.05 * W, abs=1e-6))


def test_hole_with_an_island():
    ring = [p for k, p in enumerate(grid(3, 3)) if k != 4]
    x0, y0 = X0 + W, Y0 + H
    island = shapely.box(x0 + 10, y0 + 10, x0 + W - 10, y0 + H - 10)
    geoms = ring + [island]
    assert not coverage_invalid(arr(geoms), np.zeros(9, np.int64), 1).any()
    (u,) = same_union(geoms)
    assert holes_of(u) == pytest.approx((1, W * H - (W - 20) * (H - 20)))


def test_non_polygonal_and_empty_members_go_to_the_overlay():
    g = grid(2) + [shapely.Polygon(), shapely.LineString([(X0, Y0), (X0 + W, Y0 + H)])]
    bad = coverage_invalid(arr(g), np.zeros(4, np.int64), 1)
    assert bad.tolist() == [False, False, True, True]
    same_union(g)


def faulty_voronoi(seed: int) -> np.ndarray:
    """Voronoi patches, 3 % grown by 0.5 m, 3 % shrunk by 0.2 m, one duplicated, one T-junction."""
    rng = np.random.default_rng(seed)
    p = voronoi_patches(600, seed)
    k = rng.permutation(len(p))
    p[k[:18]] = shapely.buffer(p[k[:18]], 0.5, join_style="mitre")
    p[k[18:36]] = shapely.buffer(p[k[18:36]], -0.2, join_style="mitre")
    p[k[36]] = shapely.segmentize(p[k[36]], 30.0)  # extra vertices on edges its neighbours share
    return np.concatenate([p, p[k[40:41]]])


@pytest.mark.parametrize("seed", [1, 2])
def test_faulty_voronoi_chunks_and_their_holes(seed):
    p = faulty_voronoi(seed)
    group = np.arange(len(p)) % 7  # scattered chunks: many boundary edges, many holes
    cov = same_union(p, group, 7)
    plain = overlay.group_union(p, group, 7)
    for u, v in zip(cov, plain):
        n, a = holes_of(u)
        m, b = holes_of(v)
        assert n == m and a == pytest.approx(b, abs=1e-6)
    bad = coverage_invalid(p[np.argsort(group, kind="stable")], np.sort(group), 7)
    assert 0 < bad.sum() < len(p) / 2  # both ways are taken


def test_threads_give_the_same_coverage_unions():
    p = faulty_voronoi(3)
    group = np.arange(len(p)) % 90
    one = overlay.union_by(p, group, 90, threads=1, coverage=True)
    two = overlay.union_by(p, group, 90, threads=2, coverage=True)
    assert shapely.equals_identical(one, two).all()
