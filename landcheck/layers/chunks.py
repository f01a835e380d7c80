"""Chunked reading of layers bigger than memory (`read_layer_chunks`, `LayerChunks`): the same cleaned
features and the same `ReadReport` as `read_layer`, chunk by chunk, for the dask engine.

Opening scans the source once (scan.py) to take every whole-layer decision; iterating reads it
again (raw_chunks.py) and applies them. Peak memory is one chunk plus small summaries (tens of bytes
per feature for the ids), never the layer.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from ..errors import LandcheckError
from ..text import clean_frame
from .clean import clean_geometry, kept_features
from .codes import apply_code_map
from .encoding import apply_fixes
from .fields import feature_ids, rename_fields
from .raw_chunks import Latin1Needed, RawChunks
from .report import ReadReport
from .scan import ChunkPlan, scan_layer
from .sources import open_layer


class LayerChunks:
    """A delivered layer, read in chunks with the same cleaning as `read_layer` (see
    `read_layer_chunks`). Iterate to get the cleaned chunks (GeoDataFrames in feature order, indexed
    by feature position like `read_layer`'s frame); `report` is the whole layer's `ReadReport`;
    `feature_bounds` (n_features × 4: xmin, ymin, xmax, ymax in `crs`) where each kept feature lies,
    in feature order, so that a caller can plan (e.g. sort spatially) before reading the chunks."""

    def __init__(self, raw: RawChunks, plan: ChunkPlan, report: ReadReport, total_bounds: tuple,
                 feature_bounds: np.ndarray):
        self._raw, self._plan = raw, plan
        self.report = report
        self.path = raw.src.path
        self.crs: CRS = plan.crs
        self.total_bounds = total_bounds
        self.n_features = report.n_features
        self.chunk_size = raw.chunk_size
        self.feature_bounds = feature_bounds

    def __iter__(self):
        plan = self._plan
        for start, df, _, _ in self._raw:
            if len(df) == 0:
                continue
            df = _harmonise(df, plan.raw_dtypes)
            df = _apply_text_plan(df, plan)
            positions = np.arange(start, start + len(df))
            ids = feature_ids(df, positions)
            geoms, keep, _ = clean_geometry(df.geometry.values, ids, ReadReport(path=str(self.path)))
            df = kept_features(df, ids, positions, geoms, keep)
            if len(df) == 0:
                continue
            df = df.set_crs(plan.crs, allow_override=True)
            if plan.code_map is not None:
                apply_code_map(df, plan.code_map, plan.codes_dtype)
            yield df


def _harmonise(df: gpd.GeoDataFrame, dtypes: dict) -> gpd.GeoDataFrame:
    """Give a chunk's columns the dtypes the whole layer has (a chunk without nulls reads an integer
    field as int64 where the whole layer has float64; a chunk whose text is all null reads as object
    where the whole layer infers str)."""
    for col, dtype in dtypes.items():
        if col in df.columns and df[col].dtype != dtype:
            df[col] = df[col].astype(dtype)
    return df


def _apply_text_plan(df: gpd.GeoDataFrame, plan: ChunkPlan) -> gpd.GeoDataFrame:
    """Mojibake repairs (whole-layer decisions), control characters removed, field aliases, as `read_layer` does."""
    if plan.renames:
        df = df.rename(columns=plan.renames)
    for col, fixes in plan.fixes.items():
        df[col] = apply_fixes(df[col], fixes)
    df, _ = clean_frame(df)  # counted by the scan
    return rename_fields(df, plan.field_renames)


def read_layer_chunks(
    path: str | Path,
    *,
    chunk_size: int = 100_000,
    layer: str | int | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    kind: str = "any",
    fields: dict[str, str] | None = None,
    require_landuse: bool = False,
) -> LayerChunks:
    """Open a delivered layer for reading in chunks of `chunk_size` features: the same options,
    checks, errors, cleaned features and `ReadReport` as `read_layer`, with peak memory bounded by
    the chunk. Opening scans the source once (pyogrio + Arrow by feature ranges; GeoParquet by
    record batches) to take the whole-layer decisions and fill the report; iterating the returned
    `LayerChunks` reads it again and yields the cleaned chunks. Concatenated, the chunks equal
    `read_layer(path, ...)[0]` (index, columns, dtypes, values, geometries); the report is equal
    field by field. Besides the decisions, opening keeps the ids of all features and the bounds of
    the kept ones (some 50 bytes a feature)."""
    src, report = open_layer(path, kind, layer)
    name = report.layer
    raw = RawChunks(src, name, encoding, report, chunk_size)
    try:
        plan, bounds, feature_bounds = scan_layer(raw, report, crs, fields, require_landuse)
    except Latin1Needed:
        raw.go_latin1()
        if raw.detect:
            try:
                raw.detect_encoding(report)
            except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
                raise LandcheckError(f"{src.path}: the text of layer '{name}' cannot be decoded ({exc.reason}).") from None
        report = ReadReport(path=str(src.path), layers=report.layers, layer=name, driver=report.driver,
                            encoding=raw.latin1[0], encoding_source=raw.latin1[1])
        plan, bounds, feature_bounds = scan_layer(raw, report, crs, fields, require_landuse)
    return LayerChunks(raw, plan, report, bounds, feature_bounds)
