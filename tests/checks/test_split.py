"""Findings split along labelled polygons (checks/split.py): parts per label, the rest, slivers joined."""

import numpy as np
import shapely
from pyproj import Transformer

from landcheck import units
from landcheck.checks.split import NONE, split_along

X0, Y0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def split(geoms, polygons, labels):
    return split_along(geoms, polygons, np.asarray(labels), 4527, sliver_width_m=0.2, min_area_m2=1.0)


def test_parts_by_label_and_the_rest_share_the_area():
    g = [box(0, 0, 100, 100)]
    sp = split(g, [box(-5, -5, 30, 105), box(30, -5, 60, 105), box(60, 50, 105, 105)], [1, 1, 0])
    assert sp.row.tolist() == [0, 0, 0] and sp.label.tolist() == [NONE, 0, 1] and not sp.whole.any()
    want = units.ellipsoidal_area([box(60, 0, 100, 50), box(60, 50, 100, 100), box(0, 0, 60, 100)], 4527)
    np.testing.assert_allclose(sp.share, want / want.sum(), rtol=1e-9)
    assert abs(sp.share.sum() - 1) < 1e-12
    assert shapely.equals(sp.geometry[2], box(0, 0, 60, 100))  # two polygons of one label: one part


def test_where_polygons_overlap_the_earlier_wins():
    sp = split([box(0, 0, 100, 100)], [box(-5, -5, 60, 105), box(40, -5, 105, 105)], [7, 8])
    got = dict(zip(sp.label.tolist(), sp.geometry))
    assert set(got) == {7, 8} and shapely.equals(got[8], box(60, 0, 100, 100))


def test_whole_inside_one_polygon_or_none_keeps_the_very_geometry():
    g = [box(0, 0, 10, 10), box(200, 200, 210, 210)]
    sp = split(g, [box(-1, -1, 11, 11)], [3])
    assert sp.label.tolist() == [3, NONE] and sp.whole.all() and sp.geometry[0] is g[0] and sp.geometry[1] is g[1]


def test_slivers_join_the_largest_part():
    g = [box(0, 0, 100, 100)]
    sp = split(g, [box(-5, -5, 0.1, 105), box(0.1, -5, 105, 105)], [1, 2])  # a 0.1 m strip of label 1
    assert sp.label.tolist() == [2] and sp.whole.all() and sp.geometry[0] is g[0]
