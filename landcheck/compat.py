"""Private parts of other libraries that landcheck relies on, in one place.

Each shim names the library function it wraps; `tests/test_compat.py` fails loudly when a library
renames or changes one. pyproject.toml caps these libraries below their next minor version.
Nothing else in landcheck imports a name starting with `_` from another library.
"""

from __future__ import annotations

import pandas as pd


def parse_ogr_datetime(values: pd.Series) -> pd.Series:
    """Datetime strings of an OGR Arrow stream → datetimes, as `pyogrio.read_dataframe` converts them
    (`pyogrio.geopandas._try_parse_datetime`, no mixed-offset → UTC conversion)."""
    from pyogrio.geopandas import _try_parse_datetime

    return _try_parse_datetime(values, False, True)


def arrow_to_geopandas(table, geo_metadata: dict | None):
    """A GeoParquet Arrow table (one batch) → GeoDataFrame, as `geopandas.read_parquet` builds it
    (`geopandas.io.arrow._arrow_to_geopandas`)."""
    from geopandas.io.arrow import _arrow_to_geopandas

    return _arrow_to_geopandas(table, geo_metadata)


def geopandas_to_arrow(df, *, covering_bbox: bool):
    """A GeoDataFrame → Arrow table with GeoParquet 'geo' metadata, as `GeoDataFrame.to_parquet` writes
    it (`geopandas.io.arrow._geopandas_to_arrow`), without the index."""
    from geopandas.io.arrow import _geopandas_to_arrow

    return _geopandas_to_arrow(df, index=False, write_covering_bbox=covering_bbox)


def offline_resources() -> dict[str, str]:
    """folium's web resources (JavaScript, CSS) by CDN address, as carried by the folium-offline
    package (`offlinefolium.elements._res`). Raises ImportError without the package."""
    from offlinefolium import elements

    return elements._res
