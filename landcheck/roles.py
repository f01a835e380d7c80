"""How each input role is read: which roles need a land-use field, which layer kind to pick in a
multi-layer source, and the reading of one configured layer.

Shared by the run wiring (`pipeline`) and the dask engine (`scale`); holds no check and writes nothing.
"""

from __future__ import annotations

from typing import Callable

import geopandas as gpd

from .config import LayerSpec
from .layers import ReadReport, read_layer

#: Which layers must carry a land-use field, and the kind used to pick a layer among several.
ROLE_READ = {
    "survey": {"kind": "survey", "require_landuse": True},
    "farmland": {"kind": "farmland", "require_landuse": False},
    "transfer": {"kind": "transfer", "require_landuse": False},
    "facility_records": {"kind": "facility", "require_landuse": False},
    "baseline": {"kind": "survey", "require_landuse": True},
}

#: `landcheck survey --schema` → the layer kind to pick in a multi-layer source.
SCHEMA_KIND = {"auto": "survey", "dltb": "survey", "farmland": "farmland", "change": "any", "geometry": "any"}

Reader = Callable[[str, LayerSpec], "tuple[gpd.GeoDataFrame, ReadReport]"]


def read_role(role: str, spec: LayerSpec) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """Read one configured layer the way its role needs."""
    return read_layer(spec.path, **spec.read_options(), **ROLE_READ[role])
