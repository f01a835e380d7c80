"""The geometry kernel on hand-computed rectangles, a 5 000-vertex circle, and random Voronoi patches
checked against geopandas.overlay."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.spatial import Voronoi

from landcheck import overlay
from landcheck.overlay import Pieces, intersect_pairs, is_sliver, self_overlaps, thinness, uncovered
from landcheck.overlay import parts as overlay_parts

# zone-prefixed Gauss–Krüger coordinates (EPSG:4527), as in delivered survey layers; integers up to
# 2**53 are exact, so the hand-computed areas below are exact too
X0, Y0 = 39_500_000.0, 4_130_000.0
CRS = "EPSG:4527"


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def arr(*geoms):
    return np.array(geoms, dtype=object)


@pytest.fixture
def count_intersections(monkeypatch):
    """Counts the geometries passed to shapely.intersection during the test."""
    calls = {"n": 0}
    real = shapely.intersection

    def counting(x, y, *args, **kwargs):
        calls["n"] += np.size(x)
        return real(x, y, *args, **kwargs)

    monkeypatch.setattr(shapely, "intersection", counting)
    return calls


# ------------------------------------------------------------------------------ intersect_pairs
@pytest.mark.parametrize("threads", [1, 2])
def test_patch_wholly_inside_is_the_patch_itself(count_intersections, threads):
    farm = arr(box(0, 0, 100, 100))
    inner = box(10, 10, 20, 20)  # strictly inside
    edge = box(0, 0, 30, 20)  # inside, sharing two edges with the farmland (covers, not contains_properly)
    p = intersect_pairs(arr(inner, edge), farm, threads=threads)
    assert list(p.ia) == [0, 1] and list(p.ib) == [0, 0]
    assert p.whole.all()
    assert p.geometry[0] is inner and p.geometry[1] is edge
    assert count_intersections["n"] == 0


@pytest.mark.parametrize("threads", [1, 2])
def test_patch_straddling_an_edge(threads):
    p = intersect_pairs(arr(box(80, 10, 120, 30)), arr(box(0, 0, 100, 100)), threads=threads)
    assert len(p) == 1 and not p.whole[0]
    assert shapely.area(p.geometry[0]) == 20 * 20
    assert shapely.equals(p.geometry[0], box(80, 10, 100, 30))


def test_edge_touch_and_point_touch_give_no_piece(count_intersections):
    farm = arr(box(0, 0, 100, 100))
    patches = arr(box(100, 0, 150, 50), box(100, 100, 150, 150), box(200, 200, 210, 210))
    p = intersect_pairs(patches, farm)
    assert len(p) == 0
    assert count_intersections["n"] == 0


def test_only_polygonal_parts_are_kept():
    # the farmland overlaps the patch in a 1 x 2 block and also touches its edge along a line
    a = box(0, 0, 4, 4)
    b = shapely.Polygon([(X0 + x, Y0 + y) for x, y in [(3, 0), (5, 0), (5, 6), (4, 6), (4, 2), (3, 2)]])
    assert shapely.get_type_id(shapely.intersection(a, b)) == 7  # GeometryCollection(Polygon, LineString)
    p = intersect_pairs(arr(a), arr(b))
    assert len(p) == 1
    assert p.geometry[0].geom_type == "Polygon"
    assert shapely.area(p.geometry[0]) == 2.0


def test_multipolygon_and_hole():
    farm = arr(
        shapely.MultiPolygon([box(0, 0, 10, 10), box(20, 0, 30, 10)]),
        box(100, 0, 200, 100).difference(box(140, 40, 160, 60)),  # a 20 x 20 hole
    )
    patches = arr(
        box(5, 2, 25, 4),  # over both parts of the MultiPolygon and the gap between them
        box(145, 45, 155, 55),  # inside the hole: touches nothing
        box(150, 50, 170, 70),  # a quarter inside the hole
        box(140, 40, 160, 60),  # exactly the hole: touches along its ring only
    )
    p = intersect_pairs(patches, farm)
    assert list(zip(p.ia.tolist(), p.ib.tolist(), strict=True)) == [(0, 0), (2, 1)]
    assert p.geometry[0].geom_type == "MultiPolygon" and shapely.area(p.geometry[0]) == 2 * 5 * 2
    assert shapely.area(p.geometry[1]) == 400 - 100
    u = uncovered(farm, patches)
    assert shapely.area(u[0]) == 200 - 20
    assert shapely.area(u[1]) == 100 * 100 - 400 - 300


def test_sliver_along_an_edge():
    farm = arr(box(0, 0, 100, 100))
    patches = arr(box(-50, 0, 0.05, 40), box(50, 0, 150, 40))  # 0.05 m x 40 m sliver; 50 m x 40 m piece
    p = intersect_pairs(patches, farm)
    assert len(p) == 2
    area = shapely.area(p.geometry)
    assert area[0] == pytest.approx(0.05 * 40, rel=1e-6)  # 0.05 at easting 39.5e6 is not exact in binary
    t = thinness(p.geometry)
    assert t[0] < 0.2 and t[0] == pytest.approx(2 * 2.0 / 80.1, rel=1e-6)
    assert t[1] == pytest.approx(2 * 2000 / 180)
    assert list(is_sliver(p.geometry, area)) == [True, False]
    # small but not thin
    assert is_sliver(arr(box(0, 0, 0.9, 0.9)), [0.81]).all()
    assert not is_sliver(arr(box(0, 0, 1.5, 1.5)), [2.25]).any()


def test_thinness_of_empty_and_none_is_zero():
    assert list(thinness(arr(shapely.Polygon(), None, shapely.Point(0, 0)))) == [0.0, 0.0, 0.0]


def _grid(x0, y0, x1, y1, step):
    xs = np.arange(x0, x1, step)
    ys = np.arange(y0, y1, step)
    gx, gy = np.meshgrid(xs, ys)
    return shapely.box(X0 + gx.ravel(), Y0 + gy.ravel(), X0 + gx.ravel() + step, Y0 + gy.ravel() + step)


@pytest.mark.parametrize("threads", [1, 2])
def test_huge_polygon_is_subdivided_and_areas_stay_exact(monkeypatch, threads):
    circle = shapely.Point(X0, Y0).buffer(1000, quad_segs=1250)
    assert shapely.get_num_coordinates(circle) > 5000
    squares = _grid(-1100, -1100, 1100, 1100, 100.0)
    seen = []
    real = overlay_parts.subdivide
    monkeypatch.setattr(overlay_parts, "subdivide", lambda g, m: seen.append(len(g)) or real(g, m))

    for a, b, circle_is_b in ((squares, arr(circle), True), (arr(circle), squares, False)):
        seen.clear()
        p = intersect_pairs(a, b, threads=threads, max_vertices=256)
        assert sum(seen) == 1  # the circle, and only the circle, was cut up
        plain = shapely.intersection(a[p.ia], b[p.ib])
        np.testing.assert_allclose(shapely.area(p.geometry), shapely.area(plain), rtol=1e-6)
        assert np.isin(shapely.get_type_id(p.geometry), (3, 6)).all()
        assert len(np.unique(np.column_stack([p.ia, p.ib]), axis=0)) == len(p)  # one piece per pair
        assert shapely.area(p.geometry).sum() == pytest.approx(shapely.area(circle), rel=1e-12)
        if circle_is_b:
            assert p.whole.sum() > 0  # squares inside the circle are taken whole
        # the same pairs as without subdivision
        q = intersect_pairs(a, b, threads=threads, max_vertices=10**9)
        assert (q.ia == p.ia).all() and (q.ib == p.ib).all() and (q.whole == p.whole).all()


def test_subdivide_parts_are_small_and_add_up():
    circle = shapely.Point(X0, Y0).buffer(1000, quad_segs=1250)
    parts, parent = overlay_parts.subdivide(arr(circle, box(0, 0, 1, 1)), 256)
    assert (shapely.get_num_coordinates(parts) <= 256).all()
    assert set(parent) == {0, 1}
    assert shapely.area(parts[parent == 0]).sum() == pytest.approx(shapely.area(circle), rel=1e-12)
    merged = shapely.union_all(parts[parent == 0])
    assert shapely.area(merged) == pytest.approx(shapely.area(circle), rel=1e-12)


# ---------------------------------------------------------------------- random layers vs geopandas
def voronoi_patches(n: int, seed: int, size: float = 1000.0) -> np.ndarray:
    """n irregular patches tiling a size x size square (a valid coverage)."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, size, size=(n, 2))
    far = np.array([[-10, -10], [-10, 11], [11, -10], [11, 11]]) * size
    vor = Voronoi(np.vstack([pts, far]))
    frame = shapely.box(0, 0, size, size)
    cells = [shapely.Polygon(vor.vertices[vor.regions[r]]) for r in vor.point_region[:n]]
    cells = shapely.intersection(np.array(cells, dtype=object), frame)
    return shapely.transform(cells, lambda xy: xy + (X0, Y0))


def random_farmland(patches: np.ndarray, seed: int) -> np.ndarray:
    """Unions of groups of adjacent patches (edges coincide), discs and rotated rectangles that cut
    across patches, one polygon with hundreds of vertices, and some overlapping each other."""
    rng = np.random.default_rng(seed)
    cent = shapely.get_coordinates(shapely.centroid(patches))
    seeds = cent[rng.choice(len(patches), 25, replace=False)]
    group = np.argmin(((cent[:, None, :] - seeds[None]) ** 2).sum(-1), axis=1)
    unions = [shapely.coverage_union_all(patches[group == g]) for g in range(25) if rng.random() < 0.7]
    c = rng.uniform(100, 900, size=(12, 2)) + (X0, Y0)
    discs = list(shapely.buffer(shapely.points(c), rng.uniform(20, 120, 12), quad_segs=6))
    rects = [shapely.affinity.rotate(shapely.box(x - 60, y - 15, x + 60, y + 15), rng.uniform(0, 180))
             for x, y in rng.uniform(100, 900, size=(8, 2)) + (X0, Y0)]
    big = shapely.Point(X0 + 500, Y0 + 500).buffer(300, quad_segs=100)  # 401 vertices
    return np.array(unions + discs + rects + [big], dtype=object)


@pytest.mark.parametrize("seed,max_vertices", [(1, 256), (2, 256), (3, 12)])
def test_random_layers_match_geopandas_overlay(seed, max_vertices):
    patches = voronoi_patches(300, seed)
    farm = random_farmland(patches, seed)
    p = intersect_pairs(patches, farm, max_vertices=max_vertices)

    a = gpd.GeoDataFrame({"ia": np.arange(len(patches))}, geometry=patches, crs=CRS)
    b = gpd.GeoDataFrame({"ib": np.arange(len(farm))}, geometry=farm, crs=CRS)
    ref = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
    ref_area = ref.geometry.area.to_numpy()

    area = shapely.area(p.geometry)
    assert area.sum() == pytest.approx(ref_area.sum(), rel=1e-9)
    ours = set(zip(p.ia[area > 1e-6].tolist(), p.ib[area > 1e-6].tolist(), strict=True))
    theirs = set(zip(ref.ia[ref_area > 1e-6].tolist(), ref.ib[ref_area > 1e-6].tolist(), strict=True))
    assert ours == theirs
    assert p.whole.any() and (~p.whole).any()
    # whole pieces really are the patch, and really lie inside the farmland polygon
    assert shapely.covers(farm[p.ib[p.whole]], patches[p.ia[p.whole]]).all()
    # deterministic order
    assert (np.lexsort((p.ib, p.ia)) == np.arange(len(p))).all()


def test_one_and_two_threads_give_identical_results():
    patches = voronoi_patches(400, 7)
    farm = random_farmland(patches, 7)
    one = intersect_pairs(patches, farm, threads=1, max_vertices=64)
    two = intersect_pairs(patches, farm, threads=2, max_vertices=64)
    assert (one.ia == two.ia).all() and (one.ib == two.ib).all() and (one.whole == two.whole).all()
    assert shapely.equals_exact(one.geometry, two.geometry, tolerance=0).all()
    u1, u2 = uncovered(farm, patches, threads=1), uncovered(farm, patches, threads=2)
    assert shapely.equals_exact(u1, u2, tolerance=0).all()
    s1, s2 = self_overlaps(farm, threads=1), self_overlaps(farm, threads=2)
    assert (s1[0] == s2[0]).all() and (s1[1] == s2[1]).all()
    assert shapely.equals_exact(s1[2], s2[2], tolerance=0).all()


def test_geoseries_input_and_crs_checks():
    a = gpd.GeoSeries([box(0, 0, 10, 10)], crs=CRS)
    b = gpd.GeoSeries([box(5, 0, 20, 10)], crs=CRS)
    p = intersect_pairs(a, b)
    assert isinstance(p, Pieces) and len(p) == 1 and shapely.area(p.geometry[0]) == 50
    with pytest.raises(ValueError, match="one projected CRS"):
        intersect_pairs(a, b.set_crs("EPSG:4528", allow_override=True))
    with pytest.raises(ValueError, match="projected"):
        intersect_pairs(a.to_crs(4490), b.to_crs(4490))
    assert len(intersect_pairs(arr(), b)) == 0
    assert len(intersect_pairs(arr(None, shapely.Polygon()), b)) == 0


@pytest.mark.parametrize("threads", [1, 2])
def test_no_candidate_pairs_at_all(threads):
    far = arr(box(1000, 1000, 1010, 1010))
    near = arr(box(0, 0, 10, 10), box(20, 0, 30, 10))
    assert len(intersect_pairs(near, far, threads=threads)) == 0
    u = uncovered(near, far, threads=threads)
    assert u[0] is near[0] and u[1] is near[1]
    i, j, g = self_overlaps(near, threads=threads)
    assert len(i) == len(j) == len(g) == 0
    assert len(self_overlaps(arr(box(0, 0, 1, 1)))[0]) == 0


# ------------------------------------------------------------------------------------ uncovered
@pytest.mark.parametrize("threads", [1, 2])
def test_uncovered_part_of_farmland_sticking_out_of_the_survey(threads):
    survey = arr(box(0, 0, 40, 100), box(40, 0, 80, 100), box(0, 100, 80, 200))
    farm = arr(
        box(0, 0, 100, 100),  # 20 m strip beyond the survey's east edge
        box(10, 10, 70, 90),  # fully covered by two patches
        box(20, 20, 30, 30),  # inside a single patch
        box(500, 500, 510, 510),  # nowhere near the survey
        None,
    )
    u = uncovered(farm, survey, threads=threads)
    assert shapely.area(u[0]) == 20 * 100
    assert shapely.equals(u[0], box(80, 0, 100, 100))
    assert u[1].is_empty and u[2].is_empty
    assert u[3] is farm[3]
    assert u[4] is None
    # reusing the pairs of intersect_pairs gives the same
    v = uncovered(farm, survey, pieces=intersect_pairs(survey, farm), threads=threads)
    assert shapely.equals_exact(u[:4], v[:4], tolerance=0).all() and v[4] is None


def test_uncovered_hole_in_the_survey():
    survey = arr(box(0, 0, 100, 100).difference(box(40, 40, 41, 60)))  # a 1 x 20 m gap
    u = uncovered(arr(box(0, 0, 100, 100)), survey)
    assert shapely.area(u[0]) == 20


def test_uncovered_from_pieces_that_tile_their_polygon_and_those_that_do_not(monkeypatch):
    """With the pairs at hand, a farmland polygon whose pieces add up to its area is covered without a
    union; a gap of 1 cm², and overlapping patches that hide a gap of the same area as their overlap
    only in part, are still found geometrically."""
    from landcheck.overlay import cover

    survey = arr(box(0, 0, 50, 100), box(50, 0, 100, 100),  # tile farm 0
                 box(200, 0, 300, 100).difference(box(250, 50, 250.1, 50.1)),  # farm 1 less 0.01 m²
                 box(400, 0, 460, 100), box(440, 0, 500, 90))  # farm 2: 20x90 overlap, a 60x10 gap
    farm = arr(box(0, 0, 100, 100), box(200, 0, 300, 100), box(400, 0, 500, 100))
    pieces = intersect_pairs(survey, farm)
    assert cover.tiled(farm, pieces).tolist() == [True, False, False]
    unions = []
    real = cover.group_union
    monkeypatch.setattr(cover, "group_union", lambda g, inv, n: unions.append(n) or real(g, inv, n))
    u = uncovered(farm, survey, pieces=pieces)
    assert u[0].is_empty
    assert shapely.area(u[1]) == pytest.approx(0.01, abs=1e-9)
    assert shapely.equals(u[2], box(460, 90, 500, 100))
    assert sum(unions) == 2, "only the polygons that their pieces do not tile are unioned"
    none_missing = Pieces(pieces.ia, pieces.ib, np.where(pieces.ib == 0, None, pieces.geometry), pieces.whole)
    assert not cover.tiled(farm, none_missing)[0], "a piece not computed proves nothing"


# -------------------------------------------------------------------------------- self_overlaps
def test_self_overlaps_of_farmland():
    farm = arr(
        box(0, 0, 10, 10),
        box(5, 5, 15, 15),  # overlaps the first by 5 x 5
        box(10, 0, 20, 5),  # touches the first and the second along edges only
        box(0, 0, 10, 10),  # duplicate of the first
    )
    i, j, g = self_overlaps(farm)
    pairs = list(zip(i.tolist(), j.tolist(), strict=True))
    assert pairs == [(0, 1), (0, 3), (1, 3)]
    assert list(shapely.area(g)) == [25.0, 100.0, 25.0]
    i, j, g = self_overlaps(farm, min_area=50)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 3)]


def test_only_mask_lists_partial_pairs_without_intersecting_them():
    import numpy as np
    import shapely

    from landcheck.overlay import intersect_pairs, uncovered

    a = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(2, 2, 4, 4)], dtype=object)
    b = np.array([shapely.box(5, 0, 15, 12)], dtype=object)
    full = intersect_pairs(a, b)
    part = intersect_pairs(a, b, only=np.array([False, True, True]))
    assert list(part.ia) == list(full.ia) == [0, 1]
    assert part.geometry[0] is None and not part.whole[0]
    assert part.geometry[1].equals(full.geometry[1])
    got = uncovered(b, a, pieces=part)[0]
    want = uncovered(b, a)[0]
    assert abs(got.area - want.area) < 1e-9 and abs(got.area - 20) < 1e-9  # the strip y 10..12 over x 5..15


@pytest.mark.parametrize("threads", [1, 2])
def test_progress_hears_every_chunk_and_ends_at_the_total(threads):
    a = np.array([shapely.box(i * 10, 0, i * 10 + 12, 10) for i in range(200)], dtype=object)
    b = np.array([shapely.box(i * 30 + 5, 2, i * 30 + 40, 8) for i in range(60)], dtype=object)
    heard = []
    pieces = overlay.intersect_pairs(a, b, threads=threads, progress=lambda done, total: heard.append((done, total)))
    assert heard[0][0] == 0 and heard[-1][0] == heard[-1][1] > 1
    assert [d for d, _ in heard] == sorted(d for d, _ in heard) and len({t for _, t in heard}) == 1
    plain = overlay.intersect_pairs(a, b, threads=threads)
    assert np.array_equal(pieces.ia, plain.ia) and np.array_equal(pieces.ib, plain.ib)


def test_pieces_not_kept_for_only_still_have_their_area_and_tile_their_polygon():
    survey = arr(box(0, 0, 60, 100), box(60, 0, 100, 100))  # the second crosses the farmland's east edge
    farm = arr(box(0, 0, 80, 100))
    pieces = intersect_pairs(survey, farm, only=np.array([True, False]))
    assert pieces.geometry[1] is None, "the second patch is not in `only`: no geometry kept"
    assert pieces.area.tolist() == [6000.0, 2000.0]
    from landcheck.overlay import cover

    assert cover.tiled(farm, pieces).tolist() == [True]
    assert uncovered(farm, survey, pieces=pieces)[0].is_empty
