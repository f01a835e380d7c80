"""The survey quality check on dask: the layer partitioned in the check's metric CRS
(`partition_survey`), one map task per part (`checks.survey.survey_partial`, with the features of
other parts that may overlap its own), and the reduce on the client (`survey_reduce`), for which
`PartSource` runs the rounds of tasks it asks for: coverage chunks and repeated ids, then the patches
around each gap. The result equals `check_survey`'s (see docs/scale.md).

Re-implements nothing of the check: it reads parts and runs the check's own map and reduce steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import overlay, units
from ..checks.farmland import ORDER
from ..checks.survey import (
    PartRows,
    SurveyContext,
    SurveyPartial,
    SurveyResult,
    check_survey,
    concat_rows,
    require_known_schema,
    survey_context,
    survey_partial,
    survey_reduce,
    validity_reasons,
)
from ..config import vocabulary
from ..errors import LandcheckError
from ..layers import ReadReport, read_layer
from ..progress import Advance
from ..roles import SCHEMA_KIND
from .partition import (
    HILBERT,
    EmptyLayer,
    PartitionedLayer,
    concat_parts,
    partition_layer,
)
from .runner import Step, run_tasks, share, task_client, work_folder

#: Column of a survey part holding `shapely.is_valid_reason` of each feature in the layer's own CRS
#: ("" where valid), written only when the parts are reprojected (`partition_survey`).
SRC_REASON = "_lc_src_reason"
_INTERNAL = (ORDER, HILBERT, SRC_REASON)
#: The sub-folder of a work folder holding the survey check's parts (apart from the farmland check's
#: `survey/` and `farmland/`, whose survey parts are read with other options).
SURVEY_CHECK_DIR = "survey-check"


def _read_options(schema: str, read_options: dict | None) -> dict:
    """How a path is read for the survey check (as `pipeline.survey_job` reads it): the kind of layer
    from the schema, no land-use field required, unless `read_options` say otherwise."""
    return {"kind": SCHEMA_KIND.get(schema, "any"), "require_landuse": False, **(read_options or {})}


def _own_crs_reasons(chunk: gpd.GeoDataFrame) -> dict:
    """`annotate` of `partition_survey`: the validity of each feature in the layer's own CRS, which
    `check_survey` judges before reprojecting."""
    return {SRC_REASON: validity_reasons(chunk.geometry.to_numpy())}


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
        read_options = _read_options(schema, read_options)
    return partition_layer(source, out_dir, partition_size=partition_size, chunk_size=chunk_size, to_crs="metric",
                           step=step, annotate=_own_crs_reasons, **read_options)


@dataclass(frozen=True)
class SurveyJob:
    """What every survey task receives (scattered once to each worker)."""

    layer: PartitionedLayer
    ctx: SurveyContext
    threads: int | None = 1
    geometry: str = "geometry"

    @property
    def geo_columns(self) -> list[str]:
        """What the topology rounds read: geometry, position, id and feature number."""
        return [self.geometry, ORDER, *(c for c in ("feature_id", "feature_no") if c in self.ctx.columns)]


def part_rows(df: gpd.GeoDataFrame) -> PartRows:
    """Rows read from parts as the check sees them: positions from `ORDER`, validity in the layer's
    own CRS from `SRC_REASON` (when stored), the engine's columns dropped."""
    reasons = df[SRC_REASON].to_numpy(dtype=object) if SRC_REASON in df.columns else None
    return PartRows(df.drop(columns=[c for c in _INTERNAL if c in df.columns]), df[ORDER].to_numpy(dtype=np.int64),
                    reasons)


# ------------------------------------------------------------------------------------------- tasks
def _survey_scan_task(q: int, job: SurveyJob) -> SurveyPartial:
    """Round 1, part q: the map step on its features. Every earlier partner of an overlap owned here
    overlaps one of its features, so its box meets the part's bounds: those features are read from
    the other parts as neighbours."""
    layer = job.layer
    bb = layer.parts[q]["bounds"]
    nb = concat_parts([layer.read(i, bbox=bb, columns=job.geo_columns) for i in layer.parts_meeting(bb) if i != q],
                      layer.crs_obj)
    return survey_partial(part_rows(layer.read(q)), job.ctx, part_rows(nb), part=q, threads=job.threads)


@dataclass
class SurveyUnion:
    """What round 2 gives back: the unions of the coverage chunks a part owns (chunk numbers, unions)
    and the rows asked of it (`concat_rows` arrays with their areas, and their id columns)."""

    chunk: np.ndarray
    union: np.ndarray
    detail: dict | None
    detail_columns: pd.DataFrame | None


def _survey_union_task(q: int, job: SurveyJob, own_orders: np.ndarray, own_chunks: np.ndarray,
                       foreign: list, detail_orders: np.ndarray, detail_cols: tuple) -> SurveyUnion:
    """Round 2, part q: the union of each coverage chunk it owns (members: `own_orders` with their
    `own_chunks`, some of them in other parts: `foreign` [(part, bbox)]), united as `LocalRows` unites
    a chunk (`overlay.group_union` with coverage=True, members in layer order); and the rows `detail_orders` of part q."""
    layer = job.layer
    own = layer.read(q, columns=job.geo_columns + [c for c in detail_cols if c not in job.geo_columns])
    frames = [own[job.geo_columns]]
    for p, bbox in foreign:
        df = layer.read(p, bbox=bbox, columns=job.geo_columns)
        frames.append(df[np.isin(df[ORDER].to_numpy(dtype=np.int64), own_orders)])
    R = part_rows(concat_parts(frames, layer.crs_obj)).repair()
    chunk = np.empty(0, np.int64)
    union = np.empty(0, object)
    if len(own_orders):
        pos = np.searchsorted(R.g_order, own_orders)
        if not (pos < R.n).all() or not (R.g_order[np.minimum(pos, R.n - 1)] == own_orders).all():
            raise RuntimeError(f"part {q}: members of a coverage chunk missing")
        srt = np.argsort(own_orders, kind="stable")  # layer order inside each chunk
        chunk, label = np.unique(own_chunks[srt], return_inverse=True)
        union = overlay.group_union(R.fixed[pos[srt]], label.ravel(), len(chunk), coverage=True)
    detail = cols = None
    if len(detail_orders):
        k = np.flatnonzero(np.isin(R.g_order, detail_orders))
        detail = R.take(k)
        detail["area"] = units.ellipsoidal_area(R.fixed[k], job.ctx.work_crs)
        mine = np.isin(own[ORDER].to_numpy(dtype=np.int64), detail_orders)  # own is in layer order too
        cols = pd.DataFrame(own.loc[mine, list(detail_cols)]).reset_index(drop=True)
    return SurveyUnion(chunk=chunk, union=union, detail=detail, detail_columns=cols)


def _survey_gap_task(q: int, job: SurveyJob, hole_idx: np.ndarray, holes: np.ndarray) -> dict:
    """Round 3, part q: the patches of the part that intersect each gap."""
    layer = job.layer
    R = part_rows(layer.read(q, bbox=shapely.total_bounds(holes), columns=job.geo_columns)).repair()
    ok = np.flatnonzero(~shapely.is_missing(R.fixed)) if R.n else np.empty(0, np.int64)
    if len(ok) == 0:
        return {"gi": np.empty(0, np.int64), **R.take(np.empty(0, np.int64))}
    gi, pi = shapely.STRtree(R.fixed[ok]).query(holes, predicate="intersects")
    return {"gi": hole_idx[gi], **R.take(ok[pi])}


class PartSource:
    """The `RowSource` of a partitioned layer: each request of the reduce step is a round of tasks,
    one per part concerned. A coverage chunk is united by the part holding most of its members."""

    def __init__(self, job: SurveyJob, shared: list, client, partials: list[SurveyPartial],
                 progress: Advance | None, step: Step | None):
        self.job, self.shared, self.client, self.progress, self.step = job, shared, client, progress, step
        self.partials = partials
        self._part_of: np.ndarray | None = None

    @property
    def part_of(self) -> np.ndarray:
        """The part of each feature (by its position in the layer)."""
        if self._part_of is None:
            self._part_of = np.empty(self.job.ctx.n_features, dtype=np.int64)
            for s in self.partials:
                self._part_of[s.f_order] = s.part
        return self._part_of

    def _run(self, fn, args: list[tuple], label: str) -> list:
        return run_tasks(self.client, fn, args, self.shared, vocabulary().label(label), self.progress, self.step)

    def coverage_and_rows(self, members, chunks, n_chunks, bounds, wanted, columns):
        n_parts = self.job.layer.n_parts
        plans = {q: [np.empty(0, np.int64), np.empty(0, np.int64), [], np.empty(0, np.int64)] for q in range(n_parts)}
        if n_chunks:
            parts = self.part_of[members]
            votes = np.bincount(chunks * n_parts + parts, minlength=n_chunks * n_parts).reshape(n_chunks, -1)
            owner = votes.argmax(axis=1)[chunks]
            for q in np.unique(owner):
                mine = owner == q
                plan = plans[int(q)]
                plan[0], plan[1] = members[mine], chunks[mine]
                for p in np.unique(parts[mine]):
                    if p != q:
                        bb = bounds[members[mine & (parts == p)]]
                        plan[2].append((int(p), (float(bb[:, 0].min()), float(bb[:, 1].min()),
                                                 float(bb[:, 2].max()), float(bb[:, 3].max()))))
        for q in np.unique(self.part_of[wanted]) if len(wanted) else []:
            plans[int(q)][3] = wanted[self.part_of[wanted] == q]
        args = [(q, *plans[q], columns) for q in range(n_parts) if len(plans[q][0]) or len(plans[q][3])]
        found: list[SurveyUnion] = self._run(_survey_union_task, args, "scale_survey_union")
        det = concat_rows([u.detail for u in found if u.detail is not None])
        frame = None
        if len(det["g_order"]):
            frames = [u.detail_columns.assign(_lc_o=u.detail["g_order"]) for u in found if u.detail is not None]
            frame = pd.concat(frames, ignore_index=True).drop_duplicates("_lc_o").sort_values("_lc_o", kind="stable")
            frame = frame.drop(columns="_lc_o").reset_index(drop=True)
        unions = np.full(n_chunks, None, dtype=object)
        for u in found:
            unions[u.chunk] = u.union
        if n_chunks and self.step:
            self.step(vocabulary().label("scale_survey_merge", n=n_chunks))
        return unions, det, frame

    def around(self, holes):
        hb = shapely.bounds(holes)
        args = []
        for q, p in enumerate(self.job.layer.parts):
            x0, y0, x1, y1 = p["bounds"]
            meet = np.flatnonzero(~((hb[:, 0] > x1) | (hb[:, 1] > y1) | (hb[:, 2] < x0) | (hb[:, 3] < y0)))
            if len(meet):
                args.append((q, meet, holes[meet]))
        found = self._run(_survey_gap_task, args, "scale_survey_gaps")
        gi = np.concatenate([f["gi"] for f in found]) if found else np.empty(0, np.int64)
        go = np.concatenate([f["g_order"] for f in found]) if found else np.empty(0, np.int64)
        return gi, go, concat_rows(found, keys=("g_order", "ids", "order"))


# ----------------------------------------------------------------------------------------- engine
def check_survey_partitioned(
    layer: PartitionedLayer,
    report: ReadReport | None = None,
    schema: str = "auto",
    tolerances=None,
    *,
    client=None,
    threads: int | None = 1,
    progress: Advance | None = None,
    step: Step | None = None,
) -> SurveyResult:
    """`check_survey` on a layer partitioned by `partition_survey`: the same `SurveyResult`. Tasks
    run on a dask `client`, or here one after the other when None: round 1 is the map step (one task
    per part), then `survey_reduce` on the client asks `PartSource` for two more rounds.
    report: the reader's `ReadReport` (default: the one the partitioning kept, for a path)."""
    require_known_schema(schema)
    if report is None and layer.read_report is not None:
        report = ReadReport(**layer.read_report)
    work_crs = units.metric_crs(layer.source_crs_obj, tuple(layer.source_bounds))
    if layer.crs_obj != work_crs:
        raise ValueError(f"the parts must be stored in the check's CRS {work_crs.to_string()}: partition the layer "
                         f"with partition_survey()")
    geom_name = layer.geometry_name
    columns = [c for c in layer.columns if c != geom_name]
    ctx = survey_context(columns, schema, tolerances, report, layer.source_crs_obj, work_crs, layer.n_features)
    if ctx.reprojected and layer.n_features and SRC_REASON not in layer.schema().names:
        raise ValueError("the parts were reprojected without the features' validity in their own CRS: "
                         "partition the layer with partition_survey()")
    job = SurveyJob(layer, ctx, threads, geom_name)
    shared = share(client, [job])
    partials = run_tasks(client, _survey_scan_task, [(q,) for q in range(layer.n_parts)], shared,
                         vocabulary().label("scale_survey_scan"), progress, step)
    return survey_reduce(partials, ctx, report, PartSource(job, shared, client, partials, progress, step))


def check_survey_dask(
    source_or_gdf: gpd.GeoDataFrame | PartitionedLayer | str | Path,
    report: ReadReport | None = None,
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
    progress: Advance | None = None,
    read_options: dict | None = None,
) -> SurveyResult:
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
    given = isinstance(source_or_gdf, PartitionedLayer)
    with work_folder(work_dir, needed=not given) as base:
        layer = source_or_gdf
        if not given:
            if step:
                step(vocabulary().label("scale_partitioning"))
            try:
                layer = partition_survey(source_or_gdf, base / SURVEY_CHECK_DIR, schema=schema,
                                         partition_size=partition_size, chunk_size=chunk_size, step=step,
                                         **(read_options or {}))
            except EmptyLayer:
                return _check_survey_empty(source_or_gdf, report, schema, tolerances, read_options)
        if step:
            step(vocabulary().label("scale_survey_run", n=layer.n_features, n_parts=layer.n_parts))
        with task_client(client, scheduler, n_workers) as c:  # in this process: on all cores (same result)
            return check_survey_partitioned(layer, report, schema, tolerances, client=c,
                                            threads=1 if c is not None else None, progress=progress, step=step)


def _check_survey_empty(source, report, schema, tolerances, read_options) -> SurveyResult:
    """The local check of a layer without features (every feature dropped by the reader)."""
    if isinstance(source, gpd.GeoDataFrame):
        return check_survey(source, report, schema=schema, tolerances=tolerances)
    df, rep = read_layer(source, **_read_options(schema, read_options))
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
    progress: Advance | None = None,
    client=None,
) -> tuple[SurveyResult, dict]:
    """For `pipeline.survey_job`: the survey check on dask from a configured layer (`config.LayerSpec`),
    read in chunks as `survey_job` reads it (`read_layer(path, **spec.read_options(),
    kind=SCHEMA_KIND[schema], require_landuse=False)`). Returns (result, the read report as a dict).
    A layer with no features at all is a LandcheckError (as in `survey_job`)."""
    if schema not in SCHEMA_KIND:
        raise LandcheckError(f"unknown schema '{schema}': choose --schema {'|'.join(SCHEMA_KIND)}.")
    opts = {**spec.read_options(), "kind": SCHEMA_KIND[schema], "require_landuse": False}
    if step:
        step(vocabulary().label("scale_partition_read", names=Path(spec.path).name))
    try:
        layer = partition_survey(spec.path, Path(work_dir) / SURVEY_CHECK_DIR, schema=schema,
                                 partition_size=partition_size, chunk_size=chunk_size, step=step, **opts)
    except EmptyLayer:
        df, rep = read_layer(spec.path, **opts)
        if rep.n_read == 0:
            raise LandcheckError(f"{spec.path}: the layer has no features; nothing to check.") from None
        return check_survey(df, rep, schema=schema, tolerances=tolerances), rep.to_dict()
    result = check_survey_dask(layer, None, schema, tolerances, scheduler=scheduler, n_workers=n_workers,
                               client=client, step=step, progress=progress)
    return result, dict(layer.read_report)
