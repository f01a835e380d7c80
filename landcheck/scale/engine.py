"""The dask engine behind `landcheck.engine.Engine`: the farmland check and the survey quality check
on spatial partitions. Only an adapter over `scale.farmland` and `scale.survey`; it holds no check.
"""

from __future__ import annotations

from ..engine import EngineOptions, FarmlandRun, SurveyRun
from .farmland import farmland_dask_from_specs
from .runner import work_folder
from .survey import survey_dask_from_spec
from ..config import vocabulary


class DaskEngine:
    """The checks on partitions on a dask cluster (a LocalCluster, or the scheduler of the options)."""

    def __init__(self, options: EngineOptions):
        self.options = options

    def info(self) -> dict:
        return {"name": "dask", "scheduler": self.options.scheduler}

    def farmland(self, survey, farmland, facility_records, rules, township, threads, progress, baseline=None) -> FarmlandRun:
        with work_folder(self.options.work_dir) as work:
            result, reports = farmland_dask_from_specs(
                survey, farmland, rules, facility_records, township, baseline=baseline, work_dir=work,
                scheduler=self.options.scheduler,
                n_workers=self.options.workers(threads), step=progress.step,
                progress=progress.counter(vocabulary().label("scale_farmland_tasks")))
        return FarmlandRun(result, reports)

    def survey(self, layer, schema, tolerances, threads, progress) -> SurveyRun:
        with work_folder(self.options.work_dir) as work:
            quality, report = survey_dask_from_spec(
                layer, schema, tolerances, work_dir=work, scheduler=self.options.scheduler,
                n_workers=self.options.workers(threads), step=progress.step,
                progress=progress.counter(vocabulary().label("pipeline_dask_survey")))
        return SurveyRun(quality, report)
