"""units.py: CGCS2000 Gauss–Krüger zones, ellipsoidal area on the CGCS2000 (GRS80) ellipsoid, mu, rounding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from landcheck import units

GRS80 = Geod(ellps="GRS80")
LON, LAT = 117.1, 37.3
W, H = 300.0, 222.2222  # 66 666.66 m² on the plane, 66 666.53 m² on the ellipsoid at 117.1°E 37.3°N
ELLIPSOIDAL = 66666.53


def _xy(epsg, lon=LON, lat=LAT):
    return Transformer.from_crs(4490, epsg, always_xy=True).transform(lon, lat)


def _reproject(geom, src, dst):
    t = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def _rect_4527():
    x, y = _xy(4527)
    return shapely.box(x, y, x + W, y + H)


def _truth(geom, crs, step=5.0):
    """Reference area: the polygon densified in its own plane, every vertex to lon/lat, Geod(GRS80)."""
    dense = shapely.segmentize(geom, step)
    ll = shapely.orient_polygons(_reproject(dense, crs, 4490))
    return abs(GRS80.geometry_area_perimeter(ll)[0])


# ------------------------------------------------------------------ area
def test_rectangle_in_gk_zone_39_is_ellipsoidal_not_planar():
    rect = _rect_4527()
    assert rect.area == pytest.approx(66666.66, abs=0.01)  # the plane
    area = units.ellipsoidal_area([rect], "EPSG:4527")[0]
    assert area == pytest.approx(ELLIPSOIDAL, abs=0.05)
    assert abs(area - rect.area) > 0.1  # really not the planar figure


def test_same_rectangle_in_lonlat_and_in_gk_without_prefix():
    rect = _rect_4527()
    in_4490 = _reproject(rect, 4527, 4490)
    in_4548 = _reproject(rect, 4527, 4548)
    assert in_4548.bounds[0] < 1e6 and in_4490.bounds[0] == pytest.approx(LON, abs=1e-6)
    areas = [units.ellipsoidal_area([g], crs)[0] for g, crs in ((rect, 4527), (in_4490, 4490), (in_4548, "EPSG:4548"))]
    for a in areas:
        assert a == pytest.approx(ELLIPSOIDAL, abs=0.05)
    # CRS given as pyproj CRS object works too
    assert units.ellipsoidal_area([in_4548], CRS.from_epsg(4548))[0] == pytest.approx(areas[2], abs=1e-6)


def test_large_lonlat_polygon_is_geod_on_edges_straight_in_lonlat():
    poly = shapely.Polygon([(116.9, 37.1), (117.4, 37.1), (117.45, 37.5), (117.0, 37.55)])  # ~45 km across
    expected = _truth(poly, 4490, step=1e-4)  # edges drawn straight in lon/lat, ~10 m steps
    geodesic = abs(GRS80.geometry_area_perimeter(shapely.orient_polygons(poly))[0])
    assert abs(expected - geodesic) > 1e3  # geodesic edges would be another polygon
    assert units.ellipsoidal_area([poly], 4490)[0] == pytest.approx(expected, rel=1e-9)
    # the same, clockwise and with a hole; and in WGS 84 lon/lat
    hole = shapely.Polygon([(117.1, 37.2), (117.2, 37.2), (117.2, 37.3), (117.1, 37.3)])
    holed = shapely.Polygon(poly.exterior.coords[::-1], [hole.exterior.coords])
    exp_hole = _truth(hole, 4490, step=1e-4)
    assert units.ellipsoidal_area([holed], 4490)[0] == pytest.approx(expected - exp_hole, rel=1e-9)
    assert units.ellipsoidal_area([holed], 4326)[0] == pytest.approx(expected - exp_hole, rel=1e-7)


def _tolerance(area):
    return max(1e-7 * area, 0.01)


def _l_shape(x0, y0, size=14_000.0, arm=4_000.0):
    return shapely.Polygon([(x0, y0), (x0 + size, y0), (x0 + size, y0 + arm), (x0 + arm, y0 + arm),
                            (x0 + arm, y0 + size), (x0, y0 + size)])


def test_l_shape_far_from_the_central_meridian_is_exact():
    # 14 km L 1.4° east of CM 117°E: the areal scale at one inner point was off by 2.6e-5
    x, y = _xy(4527, 118.4, 37.3)
    ell = _l_shape(x, y)
    truth = _truth(ell, 4527, step=10.0)
    assert abs(units.ellipsoidal_area([ell], 4527)[0] - truth) <= _tolerance(truth)


def _holed_square(x, y, size):
    holes = [shapely.box(x + size * f, y + size * f, x + size * (f + 0.1), y + size * (f + 0.15)).exterior.coords
             for f in (0.1, 0.5, 0.7)]
    return shapely.Polygon(shapely.box(x, y, x + size, y + size).exterior.coords, holes)


@pytest.mark.parametrize("epsg,lon,lat", [(4527, 118.4, 37.3), (4548, 115.6, 41.0), (4499, 125.8, 40.0), (4490, 118.4, 37.3)])
def test_township_polygons_with_holes_and_multipolygons_agree_with_densified_geod(epsg, lon, lat):
    x, y = _xy(epsg, lon, lat)
    unit = 1 / 111_000 if epsg == 4490 else 1.0
    township = _holed_square(x, y, 10_000 * unit)  # a 10 km square with holes
    ell = shapely.affinity.scale(_l_shape(0, 0, 1_500, 400), unit, unit, origin=(0, 0))
    multi = shapely.MultiPolygon([shapely.affinity.translate(ell, x - 3_000 * unit, y), shapely.box(x, y, x + 900 * unit, y + 700 * unit)])
    geoms = [township, multi, _holed_square(x, y, 30_000 * unit), _holed_square(x, y, 600 * unit)]
    areas = units.ellipsoidal_area(geoms, epsg)
    for g, a in zip(geoms, areas):
        truth = _truth(g, epsg, step=10.0 * unit)
        assert abs(a - truth) <= _tolerance(truth)


def test_union_of_a_townships_fields_agrees_with_densified_geod():
    x, y = _xy(4527, 118.4, 37.3)
    rng = np.random.default_rng(7)
    cells = [shapely.box(x + i * 250, y + j * 250, x + i * 250 + 250, y + j * 250 + 250)
             for i in range(40) for j in range(40) if rng.random() > 0.1]  # a 10 km township of 250 m fields, gaps as holes
    township = shapely.union_all(cells)
    area = units.ellipsoidal_area([township], 4527)[0]
    truth = _truth(township, 4527, step=10.0)
    assert abs(area - truth) <= _tolerance(truth)
    assert sum(units.ellipsoidal_area(cells, 4527)) == pytest.approx(truth, rel=1e-9)


@pytest.mark.parametrize("size", [30_000.0, 100_000.0])
def test_large_projected_polygon_matches_densified_geod(size):
    x, y = _xy(4527)
    square = shapely.box(x - size / 2, y, x + size / 2, y + size)  # > 20 km: the exact Geod path
    # edges are straight lines in the Gauss–Krüger plane: the reference densifies them first
    assert units.ellipsoidal_area([square], 4527)[0] == pytest.approx(_truth(square, 4527, step=100.0), rel=1e-8)


def test_local_scale_and_exact_paths_agree_near_the_switch():
    x, y = _xy(4527)
    below = shapely.box(x + 40_000, y, x + 54_000, y + 14_000)  # diagonal 19.8 km: local scale
    above = shapely.box(x + 40_000, y, x + 54_500, y + 14_500)  # diagonal 20.5 km: exact
    for g in (below, above):
        assert units.ellipsoidal_area([g], 4527)[0] == pytest.approx(_truth(g, 4527, step=50.0), rel=1e-6)


def test_area_is_vectorised_and_ignores_non_polygons():
    rect = _rect_4527()
    geoms = [rect, None, shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)]), shapely.Polygon(),
             shapely.MultiPolygon([rect, shapely.box(rect.bounds[2] + 10, rect.bounds[1], rect.bounds[2] + 20, rect.bounds[1] + 10)])]
    out = units.ellipsoidal_area(np.array(geoms, dtype=object), 4527)
    assert out.dtype == np.float64 and len(out) == 6
    assert out[0] == pytest.approx(ELLIPSOIDAL, abs=0.05)
    assert list(out[1:5]) == [0.0, 0.0, 0.0, 0.0]
    assert out[5] == pytest.approx(ELLIPSOIDAL + 100, abs=0.1)
    assert len(units.ellipsoidal_area([], 4527)) == 0


def test_area_needs_a_crs():
    with pytest.raises(ValueError):
        units.ellipsoidal_area([_rect_4527()], None)


@pytest.mark.parametrize("epsg,lon,lat", [
    (32650, 117.1, 37.3),   # UTM, metres, WGS 84
    (2154, 2.3, 46.5),      # Lambert-93 (conformal conic, GRS80)
    (28992, 5.3, 52.0),     # RD New (Bessel)
    (3857, 117.1, 37.3),    # Web Mercator: spherical formulas on a WGS 84 datum
    (2227, -122.0, 37.5),   # California zone 3 in US survey feet
    (5070, -96.0, 40.0),    # CONUS Albers
])
def test_area_in_other_projected_crs_matches_geod(epsg, lon, lat):
    x, y = _xy(epsg, lon, lat)
    sq = shapely.box(x, y, x + 300, y + 300)
    assert units.ellipsoidal_area([sq], epsg)[0] == pytest.approx(_truth(sq, epsg, step=1.0), rel=1e-6)


# ------------------------------------------------------------------ mu and rounding
def test_mu_is_exactly_ten_thousand_fifteenths():
    assert units.MU_M2 == 10000 / 15
    assert units.m2_to_mu(10000 / 15) == 1.0
    assert units.m2_to_mu(10000) == 15.0
    assert units.mu_to_m2(15) == pytest.approx(10000.0, abs=1e-9)
    assert units.m2_to_mu(ELLIPSOIDAL) == pytest.approx(99.999795, abs=1e-6)  # not 100 mu
    arr = units.m2_to_mu(np.array([0.0, 10000 / 15 * 3, 20000.0]))
    assert isinstance(arr, np.ndarray) and list(arr) == [0.0, 3.0, 30.0]
    assert list(units.mu_to_m2([1, 30])) == pytest.approx([10000 / 15, 20000.0])


@pytest.mark.parametrize("value,expected", [
    (0.125, 0.13), (2.675, 2.68), (1.005, 1.01), (0.124999, 0.12), (2.5, 2.5), (0.0, 0.0),
    (-0.125, -0.13), (-2.675, -2.68), (-0.124, -0.12), (99.995, 100.0), (66666.525, 66666.53),
])
def test_round_half_up(value, expected):
    assert units.round_half_up(value) == expected


def test_round_half_up_is_not_bankers_rounding_and_handles_missing():
    assert round(0.125, 2) == 0.12 and units.round_half_up(0.125) == 0.13  # what Python's round would give
    assert units.round_half_up(2.5, 0) == 3.0 and units.round_half_up(3.5, 0) == 4.0
    assert units.round_half_up(None) is None
    assert math.isnan(units.round_half_up(float("nan")))
    assert units.round_half_up(np.float64(0.125)) == 0.13
    out = units.round_half_up_array([0.125, np.nan, -2.675])
    assert out[0] == 0.13 and np.isnan(out[1]) and out[2] == -2.68


# ------------------------------------------------------------------ zones and CRSs
@pytest.mark.parametrize("lon,zone", [(117.1, 39), (117.0, 39), (115.6, 39), (118.4, 39), (118.6, 40), (75.0, 25), (135.0, 45), (120.5, 40)])
def test_gk3_zone_for_longitude(lon, zone):
    assert units.gk3_zone_for_lon(lon) == zone


def test_gk_epsg_codes():
    assert units.gk3_epsg(39) == 4527 and units.gk3_epsg(39, prefixed=False) == 4548
    assert units.gk3_epsg(25) == 4513 and units.gk3_epsg(45, prefixed=False) == 4554
    for zone in (25, 39, 45):
        crs = CRS.from_epsg(units.gk3_epsg(zone))
        assert "CGCS2000" in crs.name and f"zone {zone}" in crs.name.lower()
        plain = CRS.from_epsg(units.gk3_epsg(zone, prefixed=False))
        assert f"CM {zone * 3}E" in plain.name
    assert units.gk6_epsg(20) == 4498 and "zone 20" in CRS.from_epsg(4498).name.lower()
    with pytest.raises(ValueError):
        units.gk3_epsg(24)
    with pytest.raises(ValueError):
        units.gk6_epsg(24)


def test_zone_from_prefixed_easting():
    x, _ = _xy(4527)
    assert units.zone_from_easting(x) == 39
    assert units.zone_from_easting(508866.0) is None
    assert units.zone_from_easting(float("nan")) is None
    assert units.epsg_from_prefixed_easting(x) == 4527
    assert units.epsg_from_prefixed_easting(20_500_000.0) == 4498  # 6° zone 20
    assert units.epsg_from_prefixed_easting(508866.0) is None
    assert units.epsg_from_prefixed_easting(50_500_000.0) is None  # no such zone


def test_metric_crs_inside_china_is_gauss_kruger():
    assert units.metric_crs_for_lonlat(117.1, 37.3).to_epsg() == 4548
    assert units.metric_crs("EPSG:4490", (117.0, 37.2, 117.2, 37.4)).to_epsg() == 4548
    # a projected metric CRS is kept as it is
    assert units.metric_crs(4527, (39.5e6, 4.1e6, 39.51e6, 4.11e6)).to_epsg() == 4527


@pytest.mark.parametrize("bounds,epsg", [
    ((11.4, 45.1, 12.2, 45.3), 32632),     # Veneto
    ((-74.1, 40.6, -73.9, 40.8), 32618),   # New York
    ((150.9, -34.0, 151.3, -33.7), 32756),  # Sydney: southern hemisphere
    ((139.6, 35.6, 139.8, 35.8), 32654),   # Tokyo: east of 135°E
    ((60.5, 35.0, 61.0, 35.5), 32641),     # west of 75°E
])
def test_metric_crs_outside_gk_zones_is_utm(bounds, epsg):
    assert units.metric_crs("EPSG:4326", bounds).to_epsg() == epsg


def test_printed_total_is_sum_of_printed_rows():
    m2 = np.array([1.0/0.0015*0.004999, 12.3456/0.0015, np.nan, 0.0])
    rows = units.area_mu_array(m2)
    assert units.printed_total_mu(m2) == round(float(np.nansum(rows)), 2)
    m2 = np.full(3, 0.005 / 0.0015)  # each row 0.01 printed, the exact sum 0.015 → 0.02
    assert units.printed_total_mu(m2) == 0.03
    assert units.total_mu(m2) == 0.02


def test_split_printed_shares_add_up_to_the_printed_figure():
    assert units.split_printed(0.03, [1, 1, 1]) == [0.01, 0.01, 0.01]
    shares = units.split_printed(227.56, [224.351, 3.209])
    assert round(sum(shares), 2) == 227.56 and shares == [224.35, 3.21]
    assert units.split_printed(1.0, [0, 0]) == [0.0, 0.0]


def test_round_half_up_array_is_the_scalar_rounding_element_by_element():
    """The vectorised rounding gives exactly the scalar (Decimal) result, sign of zero included, on
    random areas, near-halves that floats cannot hold (2.675, 1.005), ties, negatives and specials."""
    rng = np.random.default_rng(3)
    cents = rng.integers(-10**9, 10**9, 3000)
    values = np.concatenate([
        rng.uniform(-1e6, 1e6, 20000), rng.uniform(0, 2, 5000), rng.uniform(-1e13, 1e13, 2000),
        (cents + 0.5) / 100, cents / 100 + 0.005, cents / 1000,  # halves, near-halves, thirds of a cent
        [2.675, 1.005, 0.125, -0.125, -2.675, 0.0, -0.0, -0.001, 0.004999999999999999, 1e15, -3e15, 123456789.125,
         np.nan, np.inf, -np.inf]])
    for nd in (0, 1, 2, 4):
        fast = units.round_half_up_array(values, nd)
        slow = np.array([units.round_half_up(float(v), nd) for v in values])
        same = (fast == slow) & (np.signbit(fast) == np.signbit(slow))
        same |= np.isnan(fast) & np.isnan(slow)
        assert same.all(), (nd, values[~same][:5], fast[~same][:5], slow[~same][:5])
    assert units.round_half_up_array(np.array([[2.675, -0.125]]), 2).tolist() == [[2.68, -0.13]]
