"""Polygon repair, one way everywhere: invalid rings made valid with GEOS's `structure` method
(collapsed parts dropped) and only the polygonal parts kept.

Pure shapely 2 on arrays of geometries; no files, no land-use knowledge.
"""

from __future__ import annotations

import numpy as np
import shapely


def polygonal_part(geom):
    """The polygons of a geometry (MultiPolygon when several), None when it has none."""
    if geom is None:
        return None
    t = shapely.get_type_id(geom)
    if t in (3, 6):
        return geom
    if t == 7:
        parts = shapely.get_parts(geom)
        polys = []
        for p in parts:
            pt = shapely.get_type_id(p)
            if pt == 3:
                polys.append(p)
            elif pt == 6:
                polys.extend(shapely.get_parts(p))
            elif pt == 7:
                sub = polygonal_part(p)
                if sub is not None:
                    polys.extend(shapely.get_parts(sub))
        polys = [p for p in polys if not p.is_empty]
        if not polys:
            return None
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return None


def repair_polygons(geoms) -> np.ndarray:
    """Each geometry made valid (`make_valid(method="structure", keep_collapsed=False)`) and reduced to
    its polygons: an object array of the same length, None where no area is left."""
    fixed = shapely.make_valid(np.asarray(geoms, dtype=object), method="structure", keep_collapsed=False)
    return np.array([polygonal_part(g) for g in fixed], dtype=object)
