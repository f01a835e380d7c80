"""Spatial partitions on disk: a layer read in chunks, ranked by the Hilbert distance of its
features' boxes and written as GeoParquet parts (`partition_layer`), with an index of every part's
bounds and count (`PartitionedLayer`). Peak memory is one chunk, never the layer.

Knows no check: the farmland and survey engines read parts from here.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from .. import units
from ..checks.farmland import ORDER, with_feature_ids
from ..compat import geopandas_to_arrow
from ..config import vocabulary
from ..layers import read_layer_chunks
from .runner import Step

#: Column holding a feature's Hilbert distance (the order of the rows inside a part file); `ORDER`
#: (checks.farmland) holds its position in the cleaned layer (the local engine's row order).
HILBERT = "_lc_hilbert"
_ROW_GROUP = 4096


class EmptyLayer(ValueError):
    """The layer to partition has no features (all dropped by the reader, or none delivered)."""


@dataclass
class PartitionedLayer:
    """A layer cut into spatially sorted GeoParquet parts in `folder` (see `partition_layer`).

    crs: the CRS of the stored geometries (PROJJSON); source_crs/source_bounds: the layer's own CRS
    and extent before reprojection; parts: [{"file", "bounds" [xmin, ymin, xmax, ymax], "count"}];
    read_report: the reader's `ReadReport` as a dict (None for an in-memory frame)."""

    folder: str
    crs: str
    source_crs: str
    source_bounds: list[float]
    total_bounds: list[float]
    parts: list[dict]
    n_features: int
    columns: list[str] = field(default_factory=list)
    read_report: dict | None = None

    INDEX = "index.json"

    @property
    def n_parts(self) -> int:
        return len(self.parts)

    @property
    def crs_obj(self) -> CRS:
        return CRS.from_json(self.crs)

    @property
    def source_crs_obj(self) -> CRS:
        return CRS.from_json(self.source_crs)

    def path(self, i: int) -> Path:
        return Path(self.folder) / self.parts[i]["file"]

    def save(self) -> Path:
        p = Path(self.folder) / self.INDEX
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, folder: str | Path) -> PartitionedLayer:
        data = json.loads((Path(folder) / cls.INDEX).read_text(encoding="utf-8"))
        data["folder"] = str(folder)
        return cls(**data)

    def parts_meeting(self, bbox: Iterable[float]) -> list[int]:
        """Parts whose bounds meet `bbox` (xmin, ymin, xmax, ymax; edges count)."""
        x0, y0, x1, y1 = bbox
        return [i for i, p in enumerate(self.parts)
                if not (p["bounds"][0] > x1 or p["bounds"][1] > y1 or p["bounds"][2] < x0 or p["bounds"][3] < y0)]

    def read(self, i: int, bbox: Iterable[float] | None = None, columns: list[str] | None = None) -> gpd.GeoDataFrame:
        """Part i (rows whose bbox meets `bbox` when given; only `columns`, which must include the
        geometry and `_lc_order`, when given), in the layer's feature order."""
        path = self.path(i)
        bbox = None if bbox is None else tuple(float(v) for v in bbox)
        cols = None if columns is None else list(columns)
        try:
            df = gpd.read_parquet(path, bbox=bbox, columns=cols) if bbox is not None else gpd.read_parquet(path, columns=cols)
        except ValueError:  # no covering bbox column (the layer had a field called bbox)
            df = gpd.read_parquet(path, columns=cols)
        if bbox is not None and len(df):
            b = shapely.bounds(df.geometry.values)
            meet = ~((b[:, 0] > bbox[2]) | (b[:, 1] > bbox[3]) | (b[:, 2] < bbox[0]) | (b[:, 3] < bbox[1]))
            df = df[meet]
        if "bbox" in df.columns and "bbox" not in self.columns:
            df = df.drop(columns="bbox")
        return df.sort_values(ORDER, kind="stable").reset_index(drop=True)

    def schema(self) -> Any:
        """The Arrow schema of the stored parts (every part shares it)."""
        return pq.read_schema(self.path(0))

    @property
    def geometry_name(self) -> str:
        """The stored geometry column."""
        meta = self.schema().metadata or {}
        try:
            return json.loads(meta[b"geo"])["primary_column"]
        except (KeyError, ValueError):
            return "geometry"

    def read_all(self) -> gpd.GeoDataFrame:
        """The whole layer in its feature order (for tests and small layers)."""
        frames = [gpd.read_parquet(self.path(i)) for i in range(self.n_parts)]
        df = pd.concat(frames) if frames else gpd.GeoDataFrame(geometry=[], crs=self.crs_obj)
        if "bbox" in df.columns and "bbox" not in self.columns:
            df = df.drop(columns="bbox")
        return df.sort_values(ORDER, kind="stable").reset_index(drop=True)


def _chunks_of(source, chunk_size: int, read_options: dict):
    """(chunks, CRS, extent, bounds of every feature, read report) of a path (through the cleaning
    reader, which scans the layer once before the chunks are read) or of a frame."""
    if isinstance(source, gpd.GeoDataFrame):
        if source.crs is None:
            raise ValueError("the layer needs a CRS")
        frame = with_feature_ids(source)
        step = max(1, int(chunk_size))
        return ((frame.iloc[i:i + step] for i in range(0, len(frame), step)), frame.crs,
                tuple(float(v) for v in frame.total_bounds), shapely.bounds(frame.geometry.values), None)
    chunks = read_layer_chunks(source, chunk_size=chunk_size, **read_options)
    return iter(chunks), chunks.crs, tuple(chunks.total_bounds), chunks.feature_bounds, chunks.report.to_dict()


def _hilbert(bounds: np.ndarray, total_bounds: tuple) -> np.ndarray:
    """Hilbert distance (level 16) of each bounding box's centre within `total_bounds`, as
    `GeoSeries.hilbert_distance` computes it for the geometries themselves (a feature without
    geometry, only in a frame given in code, counts as the extent's lower left corner)."""
    mid = np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2])
    bad = ~np.isfinite(mid).all(axis=1)
    if bad.any():
        mid[bad] = [total_bounds[0], total_bounds[1]]
    return gpd.GeoSeries(shapely.points(mid)).hilbert_distance(total_bounds=total_bounds, level=16).to_numpy(dtype=np.int64)


class _PartWriter:
    """Appends row groups to one GeoParquet file; the 'geo' metadata carries no per-chunk extent or
    geometry types (both optional in GeoParquet), so that every chunk shares one schema."""

    def __init__(self, path: Path, covering: bool):
        self.path, self.covering = path, covering
        self.writer = None
        self.bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])
        self.count = 0

    def write(self, df: gpd.GeoDataFrame) -> None:
        table = geopandas_to_arrow(df, covering_bbox=self.covering)
        if self.writer is None:
            meta = dict(table.schema.metadata or {})
            geo = json.loads(meta[b"geo"])
            for col in geo["columns"].values():
                col.pop("bbox", None)
                col["geometry_types"] = []
            meta[b"geo"] = json.dumps(geo).encode()
            self.schema = table.schema.with_metadata(meta)
            self.writer = pq.ParquetWriter(self.path, self.schema)
        table = table.replace_schema_metadata(self.schema.metadata)
        if not table.schema.equals(self.schema):
            table = table.cast(self.schema)
        self.writer.write_table(table, row_group_size=_ROW_GROUP)
        b = shapely.total_bounds(df.geometry.values)  # NaN only when no row has a geometry
        if not np.isfinite(b).all():
            self.count += len(df)
            return
        self.bounds = np.array([min(self.bounds[0], b[0]), min(self.bounds[1], b[1]),
                                max(self.bounds[2], b[2]), max(self.bounds[3], b[3])])
        self.count += len(df)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def partition_layer(
    source: str | Path | gpd.GeoDataFrame,
    out_dir: str | Path,
    *,
    partition_size: int = 50_000,
    n_parts: int | None = None,
    chunk_size: int = 100_000,
    to_crs: Any = None,
    step: Step | None = None,
    annotate: Callable[[gpd.GeoDataFrame], dict] | None = None,
    **read_options,
) -> PartitionedLayer:
    """Read `source` in chunks and write it as spatially sorted GeoParquet parts into `out_dir`.

    source: a delivered layer (path; read with `layers.read_layer_chunks(**read_options)`: layer,
      crs, encoding, kind, fields, require_landuse) or a GeoDataFrame (given a `feature_id` when it
      has none, as `check_farmland` would).
    to_crs: None (keep the layer's CRS), "metric" (the CRS `check_farmland` works in for this layer:
      `units.metric_crs` of its CRS and extent), or any CRS.
    Features are ranked by the Hilbert distance (level 16 over the layer's extent) of their
    bounding-box centres — known from the reader's scan, before any chunk is read — and cut into
    `n_parts` (default ceil(n / partition_size)) runs of equal size along the curve. Then the chunks
    are read once, reprojected, and each chunk's rows are appended to their part's file (row groups
    of 4096 in Hilbert order, with a covering bbox column so that reading by bbox skips the rest).
    Column `_lc_order` keeps each feature's position in the cleaned layer, `_lc_hilbert` its
    distance. Peak memory: one chunk (plus 40 bytes a feature for the plan). `annotate(chunk)`: extra
    columns (name → array) computed from each chunk in the layer's own CRS before it is reprojected
    (called only when it is reprojected). `step(text)` after each chunk. Returns the index (also
    written as `out_dir/index.json`).
    A layer without features raises `EmptyLayer`."""
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    chunks, src_crs, src_bounds, feature_bounds, report = _chunks_of(source, chunk_size, read_options)
    src_crs = CRS.from_user_input(src_crs)
    if isinstance(to_crs, str) and to_crs == "metric":
        target = units.metric_crs(src_crs, src_bounds)
    else:
        target = src_crs if to_crs is None else CRS.from_user_input(to_crs)
    n = len(feature_bounds)
    if n == 0:
        raise EmptyLayer(f"{source}: no features to partition")
    h_all = _hilbert(np.asarray(feature_bounds, dtype="float64"), src_bounds)
    order = np.lexsort((np.arange(n), h_all))  # Hilbert distance, ties by feature position
    n_parts = min(n, max(1, int(n_parts))) if n_parts else max(1, math.ceil(n / max(1, int(partition_size))))
    part_of = np.empty(n, dtype=np.int64)
    part_of[order] = (np.arange(n) * n_parts) // n
    del order
    columns: list[str] = []
    writers: dict[int, _PartWriter] = {}
    covering = True
    start = 0
    try:
        for chunk in chunks:
            chunk = chunk.reset_index(drop=True)
            if not columns:
                columns = [str(c) for c in chunk.columns]
                covering = "bbox" not in columns
            m = len(chunk)
            chunk = chunk.assign(**{ORDER: np.arange(start, start + m, dtype=np.int64), HILBERT: h_all[start:start + m]})
            if chunk.crs != target:
                if annotate is not None:
                    chunk = chunk.assign(**annotate(chunk))
                chunk = chunk.to_crs(target)
            pid = part_of[start:start + m]
            start += m
            for p in np.unique(pid):
                sub = chunk[pid == p].sort_values([HILBERT, ORDER], kind="stable")
                if p not in writers:
                    writers[p] = _PartWriter(out / f"part-{p:05d}.parquet", covering)
                writers[p].write(sub)
            if step:
                step(vocabulary().label("scale_partition_progress", done=start, total=n))
    finally:
        for w in writers.values():
            w.close()
    if start != n:
        raise RuntimeError(f"{source}: read {start} features, planned {n}")
    parts = [{"file": writers[p].path.name, "bounds": [float(v) for v in writers[p].bounds], "count": int(writers[p].count)}
             for p in range(n_parts)]
    tb = np.array([p["bounds"] for p in parts])
    layer = PartitionedLayer(
        folder=str(out), crs=target.to_json(), source_crs=src_crs.to_json(), source_bounds=list(src_bounds),
        total_bounds=[float(tb[:, 0].min()), float(tb[:, 1].min()), float(tb[:, 2].max()), float(tb[:, 3].max())],
        parts=parts, n_features=int(n), columns=columns, read_report=report)
    layer.save()
    return layer


def concat_parts(frames: list[gpd.GeoDataFrame], crs) -> gpd.GeoDataFrame:
    """Rows read from several parts as one frame in layer order (`ORDER`)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame({ORDER: np.empty(0, np.int64), "feature_id": np.empty(0, object)},
                                geometry=gpd.GeoSeries([], crs=crs))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return df.sort_values(ORDER, kind="stable").reset_index(drop=True)
