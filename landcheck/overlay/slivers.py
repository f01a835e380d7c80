"""Slivers: how thin a piece is (2 × area / perimeter) and whether it is a sliver, a strip of
boundary drawn a little differently in two layers rather than ground to report.

Pure shapely 2 on arrays in a metric CRS.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from .arrays import as_geoms

#: Default sliver width (m): a piece thinner than this (2 × area / perimeter) is a sliver.
SLIVER_WIDTH_M: float = 0.2
#: Default sliver area (m²): a piece smaller than this is a sliver.
SLIVER_MIN_AREA_M2: float = 1.0


def thinness(geoms: Any) -> np.ndarray:
    """2 × area / perimeter of each geometry, in metres for a metric CRS: about the width of a long
    thin strip (a w × L rectangle gives w·L/(w+L) ≈ w). 0 for empty, None or non-areal geometries."""
    g, _ = as_geoms(geoms)
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
