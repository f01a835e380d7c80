"""The geometry kernel: which polygons of one layer meet which of another, and in what.

Array in, array out (numpy arrays of shapely geometries; a GeoSeries or GeometryArray is accepted);
all inputs of one call in one projected CRS in metres; indices are 0-based positions. Areas here are
planar: measure reported areas with `units.ellipsoidal_area` on the pieces. It knows nothing about
land-use codes and reads no files. How the work is kept cheap: docs/overlay.md.
"""

from __future__ import annotations

from .arrays import concat, polygonal
from .cover import uncovered
from .overlaps import deoverlap, self_overlaps
from .pairs import Pieces, intersect_pairs
from .slivers import SLIVER_MIN_AREA_M2, SLIVER_WIDTH_M, is_sliver, thinness
from .threads import n_threads
from .union import group_union, union_by

__all__ = [
    "Pieces",
    "intersect_pairs",
    "uncovered",
    "self_overlaps",
    "deoverlap",
    "thinness",
    "is_sliver",
    "group_union",
    "union_by",
    "n_threads",
    "polygonal",
    "concat",
    "SLIVER_WIDTH_M",
    "SLIVER_MIN_AREA_M2",
]
