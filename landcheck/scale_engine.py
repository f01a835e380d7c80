"""The dask engine behind `pipeline.engine.Engine`: the farmland check and the survey quality check
on spatial partitions, through `landcheck.scale`.

Only an adapter: it imports `landcheck.scale` and pipeline's engine module, never pipeline's jobs,
and holds no check of its own.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .pipeline.engine import EngineOptions, FarmlandRun, SurveyRun, label
from .scale import farmland_dask_from_specs, survey_dask_from_spec


@contextmanager
def work_folder(work_dir: Path | None) -> Iterator[Path]:
    """`work_dir` (created when missing), or a temporary folder removed afterwards."""
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        yield Path(work_dir)
        return
    tmp = Path(tempfile.mkdtemp(prefix="landcheck-dask-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class DaskEngine:
    """The checks on partitions on a dask cluster (a LocalCluster, or the scheduler of the options)."""

    def __init__(self, options: EngineOptions):
        self.options = options

    def info(self) -> dict:
        return {"name": "dask", "scheduler": self.options.scheduler}

    def farmland(self, survey, farmland, facility_records, rules, township, threads, progress) -> FarmlandRun:
        with work_folder(self.options.work_dir) as work:
            result, reports = farmland_dask_from_specs(
                survey, farmland, rules, facility_records, township, work_dir=work, scheduler=self.options.scheduler,
                n_workers=self.options.workers(threads), step=progress.step,
                progress=progress.counter(label("pipeline_dask_farmland")))
        return FarmlandRun(result, reports)

    def survey(self, layer, schema, tolerances, threads, progress) -> SurveyRun:
        with work_folder(self.options.work_dir) as work:
            quality, report = survey_dask_from_spec(
                layer, schema, tolerances, work_dir=work, scheduler=self.options.scheduler,
                n_workers=self.options.workers(threads), step=progress.step,
                progress=progress.counter(label("pipeline_dask_survey")))
        return SurveyRun(quality, report)
