"""`read_layer`: a delivered layer read whole into a clean GeoDataFrame and its `ReadReport`.

The steps in order: choose the layer, read it with the right text encoding, repair mojibake,
remove control characters from text, map field aliases (fields named like
the reader's own renamed), keep polygons (repairs and drops recorded),
settle the CRS, normalise land-use codes, give every feature an id. Each step lives in its own module;
this one only runs them in order.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from .clean import check_polygonal, clean_geometry, kept_features, measure_repairs, no_polygon_left
from .collisions import READER_FIELDS, rename_collisions
from .controls import clean_controls
from .codes import normalise_layer_codes
from .crs import settle_crs
from .encoding import repair_mojibake
from .fields import feature_ids, map_fields, record_field_map, rename_fields, require_landuse_field, warn_duplicate_ids
from .raw import empty_layer, read_raw
from .report import ReadReport
from .sources import open_layer


def read_layer(
    path: str | Path,
    *,
    layer: str | int | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    kind: str = "any",
    fields: dict[str, str] | None = None,
    require_landuse: bool = False,
) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """Read a delivered layer into a clean GeoDataFrame (polygons only, in its own CRS) and a
    `ReadReport`.

    `kind` (survey / farmland / transfer / facility / any) picks the layer among several by name
    hints. `require_landuse` stops with a clear error when the layer has no land-use field
    (DLBM / DLMC or an alias). Added columns: `feature_id` (BSM or `#n`), `feature_no` (1-based).
    Canonical field names replace their aliases (地类编码 → DLBM); DLBM is normalised (text, zero
    padded, suffix upper-case; from DLMC names when there is no code).
    """
    src, report = open_layer(path, kind, layer)
    name = report.layer
    df = read_raw(src, name, encoding, report)
    report.n_read = len(df)
    if len(df) == 0:
        raise empty_layer(src, name)
    df = repair_mojibake(df, report)
    df = clean_controls(df, report)

    columns = list(df.columns.drop(df.geometry.name))
    fmap = map_fields(columns, fields)
    record_field_map(report, columns, fmap)
    df = rename_fields(df, {v: k for k, v in fmap.items() if v != k})
    df = rename_collisions(df, READER_FIELDS, report)
    if require_landuse:
        require_landuse_field(list(df.columns.drop(df.geometry.name)), src.path, name)
    positions = np.arange(len(df))
    ids = feature_ids(df, positions)
    check_polygonal(set(shapely.get_type_id(df.geometry.values[~shapely.is_missing(df.geometry.values)]).tolist()),
                    src.path, name)

    geoms, keep, originals = clean_geometry(df.geometry.values, ids, report)
    declared = df.crs
    df = kept_features(df, ids, positions, geoms, keep)
    if len(df) == 0:
        raise no_polygon_left(src.path, name, report)
    settled = settle_crs(declared, crs, tuple(df.total_bounds), src.path, report)
    measure_repairs(report, originals, gpd.GeoSeries(geoms, crs=settled))
    df = df.set_crs(settled, allow_override=True)
    normalise_layer_codes(df, report)
    report.n_features = len(df)
    warn_duplicate_ids(df["feature_id"], report)
    return df, report
