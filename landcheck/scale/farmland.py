"""The farmland check on dask: one task per farmland part runs `checks.farmland.farmland_partial` on
the polygons it owns (with their overlapping neighbours and the survey patches that may meet them);
the client runs `farmland_reduce`. The result equals `check_farmland`'s (see docs/scale.md).

Re-implements nothing of the check: it reads parts and runs the check's own map and reduce steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from .. import units
from ..checks.farmland import (
    FarmlandPartial,
    FarmlandResult,
    farmland_partial,
    farmland_reduce,
    judgement_for,
)
from ..checks.facilities import allowed_union
from ..checks.fields import survey_year
from ..config import Rules, vocabulary
from ..progress import Advance
from ..roles import ROLE_READ, read_role
from .partition import PartitionedLayer, concat_parts, partition_layer
from .runner import Step, run_tasks, share, task_client, work_folder


@dataclass(frozen=True)
class FarmlandJob:
    """What every farmland task receives (scattered once to each worker)."""

    survey: PartitionedLayer
    farmland: PartitionedLayer
    rules: Rules
    township: str
    work_crs: str
    out_crs: str
    threads: int = 1


def farmland_task(q: int, job: FarmlandJob, rec_union: Any) -> FarmlandPartial:
    """Task q: the farmland of part q, its overlapping neighbours and the patches that may meet it."""
    fl, sl = job.farmland, job.survey
    own = fl.read(q)
    bounds = fl.parts[q]["bounds"]
    ctx = [own.assign(_lc_owned=True)]
    for i in fl.parts_meeting(bounds):
        if i != q:
            ctx.append(fl.read(i, bbox=bounds).assign(_lc_owned=False))
    fm = concat_parts(ctx, fl.crs_obj)
    sv = concat_parts([sl.read(i, bbox=bounds) for i in sl.parts_meeting(bounds)], sl.crs_obj)
    owned = fm.pop("_lc_owned").to_numpy(dtype=bool)
    return farmland_partial(sv, fm, owned, job.rules, rec_union, job.township, job.work_crs, job.out_crs,
                            threads=job.threads)


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
                         to_crs="metric", step=step, **(survey_read or {}))
    fm = partition_layer(farmland, out / "farmland", n_parts=sv.n_parts, chunk_size=chunk_size,
                         to_crs=sv.crs_obj, step=step, **(farmland_read or {}))
    return sv, fm


def check_farmland_partitioned(
    survey: PartitionedLayer,
    farmland: PartitionedLayer,
    rules: Rules,
    facility_records: gpd.GeoDataFrame | None = None,
    township: str = "",
    *,
    client=None,
    threads: int = 1,
    progress: Advance | None = None,
    baseline: gpd.GeoDataFrame | None = None,
    names_only: bool = False,
) -> FarmlandResult:
    """`check_farmland` on partitioned layers: one task per farmland part, on a dask `client`
    (`distributed.Client`), or one after the other in this process when `client` is None. Both
    layers must be stored in the check's metric CRS (`partition_inputs` does that)."""
    work_crs = units.metric_crs(survey.source_crs_obj, tuple(survey.source_bounds))
    if survey.crs_obj != work_crs or farmland.crs_obj != work_crs:
        raise ValueError(f"partitioned layers must be stored in the check's CRS {work_crs.to_string()}: "
                         f"partition them with partition_inputs() or partition_layer(to_crs=…)")
    out_crs = survey.source_crs_obj
    judgement = judgement_for(rules, facility_records, baseline, survey_year(baseline) if baseline is not None else "",
                              names_only=names_only, threads=threads)
    rec_union = allowed_union(judgement.records, work_crs)
    job = FarmlandJob(survey, farmland, rules, township, work_crs.to_json(), out_crs.to_json(), threads)
    partials = run_tasks(client, farmland_task, [(q,) for q in range(farmland.n_parts)], share(client, [job, rec_union]),
                         vocabulary().label("scale_farmland_tasks"), progress, None)
    return farmland_reduce([p for p in partials if p is not None], work_crs, out_crs, judgement,
                           n_farmland=farmland.n_features)


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
    progress: Advance | None = None,
    step: Step | None = None,
    baseline: gpd.GeoDataFrame | None = None,
    names_only: bool = False,
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
    frames = isinstance(survey, gpd.GeoDataFrame) and isinstance(farmland, gpd.GeoDataFrame)
    if frames and (survey.crs is None or farmland.crs is None):
        raise ValueError("survey and farmland need a CRS")
    given = isinstance(survey, PartitionedLayer), isinstance(farmland, PartitionedLayer)
    if any(given) and not all(given):
        raise ValueError("give both layers partitioned (partition_inputs) or neither")
    with work_folder(work_dir, needed=not all(given)) as base:
        if not all(given):
            if step:
                step(vocabulary().label("scale_partitioning"))
            survey, farmland = partition_inputs(
                survey, farmland, base, partition_size=partition_size, chunk_size=chunk_size,
                survey_read={"kind": "survey", "require_landuse": True}, farmland_read={"kind": "farmland"}, step=step)
        if step:
            step(vocabulary().label("scale_farmland_run", 
                n_survey=survey.n_features, n_farmland=farmland.n_features, n_parts=farmland.n_parts))
        with task_client(client, scheduler, n_workers) as c:
            return check_farmland_partitioned(survey, farmland, rules, facility_records, township, client=c,
                                              progress=progress, baseline=baseline, names_only=names_only)


def farmland_dask_from_specs(
    survey,
    farmland,
    rules: Rules,
    facility_records=None,
    township: str = "",
    *,
    baseline=None,
    work_dir: str | Path,
    scheduler: str | None = None,
    n_workers: int = 2,
    partition_size: int = 50_000,
    chunk_size: int = 100_000,
    step: Step | None = None,
    progress: Advance | None = None,
    client=None,
) -> tuple[FarmlandResult, dict]:
    """For `pipeline.farmland_job`: the farmland check on dask from configured layers
    (`config.LayerSpec`), reading each role as `roles.read_role` does but in chunks. Returns the
    result and the read reports by role (dicts, as `summary.json` holds them)."""
    if step:
        step(vocabulary().label("scale_partition_read", names=f"{Path(survey.path).name}, {Path(farmland.path).name}"))
    sv, fm = partition_inputs(
        survey.path, farmland.path, work_dir, partition_size=partition_size, chunk_size=chunk_size,
        survey_read={**survey.read_options(), **ROLE_READ["survey"]},
        farmland_read={**farmland.read_options(), **ROLE_READ["farmland"]}, step=step)
    reports = {"survey": sv.read_report, "farmland": fm.read_report}
    fac = None
    if facility_records is not None:
        fac, rep = read_role("facility_records", facility_records)
        reports["facility_records"] = rep.to_dict()
    base = None
    if baseline is not None:  # read whole: the judgment splits findings along it (docs/scale.md)
        base, rep = read_role("baseline", baseline)
        reports["baseline"] = rep.to_dict()
    result = check_farmland_dask(sv, fm, rules, fac, township, scheduler=scheduler, n_workers=n_workers,
                                 client=client, progress=progress, step=step, baseline=base,
                                 names_only="DLBM" not in (sv.read_report or {}).get("field_map", {"DLBM": ""}))
    return result, reports
