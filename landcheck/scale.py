"""The farmland check and the survey quality check on dask: the same results as `check_farmland` and
`check_survey`, on inputs bigger than memory.

How the work is cut (and why every number equals the local engine's)
--------------------------------------------------------------------
1. **Partition on disk, spatially, before anything is distributed** (`partition_layer`). A layer is
   read in chunks through the cleaning reader (`layers.read_layer_chunks`: the same features and
   `ReadReport` as `read_layer`). Its scan gives every feature's bounding box, so the features are
   ranked by the Hilbert distance of their box centres (against the layer's extent) and cut into runs
   of `partition_size` before any chunk is read; then each chunk is reprojected to the check's metric
   CRS and its rows appended to their part's GeoParquet file (covering bbox column), plus
   `index.json` (bounds and count of every part). Peak memory is one chunk, never the layer. No
   `spatial_shuffle` of a whole county (measured here at over 3 minutes) is needed: the sort is a
   numpy argsort of one integer per feature.
2. **Every farmland polygon has exactly one owner**: task q owns the farmland of part q. It reads its
   own part, every other farmland feature whose bbox meets the part's bounds (so that the overlap
   removal sees every earlier polygon that overlaps an owned one), and every survey patch whose bbox
   meets those bounds (so that each owned polygon meets all the patches it overlaps). Each
   (patch, farmland) piece is computed once, by the owner of its farmland polygon, with the whole
   patch and the whole polygon — a patch that crosses partitions is read by several tasks but each
   of its pieces is computed by one. Farmland-level figures (area after overlap removal, uncovered
   farmland, overlaps, area per village) are computed by the owner too.
3. **Same kernel, same order**: a task runs the steps of `check_farmland` (`deoverlap`,
   `patch_rules`, `overlay.intersect_pairs`, `overlay.uncovered`, ellipsoidal areas, the facility
   split, `overlay.is_sliver`, `_findings`) on its rows, kept in the layers' own feature order; every
   one of those steps works element by element, so each piece and each farmland polygon gets the
   same geometry and the same area as in the local run. The tasks return per-piece and per-polygon
   arrays keyed by global feature position; the client puts them back in global order and adds them
   up exactly as `check_farmland` does (the same numpy sums over the same arrays in the same order),
   so totals are equal to the last bit, not merely after rounding. Findings are sorted as
   `check_farmland` sorts them, so the finding frames are equal row for row.

The survey quality check (`check_survey_dask`, the same `SurveyResult` as `check_survey`)
----------------------------------------------------------------------------------------
The layer is partitioned the same way (`partition_survey`: parts in the check's metric CRS; when
they are reprojected, each feature's validity in its own CRS, which `check_survey` judges, is kept
in a column). Then three rounds of one task per part, each followed by a reduce on the client:

1. **Features and overlaps.** Task q repairs its features as `check_survey` does and runs every
   per-feature check (`survey._feature_checks`: codes, areas, attributes, change-patch fields; each
   of their problems concerns one feature, so a subset gives the same rows for its features) and
   returns per feature its area, box and TBMJ, the hashes of its ids and the first feature of each
   id the reader repaired. Every overlapping pair belongs to the part of its later feature (layer
   order): task q reads the other parts' features whose boxes meet its bounds and one of its own
   boxes (every earlier partner of one of its features does), runs `overlay.self_overlaps` on them in
   layer order (a pair's piece comes from the same two geometries in the same order, element by
   element) and keeps the pairs it owns: each pair exactly once.
2. **Coverage chunks and ids.** `survey.coverage_union` unites Hilbert chunks of 1000 patches
   (Hilbert distance of the repaired patches' box centres over their extent), then the chunks'
   unions. The client computes the same chunks from the boxes of round 1; the part holding most of a
   chunk unites it (`overlay.group_union`, members in layer order, those in other parts read by box),
   so each chunk union is the local run's. Features whose id hash occurs more than once (BSM,
   YJJBNTTBBH, JCBH, TBBH within ZLDWDM) send back their ids and geometries.
3. **Gaps.** The client unites the chunk unions in chunk order (as `coverage_union` does), takes the
   holes (`coverage_holes`) and the gaps among them (`_gap_holes`): identical, since the inputs are.
   Each part meeting a gap returns its patches that intersect it.

The reduce puts per-feature arrays back in layer order (the area and TBMJ sums are numpy sums of the
same arrays in the same order: equal to the last bit), decides whether TBMJ is in 亩 / 公顷 from the
summed counts and the median of all ratios, runs `_duplicate_ids` on the candidates (every feature
carrying a repeated value is one, so the groups are the same), `_overlap_problems` on the pairs sorted
as `self_overlaps` sorts them, `_gap_rows`, the reader's and the missing-field problems; then
`_Problems.frame` sorts all rows by (code, feature number), stably: rows that tie are problems of one
feature with one code, which come from one task in `check_survey`'s call order. Measured on a county
of 200 000 patches: the chunk unions weigh 1.9 MB and the county's union 0.2 MB (the patches ~30 MB);
the final union takes 0.4 s on the client. Uniting each part's own patches and resolving only the
holes at part boundaries would find the same holes as point sets, but not byte for byte: where edges
cross, GEOS computes the crossing from the edges it holds at that step of the union, so only the same
union tree gives the same vertices, areas and widths. Feature numbers (`feature_no`, from the reader)
are assumed unique, as `check_survey`'s ordering assumes.

Workers must see the partition folder: with `--scheduler`, put `work_dir` on a filesystem every
worker mounts at the same path (NFS, a cluster's shared disk).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import overlay, units
from .checks.farmland import (
    ORDER,
    FarmlandPartial,
    FarmlandResult,
    farmland_partial,
    farmland_reduce,
    records_union,
    with_feature_ids,
)
from .config import Rules
from .errors import LandcheckError

__all__ = [
    "check_survey_dask",
    "check_survey_partitioned",
    "partition_survey",
    "survey_dask_from_spec",
    "EmptyLayer",
    "PartitionedLayer",
    "partition_layer",
    "partition_inputs",
    "check_farmland_dask",
    "check_farmland_partitioned",
    "dask_client",
    "IN_PROCESS",
    "farmland_dask_from_specs",
]

#: Pass as `client` to run the tasks one after the other in this process, without dask (debugging, tests).
IN_PROCESS = "in-process"

#: `ORDER` (checks.farmland) holds a feature's position in its cleaned layer (the local engine's row order).
#: Column holding a feature's Hilbert distance (the order of the rows inside a part file).
HILBERT = "_lc_hilbert"
_INTERNAL = (ORDER, HILBERT)
_ROW_GROUP = 4096

class EmptyLayer(ValueError):
    """The layer to partition has no features (all dropped by the reader, or none delivered)."""


Step = Callable[[str], None]
Progress = Callable[[int, int], None]


# ------------------------------------------------------------------------------------ partitions
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

    def read_all(self) -> gpd.GeoDataFrame:
        """The whole layer in its feature order (for tests and small layers)."""
        frames = [gpd.read_parquet(self.path(i)) for i in range(self.n_parts)]
        df = pd.concat(frames) if frames else gpd.GeoDataFrame(geometry=[], crs=self.crs_obj)
        if "bbox" in df.columns and "bbox" not in self.columns:
            df = df.drop(columns="bbox")
        return df.sort_values(ORDER, kind="stable").reset_index(drop=True)

    def to_dask(self):
        """The parts as a dask-geopandas GeoDataFrame, one dask partition per part, with
        `spatial_partitions` set from the index (for further work with dask-geopandas)."""
        import dask_geopandas

        ddf = dask_geopandas.read_parquet([str(self.path(i)) for i in range(self.n_parts)])
        ddf.spatial_partitions = gpd.GeoSeries([shapely.box(*p["bounds"]) for p in self.parts], crs=self.crs_obj)
        return ddf


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
    from .layers import read_layer_chunks

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
        import pyarrow.parquet as pq
        from .compat import geopandas_to_arrow

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
    progress: Step | None = None,
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
    (called only when it is reprojected). Returns the index (also written as `out_dir/index.json`).
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
            if progress:
                progress(f"分块读取并分区 {start}/{n} 个要素")
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


def partition_inputs(
    survey: str | Path | gpd.GeoDataFrame,
    farmland: str | Path | gpd.GeoDataFrame,
    out_dir: str | Path,
    *,
    partition_size: int = 50_000,
    chunk_size: int = 100_000,
    survey_read: dict | None = None,
    farmland_read: dict | None = None,
    step: Step | None = None,
) -> tuple[PartitionedLayer, PartitionedLayer]:
    """Partition the survey (ceil(n / partition_size) parts, in the check's metric CRS) and the
    farmland (as many parts, in the same CRS) for `check_farmland_dask`. `survey_read` and
    `farmland_read` are `read_layer` options for paths (kind, require_landuse, layer, crs, …)."""
    out = Path(out_dir)
    sv = partition_layer(survey, out / "survey", partition_size=partition_size, chunk_size=chunk_size,
                         to_crs="metric", progress=step, **(survey_read or {}))
    fm = partition_layer(farmland, out / "farmland", n_parts=sv.n_parts, chunk_size=chunk_size,
                         to_crs=sv.crs_obj, progress=step, **(farmland_read or {}))
    return sv, fm


# ------------------------------------------------------------------------------------------ tasks
@dataclass(frozen=True)
class _Job:
    survey: PartitionedLayer
    farmland: PartitionedLayer
    rules: Rules
    township: str
    work_crs: str
    out_crs: str
    threads: int = 1


def _concat(frames: list[gpd.GeoDataFrame], crs) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame({ORDER: np.empty(0, np.int64), "feature_id": np.empty(0, object)},
                                geometry=gpd.GeoSeries([], crs=crs))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return df.sort_values(ORDER, kind="stable").reset_index(drop=True)


def _farmland_task(q: int, job: _Job, rec_union: Any) -> FarmlandPartial:
    """Task q: the farmland of part q, its overlapping neighbours and the patches that may meet it."""
    fl, sl = job.farmland, job.survey
    own = fl.read(q)
    bounds = fl.parts[q]["bounds"]
    ctx = [own.assign(_lc_owned=True)]
    for i in fl.parts_meeting(bounds):
        if i != q:
            ctx.append(fl.read(i, bbox=bounds).assign(_lc_owned=False))
    fm = _concat(ctx, fl.crs_obj)
    sv = _concat([sl.read(i, bbox=bounds) for i in sl.parts_meeting(bounds)], sl.crs_obj)
    owned = fm.pop("_lc_owned").to_numpy(dtype=bool)
    return farmland_partial(sv, fm, owned, job.rules, rec_union, job.township, job.work_crs, job.out_crs,
                            threads=job.threads)


# ---------------------------------------------------------------------------------------- engines
def check_farmland_partitioned(
    survey: PartitionedLayer,
    farmland: PartitionedLayer,
    rules: Rules,
    facility_records: gpd.GeoDataFrame | None = None,
    township: str = "",
    *,
    client=None,
    threads: int = 1,
    progress: Progress | None = None,
) -> FarmlandResult:
    """`check_farmland` on partitioned layers: one task per farmland part, on a dask `client`
    (`distributed.Client`), or one after the other in this process when `client` is None. Both
    layers must be stored in the check's metric CRS (`partition_inputs` does that)."""
    work_crs = units.metric_crs(survey.source_crs_obj, tuple(survey.source_bounds))
    if survey.crs_obj != work_crs or farmland.crs_obj != work_crs:
        raise ValueError(f"partitioned layers must be stored in the check's CRS {work_crs.to_string()}: "
                         f"partition them with partition_inputs() or partition_layer(to_crs=…)")
    out_crs = survey.source_crs_obj
    rec_union = records_union(facility_records, work_crs)
    job = _Job(survey, farmland, rules, township, work_crs.to_json(), out_crs.to_json(), threads)
    shared = [job, rec_union]
    if client is not None:
        shared = [client.scatter([x], broadcast=True, hash=False)[0] for x in shared]
    partials = _run_tasks(client, _farmland_task, [(q,) for q in range(farmland.n_parts)], shared, "分区套合",
                          progress, None)
    return farmland_reduce([p for p in partials if p is not None], work_crs, out_crs,
                           has_records=rec_union is not None, n_farmland=farmland.n_features)


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2, *, memory_limit: str | float = "auto",
                timeout: float = 30.0):
    """A `distributed.Client`: connected to `scheduler` (e.g. tcp://10.0.0.5:8786) when given, else
    to a `LocalCluster` of `n_workers` processes with one thread each on this machine. Closed (and the
    local cluster shut down) on exit."""
    import logging

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise LandcheckError("the dask engine needs dask, distributed and dask-geopandas: "
                             "pip install 'landcheck[dask]' (on every worker too).") from None

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise LandcheckError(f"cannot reach the dask scheduler at {scheduler} ({str(exc).splitlines()[0][:200]}). "
                                 f"Start one with `dask scheduler` and workers with `dask worker {scheduler}`, "
                                 f"or leave out --scheduler to run on this machine.") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           memory_limit=memory_limit, silence_logs=logging.ERROR)
    try:
        client = Client(cluster, timeout=timeout)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def check_farmland_dask(
    survey: gpd.GeoDataFrame | PartitionedLayer | str | Path,
    farmland: gpd.GeoDataFrame | PartitionedLayer | str | Path,
    rules: Rules,
    facility_records: gpd.GeoDataFrame | None = None,
    township: str = "",
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    partition_size: int = 50_000,
    chunk_size: int = 100_000,
    work_dir: str | Path | None = None,
    client=None,
    progress: Progress | None = None,
    step: Step | None = None,
) -> FarmlandResult:
    """`check_farmland` on dask, with the same result (findings row for row, every summary number).

    survey, farmland: GeoDataFrames, delivered layers (paths, read in chunks as `read_layer` would:
    survey as kind "survey" with a land-use field, farmland as kind "farmland"), or layers already
    partitioned (`partition_inputs`). Frames and paths are partitioned into `work_dir` (a temporary
    folder when None, removed afterwards; with a remote `scheduler` it must be on a filesystem the
    workers see at the same path). `client`: an existing `distributed.Client`; else one to
    `scheduler`, else a `LocalCluster` of `n_workers` processes (closed afterwards); `IN_PROCESS`: no
    dask, the tasks one after the other here. `progress(done, total)` after each task; `step(text)`
    at each phase. Geometries of in-memory frames that carry a GEOS precision model
    (`shapely.set_precision`) lose it in the GeoParquet parts: compare with the local engine on
    frames read from files (which never carry one)."""
    if isinstance(survey, gpd.GeoDataFrame) and isinstance(farmland, gpd.GeoDataFrame):
        if survey.crs is None or farmland.crs is None:
            raise ValueError("survey and farmland need a CRS")
    tmp = None
    try:
        if not (isinstance(survey, PartitionedLayer) and isinstance(farmland, PartitionedLayer)):
            if isinstance(survey, PartitionedLayer) or isinstance(farmland, PartitionedLayer):
                raise ValueError("give both layers partitioned (partition_inputs) or neither")
            if work_dir is None:
                tmp = Path(tempfile.mkdtemp(prefix="landcheck-dask-"))
            base = Path(work_dir) if work_dir is not None else tmp
            if step:
                step("空间分区（Hilbert 排序）")
            survey, farmland = partition_inputs(
                survey, farmland, base, partition_size=partition_size, chunk_size=chunk_size,
                survey_read={"kind": "survey", "require_landuse": True}, farmland_read={"kind": "farmland"}, step=step)
        if step:
            step(f"分布式套合分析 {survey.n_features} 图斑 × {farmland.n_features} 永久基本农田图斑, {farmland.n_parts} 个分区")
        if client is not None:
            if isinstance(client, str) and client == IN_PROCESS:
                client = None
            return check_farmland_partitioned(survey, farmland, rules, facility_records, township, client=client, progress=progress)
        with dask_client(scheduler, n_workers) as c:
            return check_farmland_partitioned(survey, farmland, rules, facility_records, township, client=c, progress=progress)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def farmland_dask_from_specs(
    survey,
    farmland,
    rules: Rules,
    facility_records=None,
    township: str = "",
    *,
    work_dir: str | Path,
    scheduler: str | None = None,
    n_workers: int = 2,
    partition_size: int = 50_000,
    chunk_size: int = 100_000,
    step: Step | None = None,
    progress: Progress | None = None,
    client=None,
) -> tuple[FarmlandResult, dict]:
    """For `pipeline.farmland_job`: the farmland check on dask from configured layers
    (`config.LayerSpec`), reading each role as `roles.read_role` does but in chunks. Returns the
    result and the read reports by role (dicts, as `summary.json` holds them)."""
    from .roles import ROLE_READ, read_role

    if step:
        step(f"分块读取并分区 {Path(survey.path).name}, {Path(farmland.path).name}")
    sv, fm = partition_inputs(
        survey.path, farmland.path, work_dir, partition_size=partition_size, chunk_size=chunk_size,
        survey_read={**survey.read_options(), **ROLE_READ["survey"]},
        farmland_read={**farmland.read_options(), **ROLE_READ["farmland"]}, step=step)
    reports = {"survey": sv.read_report, "farmland": fm.read_report}
    fac = None
    if facility_records is not None:
        fac, rep = read_role("facility_records", facility_records)
        reports["facility_records"] = rep.to_dict()
    result = check_farmland_dask(sv, fm, rules, fac, township, scheduler=scheduler, n_workers=n_workers,
                                 client=client, progress=progress, step=step)
    return result, reports


# ================================================================================ survey quality check
#: Column of a survey part holding `shapely.is_valid_reason` of each feature in the layer's own CRS
#: ("" where valid), written only when the parts are reprojected (`partition_survey`).
SRC_REASON = "_lc_src_reason"
_SURVEY_INTERNAL = (ORDER, HILBERT, SRC_REASON)
#: The sub-folder of a work folder holding the survey check's parts (apart from the farmland check's
#: `survey/` and `farmland/`, whose survey parts are read with other options).
SURVEY_CHECK_DIR = "survey-check"


def _usable(geoms: np.ndarray) -> np.ndarray:
    """Not null, not empty and polygonal (as `survey._frame_geometry_problems` judges it)."""
    ok = ~shapely.is_missing(geoms)
    ok[ok] = ~shapely.is_empty(geoms[ok])
    ok[ok] = np.isin(shapely.get_type_id(geoms[ok]), (3, 6, 7))
    return ok


def _own_crs_reasons(chunk: gpd.GeoDataFrame) -> dict:
    """`annotate` of `partition_survey`: the validity of each feature in the layer's own CRS, which
    `check_survey` judges before reprojecting."""
    g = np.asarray(chunk.geometry.to_numpy(), dtype=object)
    out = np.full(len(g), "", dtype=object)
    k = np.flatnonzero(_usable(g))
    if len(k):
        bad = k[~shapely.is_valid(g[k])]
        if len(bad):
            out[bad] = shapely.is_valid_reason(g[bad])
    return {SRC_REASON: out}


def partition_survey(
    source: str | Path | gpd.GeoDataFrame,
    out_dir: str | Path,
    *,
    schema: str = "auto",
    partition_size: int = 50_000,
    chunk_size: int = 100_000,
    step: Step | None = None,
    **read_options,
) -> PartitionedLayer:
    """Partition a layer for `check_survey_partitioned`: `partition_layer` in the check's metric CRS,
    with each feature's validity in its own CRS kept when the parts are reprojected. A path is read
    as `pipeline.survey_job` reads it (kind from the schema, no land-use field required) unless
    `read_options` say otherwise."""
    if not isinstance(source, gpd.GeoDataFrame):
        from .roles import SCHEMA_KIND

        read_options = {"kind": SCHEMA_KIND.get(schema, "any"), "require_landuse": False, **read_options}
    return partition_layer(source, out_dir, partition_size=partition_size, chunk_size=chunk_size, to_crs="metric",
                           progress=step, annotate=_own_crs_reasons, **read_options)


@dataclass(frozen=True)
class _SurveyJob:
    layer: PartitionedLayer
    schema: str
    columns: tuple  # the layer's columns without its geometry (check_survey's `columns`)
    tol: Any  # SurveyTolerances
    reprojected: bool
    repaired_ids: frozenset
    n_features: int
    threads: int | None = 1
    geometry: str = "geometry"

    @property
    def geo_columns(self) -> list[str]:
        """What the topology rounds read: geometry, position, id and feature number."""
        return [self.geometry, ORDER, *(c for c in ("feature_id", "feature_no") if c in self.columns)]

    @property
    def work_crs(self) -> CRS:
        return self.layer.crs_obj

    @property
    def src_crs(self) -> CRS:
        return self.layer.source_crs_obj


class _Rows:
    """Rows of a survey part as `check_survey` sees them: `work` (canonical columns, in the work CRS),
    ids, feature numbers, and the geometry the topology steps use (`fixed`)."""

    def __init__(self, df: gpd.GeoDataFrame, job: _SurveyJob, *, fix: bool = True):
        from .checks.survey import _repair

        self.g_order = df[ORDER].to_numpy(dtype=np.int64)
        self.reasons = df[SRC_REASON].to_numpy(dtype=object) if SRC_REASON in df.columns else None
        work = df.drop(columns=[c for c in _SURVEY_INTERNAL if c in df.columns])
        n = len(work)
        if "DLBM" not in work.columns and "DLMC" in work.columns:  # as check_survey: codes from names
            from . import landuse

            work = work.assign(DLBM=landuse.normalise_codes([None] * n, work["DLMC"]).codes.to_numpy())
        self.work = work
        self.n = n
        self.geoms = np.asarray(work.geometry.to_numpy(), dtype=object)
        self.ids = work["feature_id"].astype(str).to_numpy(dtype=object)
        self.order = self.g_order + 1  # 1-based feature number, as `#n`
        if "feature_no" in work.columns:
            self.order = pd.to_numeric(work["feature_no"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        self.fixed = None
        if fix:
            usable = _usable(self.geoms)
            invalid = np.zeros(n, bool)
            invalid[usable] = ~shapely.is_valid(self.geoms[usable])
            self.fixed = _repair(self.geoms, usable, invalid)

    def take(self, k: np.ndarray, area: np.ndarray | None = None) -> dict:
        """Rows k as plain arrays: global order, id, feature number, fixed geometry (and area)."""
        out = {"g_order": self.g_order[k], "ids": self.ids[k], "order": self.order[k], "geoms": self.fixed[k]}
        if area is not None:
            out["area"] = area[k]
        return out


def _concat_rows(frames: list[gpd.GeoDataFrame], crs) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame({ORDER: np.empty(0, np.int64), "feature_id": np.empty(0, object)},
                                geometry=gpd.GeoSeries([], crs=crs))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return df.sort_values(ORDER, kind="stable").reset_index(drop=True)


def _take_cat(parts: list[dict], keys=("g_order", "ids", "order", "geoms", "area")) -> dict:
    """Row dicts (from `_Rows.take`) of several tasks: concatenated, one row per feature, in layer order."""
    parts = [p for p in parts if p is not None and len(p["g_order"])]
    if not parts:
        return {k: np.empty(0, dtype=np.int64 if k in ("g_order", "order") else ("float64" if k == "area" else object))
                for k in keys}
    out = {k: np.concatenate([np.asarray(p[k], dtype=object if k in ("ids", "geoms") else None) for p in parts])
           for k in keys if k in parts[0]}
    go, first = np.unique(out["g_order"], return_index=True)
    return {k: v[first] for k, v in out.items()}


def _locate(rows: list[dict]) -> None:
    """Fill the x/y of problem rows from a point on their geometry, as `_Problems.frame` would (done in
    the tasks, where the geometries are; element by element, so the same points)."""
    for r in rows:
        g = r["geometry"]
        if not len(g):
            continue
        has = ~shapely.is_missing(g)
        has[has] = ~shapely.is_empty(g[has])
        need = has & ~np.isfinite(r["x"])
        if need.any():
            pts = shapely.point_on_surface(g[need])
            r["x"], r["y"] = r["x"].copy(), r["y"].copy()
            r["x"][need], r["y"][need] = shapely.get_x(pts), shapely.get_y(pts)


def _id_keys(work: pd.DataFrame, schema: str) -> dict[str, tuple[str, np.ndarray]]:
    """The id values `_duplicate_ids` compares: {field: (column, text values, '' = blank)}; the TBBH
    within its unit under '<TBBH>@<unit>'."""
    from .checks.survey import DUPLICATE_IDS, _present
    from .columns import text_values

    if schema not in DUPLICATE_IDS:
        return {}
    id_fields, within = DUPLICATE_IDS[schema]
    cols = list(work.columns)
    n = len(work)
    out = {}
    for name in id_fields:
        col = _present(cols, name)
        if col is not None:
            out[name] = (col, text_values(work[col]))
    if within and all(_present(cols, f) for f in within):
        tb = text_values(work[_present(cols, within[0])])
        unit = text_values(work[_present(cols, within[1])])
        key = np.where(tb != "", unit + "\x00" + tb, "").astype(object) if n else np.empty(0, object)
        out["@".join(within)] = (None, key)
    return out


@dataclass
class SurveyScan:
    """What phase 1 (one task per part) gives back, keyed by global feature positions (`_lc_order`).

    f_order, area, bounds (of the fixed geometry, NaN without), has_geom: every feature of the part;
    tbmj: TBMJ as a number (for the summary's sum), unit_stats: `_area_checks`' statistics;
    id_hashes: field → (hash of the id text, position) of the filled ids; rows: the per-feature
    problems (`_Problems.parts`, located); repaired: first feature of each repaired id in the part;
    pairs ov_i < ov_j (positions) overlapping with ov_j in this part, their pieces, and members:
    the rows of both sides."""

    q: int
    f_order: np.ndarray
    area: np.ndarray
    bounds: np.ndarray
    has_geom: np.ndarray
    tbmj: np.ndarray | None
    unit_stats: tuple | None
    id_hashes: dict
    rows: list
    repaired: dict
    ov_i: np.ndarray
    ov_j: np.ndarray
    ov_piece: np.ndarray
    members: dict
    n_read: int = 0


def _survey_scan_task(q: int, job: _SurveyJob) -> SurveyScan:
    """Phase 1, part q: the per-feature checks of its features, the geometry facts the reduce needs,
    the hashes of its ids, and the overlaps whose later feature is in the part."""
    from .checks.survey import _feature_checks, _frame_geometry_problems, _number, _present, _Problems, _repair

    layer = job.layer
    work_crs, src_crs = job.work_crs, job.src_crs
    R = _Rows(layer.read(q), job, fix=False)
    P = _Problems()
    # -- geometry as check_survey judges it: in the layer's own CRS (kept as reasons when reprojected)
    usable, invalid = _frame_geometry_problems(P, R.geoms, R.geoms, R.ids, R.order, src_crs, work_crs,
                                               reasons=R.reasons if job.reprojected else None)
    if job.reprojected:
        invalid = invalid.copy()
        invalid[usable] = ~shapely.is_valid(R.geoms[usable])
    fixed = _repair(R.geoms, usable, invalid)
    R.fixed = fixed
    area = units.ellipsoidal_area(fixed, work_crs)
    # -- per-feature field checks (TBMJ's unit is decided on the whole layer by the client)
    stats = _feature_checks(P, job.schema, R.work, list(job.columns), R.ids, R.order, fixed, area, job.tol,
                            decide_unit=False)
    _locate(P.parts)
    tbmj = None
    if job.schema in ("dltb", "farmland"):
        col = _present(list(R.work.columns), "TBMJ")
        if col:
            tbmj = _number(R.work[col], R.n)
    hashes = {}
    for name, (_, vals) in _id_keys(R.work, job.schema).items():
        filled = vals != ""
        hashes[name] = (pd.util.hash_array(vals[filled].astype(object)), R.g_order[filled])
    repaired = None
    if job.repaired_ids and R.n:
        hit = np.flatnonzero(np.isin(R.ids, list(job.repaired_ids)))
        _, first = np.unique(R.ids[hit], return_index=True)
        repaired = R.take(np.sort(hit[first]), area)
    has = ~shapely.is_missing(fixed)
    bounds = np.full((R.n, 4), np.nan)
    if has.any():
        bounds[has] = shapely.bounds(fixed[has])

    # -- overlaps owned here: pairs whose later feature (layer order) is in part q. Every earlier
    #    partner overlaps it, so its box meets the part's bounds: read the other parts' features whose
    #    boxes meet them and keep those whose box meets one of the part's own boxes.
    bb = layer.parts[q]["bounds"]
    nb = _concat_rows([layer.read(i, bbox=bb, columns=job.geo_columns) for i in layer.parts_meeting(bb) if i != q],
                      layer.crs_obj)
    if len(nb) and has.any():  # boxes of the stored geometries hold those of the repaired ones
        ng = np.asarray(nb.geometry.to_numpy(), dtype=object)
        nb_ok = np.flatnonzero(~shapely.is_missing(ng))
        hit = shapely.STRtree(R.geoms[has]).query(ng[nb_ok])[0] if len(nb_ok) else np.empty(0, np.int64)
        nb = nb.iloc[np.sort(nb_ok[np.unique(hit)])].reset_index(drop=True)
    else:
        nb = nb.iloc[:0]
    N = _Rows(nb, job)
    keep = ~shapely.is_missing(N.fixed) if N.n else np.zeros(0, bool)
    g_ord = np.concatenate([R.g_order, N.g_order[keep]])
    geo = np.concatenate([fixed, N.fixed[keep]]) if len(g_ord) else np.empty(0, object)
    owned = np.concatenate([np.ones(R.n, bool), np.zeros(int(keep.sum()), bool)])
    src_pos = np.concatenate([np.arange(R.n), np.flatnonzero(keep)])
    srt = np.argsort(g_ord, kind="stable")
    g_ord, geo, owned, src_pos = g_ord[srt], geo[srt], owned[srt], src_pos[srt]
    ok = np.flatnonzero(~shapely.is_missing(geo)) if len(geo) else np.empty(0, np.int64)
    ov_i = ov_j = np.empty(0, np.int64)
    piece = np.empty(0, object)
    members = None
    if len(ok) >= 2 and owned.any():
        i, j, piece = overlay.self_overlaps(geo[ok], threads=job.threads)
        i, j = ok[i], ok[j]
        mine = owned[j]
        i, j, piece = i[mine], j[mine], piece[mine]
        ov_i, ov_j = g_ord[i], g_ord[j]
        used = np.unique(np.concatenate([i, j]))
        own_k = src_pos[used[owned[used]]]
        nb_k = src_pos[used[~owned[used]]]
        members = _take_cat([R.take(own_k), N.take(nb_k)], keys=("g_order", "ids", "order", "geoms"))
    return SurveyScan(q=q, f_order=R.g_order, area=area, bounds=bounds, has_geom=has, tbmj=tbmj, unit_stats=stats,
                      id_hashes=hashes, rows=P.parts, repaired=repaired, ov_i=ov_i, ov_j=ov_j,
                      ov_piece=np.asarray(piece, dtype=object), members=members, n_read=R.n + N.n)


@dataclass
class SurveyUnion:
    """What phase 2 gives back: the unions of the coverage chunks it owns (ids, geometries) and the
    rows asked for (duplicate-id candidates; every feature of a small layer): their id columns
    (`detail_columns`) and `_Rows.take` arrays."""

    chunk: np.ndarray
    union: np.ndarray
    detail: dict | None
    detail_columns: pd.DataFrame | None


def _survey_union_task(q: int, job: _SurveyJob, own_orders: np.ndarray, own_chunks: np.ndarray,
                       foreign: list, detail_orders: np.ndarray, detail_cols: tuple) -> SurveyUnion:
    """Phase 2, part q: the union of each coverage chunk it owns (members: `own_orders` with their
    `own_chunks`, some of them in other parts: `foreign` [(part, bbox)]), as `coverage_union` unites
    a chunk (`overlay.group_union`, members in layer order); and the rows `detail_orders` of part q."""
    layer = job.layer
    own = layer.read(q, columns=job.geo_columns + [c for c in detail_cols if c not in job.geo_columns])
    frames = [own[job.geo_columns]]
    for p, bbox in foreign:
        df = layer.read(p, bbox=bbox, columns=job.geo_columns)
        frames.append(df[np.isin(df[ORDER].to_numpy(dtype=np.int64), own_orders)])
    R = _Rows(_concat_rows(frames, layer.crs_obj), job)
    chunk = np.empty(0, np.int64)
    union = np.empty(0, object)
    if len(own_orders):
        pos = np.searchsorted(R.g_order, own_orders)
        if not (pos < R.n).all() or not (R.g_order[np.minimum(pos, R.n - 1)] == own_orders).all():
            raise RuntimeError(f"part {q}: members of a coverage chunk missing")
        srt = np.argsort(own_orders, kind="stable")  # layer order inside each chunk
        chunk, label = np.unique(own_chunks[srt], return_inverse=True)
        union = overlay.group_union(R.fixed[pos[srt]], label.ravel(), len(chunk))
    detail = cols = None
    if len(detail_orders):
        k = np.flatnonzero(np.isin(R.g_order, detail_orders))
        area = units.ellipsoidal_area(R.fixed[k], job.work_crs)
        detail = R.take(k)
        detail["area"] = area
        mine = np.isin(own[ORDER].to_numpy(dtype=np.int64), detail_orders)  # own is in layer order too
        cols = pd.DataFrame(own.loc[mine, list(detail_cols)]).reset_index(drop=True)
    return SurveyUnion(chunk=chunk, union=union, detail=detail, detail_columns=cols)


def _survey_gap_task(q: int, job: _SurveyJob, hole_idx: np.ndarray, holes: np.ndarray) -> dict:
    """Phase 3, part q: the patches of the part that intersect each gap (as `_gaps` finds them)."""
    layer = job.layer
    b = shapely.total_bounds(holes)
    R = _Rows(layer.read(q, bbox=b, columns=job.geo_columns), job)
    ok = np.flatnonzero(~shapely.is_missing(R.fixed)) if R.n else np.empty(0, np.int64)
    if len(ok) == 0:
        return {"gi": np.empty(0, np.int64), **R.take(np.empty(0, np.int64))}
    gi, pi = shapely.STRtree(R.fixed[ok]).query(holes, predicate="intersects")
    rows = R.take(ok[pi])
    return {"gi": hole_idx[gi], **rows}


# ------------------------------------------------------------------------------------- running tasks
def _run_tasks(client, fn, args: list[tuple], shared: list, label: str, progress: Progress | None,
               step: Step | None) -> list:
    """fn(q, *shared, *rest) for each (q, *rest) in args: here one after the other (client None) or
    as dask tasks (`shared` then holds futures of scattered objects). Results in the order of `args`."""
    n = len(args)
    if step and n:
        step(f"{label}: {n} 个任务")
    out: list = [None] * n
    if client is None:
        for k, a in enumerate(args):
            out[k] = fn(a[0], *shared, *a[1:])
            if progress:
                progress(k + 1, n)
        return out
    from distributed import as_completed

    run = uuid.uuid4().hex
    futures = [client.submit(fn, a[0], *shared, *a[1:], key=f"landcheck-{fn.__name__.strip('_')}-{k}-{run}", pure=False,
                             retries=1) for k, a in enumerate(args)]
    index = {f.key: k for k, f in enumerate(futures)}
    try:
        for done, fut in enumerate(as_completed(futures), start=1):
            out[index[fut.key]] = fut.result()
            fut.release()
            if progress:
                progress(done, n)
    finally:
        for f in futures:
            f.cancel()
    return out


def _has_column(layer: PartitionedLayer, name: str) -> bool:
    import pyarrow.parquet as pq

    return name in pq.read_schema(layer.path(0)).names


def _id_columns(columns: list[str], schema: str) -> tuple:
    """The columns `survey._duplicate_ids` reads for `schema`, in the layer's order."""
    from .checks.survey import DUPLICATE_IDS, _present

    if schema not in DUPLICATE_IDS:
        return ()
    id_fields, within = DUPLICATE_IDS[schema]
    wanted = {_present(columns, f) for f in (*id_fields, *(within or ()))} - {None}
    return tuple(c for c in columns if c in wanted)


class _LayerShape:
    """What `survey._summary` reads of the layer: its length and CRS."""

    def __init__(self, n: int, crs: CRS):
        self.n, self.crs = n, crs

    def __len__(self) -> int:
        return self.n


def _geometry_name(layer: PartitionedLayer) -> str:
    import pyarrow.parquet as pq

    meta = pq.read_schema(layer.path(0)).metadata or {}
    try:
        return json.loads(meta[b"geo"])["primary_column"]
    except (KeyError, ValueError):
        return "geometry"


def check_survey_partitioned(
    layer: PartitionedLayer,
    report=None,
    schema: str = "auto",
    tolerances=None,
    *,
    client=None,
    threads: int | None = 1,
    progress: Progress | None = None,
    step: Step | None = None,
):
    """`check_survey` on a layer partitioned by `partition_survey`: the same `SurveyResult`.

    Three rounds of tasks (one per part; on a dask `client`, or here one after the other when None),
    each followed by a reduce on the client (see the section "survey" of the module doc):
    1. per part: the per-feature checks, areas and boxes, id hashes, the overlaps it owns;
    2. per part: the unions of the coverage chunks it owns, and the rows of duplicate-id candidates;
    3. per part meeting a gap: the patches around each gap.
    report: the reader's `ReadReport` (default: the one the partitioning kept, for a path)."""
    from .checks import survey as sv
    from .layers import ReadReport

    if schema not in sv.SCHEMAS:
        raise LandcheckError(f"unknown schema '{schema}': choose --schema auto|dltb|farmland|change|geometry.")
    if tolerances is None:
        from .config import load_rules

        tolerances = sv.SurveyTolerances.from_rules(load_rules())
    if report is None and layer.read_report is not None:
        report = ReadReport(**layer.read_report)
    work_crs = units.metric_crs(layer.source_crs_obj, tuple(layer.source_bounds))
    if layer.crs_obj != work_crs:
        raise ValueError(f"the parts must be stored in the check's CRS {work_crs.to_string()}: partition the layer "
                         f"with partition_survey()")
    src_crs = layer.source_crs_obj
    reprojected = src_crs != work_crs
    geom_name = _geometry_name(layer)
    columns = [c for c in layer.columns if c != geom_name]
    if schema == "auto":
        schema = sv.detect_schema(columns)
    where = f"{report.path}: " if report is not None else ""
    if schema == "dltb" and not (sv._present(columns, "DLBM") or sv._present(columns, "DLMC")):
        raise LandcheckError(
            f"{where}the layer has no land-use field (DLBM / DLMC, 地类编码 / 地类名称 …), so it cannot be checked "
            f"as a 地类图斑 layer (--schema dltb). Map your field in landcheck.toml ([layers.survey.fields] "
            f"DLBM = \"…\"), or check its geometry only with --schema geometry."
        )
    if reprojected and layer.n_features and not _has_column(layer, SRC_REASON):
        raise ValueError("the parts were reprojected without the features' validity in their own CRS: "
                         "partition the layer with partition_survey()")
    repaired = frozenset(str(e["feature_id"]) for e in report.repaired) if report is not None else frozenset()
    N = layer.n_features
    job = _SurveyJob(layer, schema, tuple(columns), tolerances, reprojected, repaired, N, threads, geom_name)
    shared = [job]
    if client is not None:
        [job_f] = client.scatter([job], broadcast=True, hash=False)
        shared = [job_f]

    # -------------------------------------------------------------- phase 1: features, overlaps
    scans: list[SurveyScan] = _run_tasks(client, _survey_scan_task, [(q,) for q in range(layer.n_parts)], shared,
                                         "图斑检查与重叠", progress, step)
    f_order = np.concatenate([s.f_order for s in scans])
    fo = np.argsort(f_order, kind="stable")
    if len(f_order) != N or not (f_order[fo] == np.arange(N)).all():
        raise RuntimeError("the parts are not a partition of the layer (a feature in none or in two)")
    area = np.concatenate([s.area for s in scans])[fo]
    has_geom = np.concatenate([s.has_geom for s in scans])[fo]
    bounds = np.concatenate([s.bounds for s in scans])[fo]
    part_of = np.concatenate([np.full(len(s.f_order), s.q, dtype=np.int64) for s in scans])[fo]

    P_reader, P_fields, P_unit, P_dup, P_ov, P_gap = (sv._Problems() for _ in range(6))
    # reader's problems: the repaired features' first occurrences carry their geometry and area
    if report is not None:
        first = _take_cat([s.repaired for s in scans])
        sv._reader_problems(P_reader, report, src_crs, work_crs, first["ids"], first["order"], first["geoms"],
                            first["area"])
    if schema in sv.FIELD_TABLES:
        sv._missing_fields(P_fields, sv.FIELD_TABLES[schema], sv._delivered_fields(columns, report))
    # TBMJ in 亩 / 公顷: decided on the whole layer, as `_area_checks` does
    rows = [r for s in scans for r in s.rows]
    stats = [s.unit_stats for s in scans if s.unit_stats is not None]
    if stats:
        unit, ratio = sv._tbmj_unit(sum(x[0] for x in stats), sum(x[1] for x in stats),
                                    np.concatenate([x[2] for x in stats]))
        if unit:
            rows = [r for r in rows if r["code"][0] != "area_mismatch"]
            sv._tbmj_unit_problem(P_unit, sv._present(columns, "TBMJ"), unit, ratio)
    # overlaps: every pair once, in the order of `overlay.self_overlaps` on the whole layer
    ov_i = np.concatenate([s.ov_i for s in scans])
    ov_j = np.concatenate([s.ov_j for s in scans])
    piece = np.concatenate([s.ov_piece for s in scans]) if scans else np.empty(0, object)
    oo = np.lexsort((ov_j, ov_i))
    ov_i, ov_j, piece = ov_i[oo], ov_j[oo], piece[oo]
    if len(np.unique(ov_i * (N + 1) + ov_j)) != len(ov_i):
        raise RuntimeError("an overlapping pair was found twice")
    mem = _take_cat([s.members for s in scans], keys=("g_order", "ids", "order", "geoms"))
    ov = sv._overlap_problems(P_ov, np.searchsorted(mem["g_order"], ov_i), np.searchsorted(mem["g_order"], ov_j),
                              piece, mem["geoms"], mem["ids"], mem["order"], work_crs, tolerances, N)
    # duplicate ids: candidates are the features whose id hash occurs twice
    cand = [np.empty(0, np.int64)]
    for name in {k for s in scans for k in s.id_hashes}:
        h = np.concatenate([s.id_hashes[name][0] for s in scans if name in s.id_hashes])
        o = np.concatenate([s.id_hashes[name][1] for s in scans if name in s.id_hashes])
        _, inv, cnt = np.unique(h, return_inverse=True, return_counts=True)
        cand.append(o[cnt[inv.ravel()] > 1])
    detail = np.unique(np.concatenate(cand))
    # TBMJ of every feature, for the summary's sum (as `_summary` reads it from the layer)
    tb_col = sv._present(columns, "TBMJ") if schema in ("dltb", "farmland") else None
    tbmj = pd.DataFrame()
    if tb_col and all(s.tbmj is not None for s in scans):
        tbmj = pd.DataFrame({tb_col: np.concatenate([s.tbmj for s in scans])[fo]})
    del scans

    # -------------------------------------------------------------- phase 2: coverage chunks, details
    do_gaps = schema in ("dltb", "geometry")
    ok = np.flatnonzero(has_geom)
    chunked = do_gaps and len(ok) > 2 * sv._UNION_CHUNK
    if do_gaps and 2 <= len(ok) <= 2 * sv._UNION_CHUNK:
        detail = np.union1d(detail, ok)  # a small layer is united in one go, as coverage_union does
    plans = {q: [np.empty(0, np.int64), np.empty(0, np.int64), [], np.empty(0, np.int64)] for q in range(layer.n_parts)}
    n_chunks = 0
    if chunked:
        b = bounds[ok]
        mid = np.column_stack([(b[:, 0] + b[:, 2]) / 2.0, (b[:, 1] + b[:, 3]) / 2.0])
        h = gpd.GeoSeries(shapely.points(mid)).hilbert_distance().to_numpy()
        rank = np.empty(len(ok), dtype=np.int64)
        rank[np.argsort(h, kind="stable")] = np.arange(len(ok))
        grp = rank // sv._UNION_CHUNK
        n_chunks = int(grp.max()) + 1
        parts = part_of[ok]
        votes = np.bincount(grp * layer.n_parts + parts, minlength=n_chunks * layer.n_parts).reshape(n_chunks, -1)
        owner = votes.argmax(axis=1)[grp]
        for q in np.unique(owner):
            mine = owner == q
            plan = plans[int(q)]
            plan[0], plan[1] = ok[mine], grp[mine]
            for p in np.unique(parts[mine]):
                if p != q:
                    sel = mine & (parts == p)
                    bb = bounds[ok[sel]]
                    plan[2].append((int(p), (float(bb[:, 0].min()), float(bb[:, 1].min()),
                                             float(bb[:, 2].max()), float(bb[:, 3].max()))))
    for q in np.unique(part_of[detail]) if len(detail) else []:
        plans[int(q)][3] = detail[part_of[detail] == q]
    detail_cols = _id_columns(columns, schema)
    args = [(q, *plans[q], detail_cols) for q in range(layer.n_parts)
            if len(plans[q][0]) or len(plans[q][3])]
    unions: list[SurveyUnion] = _run_tasks(client, _survey_union_task, args, shared, "覆盖合并", progress, step)
    dets = [u.detail for u in unions if u.detail is not None]
    det = _take_cat(dets)
    if schema in sv.DUPLICATE_IDS and len(det["g_order"]):
        frames = [u.detail_columns.assign(_lc_o=u.detail["g_order"]) for u in unions if u.detail is not None]
        wk = pd.concat(frames, ignore_index=True).drop_duplicates("_lc_o").sort_values("_lc_o", kind="stable")
        wk = wk.drop(columns="_lc_o").reset_index(drop=True)
        sv._duplicate_ids(P_dup, wk, det["ids"], det["order"], det["geoms"], det["area"], *sv.DUPLICATE_IDS[schema])

    # -------------------------------------------------------------- gaps: the union, phase 3
    gaps = None
    if do_gaps:
        gaps = sv._Gaps()
        if len(ok) >= 2:
            if chunked:
                cu = np.full(n_chunks, None, dtype=object)
                for u in unions:
                    cu[u.chunk] = u.union
                if step:
                    step(f"合并 {n_chunks} 个覆盖块")
                union = shapely.union_all(cu[~shapely.is_missing(cu)])
            else:
                small = np.isin(det["g_order"], ok)
                union = sv.coverage_union(det["geoms"][small], threads)
            gaps, holes, a, width = sv._gap_holes(sv.coverage_holes(union), work_crs, tolerances)
            if len(holes):
                hb = shapely.bounds(holes)
                args = []
                for q, p in enumerate(layer.parts):
                    x0, y0, x1, y1 = p["bounds"]
                    meet = np.flatnonzero(~((hb[:, 0] > x1) | (hb[:, 1] > y1) | (hb[:, 2] < x0) | (hb[:, 3] < y0)))
                    if len(meet):
                        args.append((q, meet, holes[meet]))
                found = _run_tasks(client, _survey_gap_task, args, shared, "缝隙周边图斑", progress, step)
                gi = np.concatenate([f["gi"] for f in found]) if found else np.empty(0, np.int64)
                go = np.concatenate([f["g_order"] for f in found]) if found else np.empty(0, np.int64)
                rows_g = _take_cat(found, keys=("g_order", "ids", "order"))
                sv._gap_rows(P_gap, holes, a, width, gi, np.searchsorted(rows_g["g_order"], go), rows_g["ids"],
                             rows_g["order"])
    del unions

    # -------------------------------------------------------------- the result, as check_survey
    P = sv._Problems()
    P.parts = rows + P_reader.parts + P_fields.parts + P_unit.parts + P_dup.parts + P_ov.parts + P_gap.parts
    problems = P.frame(work_crs, src_crs)
    counts = {c: int(k) for c, k in problems["code"].value_counts().items()}
    counts = {c: counts[c] for c in sv.CODES if c in counts}
    summary = sv._summary(problems, counts, schema, _LayerShape(N, src_crs), report, area, tbmj, ov, gaps,
                          tolerances)
    rep = sv.build_report(problems, summary, report)
    return sv.SurveyResult(problems=problems, counts=counts, summary=summary, schema=schema, report=rep)


def check_survey_dask(
    source_or_gdf: gpd.GeoDataFrame | PartitionedLayer | str | Path,
    report=None,
    schema: str = "auto",
    tolerances=None,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    partition_size: int = 50_000,
    chunk_size: int = 100_000,
    work_dir: str | Path | None = None,
    client=None,
    step: Step | None = None,
    progress: Progress | None = None,
    read_options: dict | None = None,
):
    """`check_survey` on dask, with the same `SurveyResult` (every problem row, counts, summary, report).

    source_or_gdf: a GeoDataFrame (as `check_survey` takes it; `report` its `ReadReport` or None), a
    delivered layer (path, read in chunks as `pipeline.survey_job` reads it: the kind of layer from
    the schema, no land-use field required, plus `read_options` (layer, crs, encoding, fields); the
    reader's report is used), or a layer partitioned by `partition_survey`. Frames and paths are
    partitioned into `work_dir` (a temporary folder when None, removed afterwards; with a remote
    `scheduler` it must be on a filesystem the workers see at the same path). `client`: an existing
    `distributed.Client`; else one to `scheduler`, else a `LocalCluster` of `n_workers` processes
    (closed afterwards); `IN_PROCESS`: no dask, the tasks one after the other here. `step(text)` at
    each phase, `progress(done, total)` after each task of a phase. A layer without features (all
    dropped by the reader) is checked locally (there is nothing to distribute)."""
    if isinstance(source_or_gdf, gpd.GeoDataFrame) and source_or_gdf.crs is None:
        raise ValueError("the layer needs a CRS (read_layer always sets one)")
    if report is not None and not isinstance(source_or_gdf, gpd.GeoDataFrame):
        raise ValueError("a report goes with a frame; a path is read here and a partitioned layer keeps its own")
    tmp = None
    try:
        layer = source_or_gdf
        if not isinstance(layer, PartitionedLayer):
            if work_dir is None:
                tmp = Path(tempfile.mkdtemp(prefix="landcheck-dask-"))
            base = Path(work_dir) if work_dir is not None else tmp
            if step:
                step("空间分区（Hilbert 排序）")
            try:
                layer = partition_survey(source_or_gdf, base / SURVEY_CHECK_DIR, schema=schema, partition_size=partition_size,
                                         chunk_size=chunk_size, step=step, **(read_options or {}))
            except EmptyLayer:
                return _check_survey_empty(source_or_gdf, report, schema, tolerances, read_options)
        if step:
            step(f"分布式质量检查 {layer.n_features} 图斑, {layer.n_parts} 个分区")
        if client is not None:
            if isinstance(client, str) and client == IN_PROCESS:  # here, on all cores (same result)
                return check_survey_partitioned(layer, report, schema, tolerances, client=None, threads=None,
                                                progress=progress, step=step)
            return check_survey_partitioned(layer, report, schema, tolerances, client=client, progress=progress,
                                            step=step)
        with dask_client(scheduler, n_workers) as c:
            return check_survey_partitioned(layer, report, schema, tolerances, client=c, progress=progress, step=step)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _check_survey_empty(source, report, schema, tolerances, read_options):
    """The local check of a layer without features (every feature dropped by the reader)."""
    from .checks.survey import check_survey

    if isinstance(source, gpd.GeoDataFrame):
        return check_survey(source, report, schema=schema, tolerances=tolerances)
    from .layers import read_layer
    from .roles import SCHEMA_KIND

    opts = {"kind": SCHEMA_KIND.get(schema, "any"), "require_landuse": False, **(read_options or {})}
    df, rep = read_layer(source, **opts)
    return check_survey(df, rep, schema=schema, tolerances=tolerances)


def survey_dask_from_spec(
    spec,
    schema: str,
    tolerances,
    *,
    work_dir: str | Path,
    scheduler: str | None = None,
    n_workers: int = 2,
    partition_size: int = 50_000,
    chunk_size: int = 100_000,
    step: Step | None = None,
    progress: Progress | None = None,
    client=None,
):
    """For `pipeline.survey_job`: the survey check on dask from a configured layer (`config.LayerSpec`),
    read in chunks as `survey_job` reads it (`read_layer(path, **spec.read_options(),
    kind=SCHEMA_KIND[schema], require_landuse=False)`). Returns (result, the read report as a dict).
    A layer with no features at all is a LandcheckError (as in `survey_job`)."""
    from .roles import SCHEMA_KIND

    if schema not in SCHEMA_KIND:
        raise LandcheckError(f"unknown schema '{schema}': choose --schema {'|'.join(SCHEMA_KIND)}.")
    opts = {**spec.read_options(), "kind": SCHEMA_KIND[schema], "require_landuse": False}
    if step:
        step(f"分块读取并分区 {Path(spec.path).name}")
    try:
        layer = partition_survey(spec.path, Path(work_dir) / SURVEY_CHECK_DIR, schema=schema, partition_size=partition_size,
                                 chunk_size=chunk_size, step=step, **opts)
    except EmptyLayer:
        from .checks.survey import check_survey
        from .layers import read_layer

        df, rep = read_layer(spec.path, **opts)
        if rep.n_read == 0:
            raise LandcheckError(f"{spec.path}: the layer has no features; nothing to check.") from None
        return check_survey(df, rep, schema=schema, tolerances=tolerances), rep.to_dict()
    result = check_survey_dask(layer, None, schema, tolerances, scheduler=scheduler, n_workers=n_workers,
                               client=client, step=step, progress=progress)
    return result, dict(layer.read_report)
