"""The local engine (this process, threads) and the choice of engine for a job's options.

The dask engine lives in `landcheck.scale.engine` and is imported only when asked for (dask is an
optional dependency). Nothing here writes a file.
"""

from __future__ import annotations

import geopandas as gpd

from ..checks.farmland import check_farmland
from ..checks.fields import survey_year
from ..config import LayerSpec, Rules, vocabulary
from ..errors import LandcheckError
from ..export import release_free_memory
from ..layers import ReadReport, read_layer
from ..progress import Progress
from ..roles import SCHEMA_KIND, Reader, read_role
from ..engine import Engine, EngineOptions, FarmlandRun, SurveyRun


def read_delivered(layer: LayerSpec, schema: str, progress: Progress) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """A delivered layer as the survey check reads it: the kind of layer from `schema`, no land-use
    field required. A layer without any feature is a LandcheckError."""
    progress.step(vocabulary().label("pipeline_read_layer", name=layer.path.name))
    frame, report = read_layer(layer.path, **layer.read_options(), kind=SCHEMA_KIND[schema], require_landuse=False)
    if len(frame) == 0 and report.n_read == 0:
        raise LandcheckError(f"{layer.path}: the layer has no features; nothing to check.")
    return frame, report


class LocalEngine:
    """The checks on whole layers in this process; `read` reads each input (a run shares its frames)."""

    def __init__(self, read: Reader = read_role):
        self.read = read

    def info(self) -> dict:
        return {"name": "local", "scheduler": None}

    def farmland(self, survey: LayerSpec, farmland: LayerSpec, facility_records: LayerSpec | None, rules: Rules,
                 township: str, threads: int | None, progress: Progress,
                 baseline: LayerSpec | None = None) -> FarmlandRun:
        reports = {}
        progress.step(vocabulary().label("pipeline_read_survey", name=survey.path.name))
        sv, reports["survey"] = self.read("survey", survey)
        progress.step(vocabulary().label("pipeline_read_farmland", name=farmland.path.name))
        fm, reports["farmland"] = self.read("farmland", farmland)
        fac = None
        if facility_records is not None:
            fac, reports["facility_records"] = self.read("facility_records", facility_records)
        base = None
        if baseline is not None:
            progress.step(vocabulary().label("pipeline_read_baseline", name=baseline.path.name))
            base, reports["baseline"] = self.read("baseline", baseline)
        release_free_memory()
        progress.step(vocabulary().label("pipeline_overlay", n_survey=len(sv), n_farmland=len(fm)))
        result = check_farmland(sv, fm, rules, facility_records=fac, township=township, threads=threads,
                                progress=progress, baseline=base, baseline_year=survey_year(base) if base is not None else "",
                                names_only="DLBM" not in reports["survey"].field_map)
        return FarmlandRun(result, {k: r.to_dict() for k, r in reports.items()}, survey=sv, farmland=fm)

    def survey(self, layer: LayerSpec, schema: str, tolerances, threads: int | None, progress: Progress) -> SurveyRun:
        from ..checks.survey import check_survey

        frame, report = read_delivered(layer, schema, progress)
        progress.step(vocabulary().label("pipeline_quality", n=len(frame)))
        return SurveyRun(check_survey(frame, report, schema=schema, tolerances=tolerances, threads=threads), report, frame)


def engine_for(options: EngineOptions, read: Reader = read_role) -> Engine:
    """The engine the options ask for: the dask engine (imported only then), else the local one."""
    if options.is_dask:
        from ..scale.engine import DaskEngine

        return DaskEngine(options)
    return LocalEngine(read)
