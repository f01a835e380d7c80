"""The private parts of other libraries behind landcheck.compat still behave as landcheck expects.

When one of these fails after an upgrade, the library changed a private function: adapt
landcheck/compat.py (and the cap in pyproject.toml), nothing else.
"""

import inspect

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pytest
import shapely

from landcheck import compat


def test_private_signatures_unchanged():
    from geopandas.io import arrow
    from pyogrio import geopandas as pg

    assert list(inspect.signature(pg._try_parse_datetime).parameters)[:3] == [
        "ser", "datetime_as_string", "mixed_offsets_as_utc"]
    assert list(inspect.signature(arrow._arrow_to_geopandas).parameters)[:2] == ["table", "geo_metadata"]
    params = inspect.signature(arrow._geopandas_to_arrow).parameters
    assert "index" in params and "write_covering_bbox" in params


def test_parse_ogr_datetime():
    out = compat.parse_ogr_datetime(pd.Series(["2025-06-30T12:00:00", None]))
    assert pd.api.types.is_datetime64_any_dtype(out)
    assert out.iloc[0] == pd.Timestamp("2025-06-30 12:00:00") and pd.isna(out.iloc[1])


def test_geoparquet_round_trip_through_arrow():
    df = gpd.GeoDataFrame({"DLBM": ["0101", "0201"]},
                          geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs="EPSG:4527")
    table = compat.geopandas_to_arrow(df, covering_bbox=True)
    assert isinstance(table, pa.Table) and b"geo" in table.schema.metadata
    import json

    geo = json.loads(table.schema.metadata[b"geo"])
    back = compat.arrow_to_geopandas(table, geo)
    assert list(back["DLBM"]) == ["0101", "0201"]
    assert back.crs.to_epsg() == 4527
    assert back.geometry.geom_equals(df.geometry).all()


def test_offline_resources_are_the_folium_assets():
    pytest.importorskip("offlinefolium")
    res = compat.offline_resources()
    assert isinstance(res, dict) and len(res) > 5
    assert any(k.endswith("leaflet.js") for k in res)
    assert all(isinstance(v, str) and v for v in res.values())
