"""What a job needs from an engine: the `Engine` protocol, the engine options and what an engine returns.

The interface the run wiring (`pipeline`) owns; the local engine (`pipeline.engines`) and the dask
engine (`scale.engine`) implement it. It knows neither, so that scale never imports pipeline.
It reads nothing and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import geopandas as gpd

from . import overlay
from .config import LayerSpec, Rules
from .progress import Progress

if TYPE_CHECKING:
    from .checks.farmland import FarmlandResult
    from .checks.survey import SurveyResult, SurveyTolerances
    from .layers import ReadReport


@dataclass(frozen=True)
class EngineOptions:
    """Where the checks run: `local` (this process, threads) or `dask` (partitions on a dask cluster:
    a LocalCluster of `n_workers` processes, or the scheduler at `scheduler`). `work_dir` holds the
    GeoParquet parts (shared with the workers of a remote cluster); None: a temporary folder."""

    name: str = "local"
    scheduler: str | None = None
    work_dir: Path | None = None
    n_workers: int | None = None

    @property
    def is_dask(self) -> bool:
        return self.name == "dask" or self.scheduler is not None

    def workers(self, threads: int | None) -> int:
        """Worker processes of a local dask cluster: `n_workers`, else as many as overlay threads."""
        return self.n_workers or overlay.n_threads(threads)


@dataclass
class FarmlandRun:
    """The farmland check as an engine ran it: the result, the read report of every input (dicts, as
    summary.json holds them) and the whole layers when the engine read them (None on partitions)."""

    result: FarmlandResult
    read_reports: dict[str, dict]
    survey: gpd.GeoDataFrame | None = None
    farmland: gpd.GeoDataFrame | None = None


@dataclass
class SurveyRun:
    """The survey quality check as an engine ran it: the result, the layer's read report and the
    whole layer when the engine read it (None on partitions)."""

    quality: SurveyResult
    read_report: ReadReport | dict
    layer: gpd.GeoDataFrame | None = None


class Engine(Protocol):
    """Runs the checks that have a partitioned form; everything else a job does in this process."""

    def info(self) -> dict:
        """The engine as summary.json names it: {"name": …, "scheduler": …}."""

    def farmland(self, survey: LayerSpec, farmland: LayerSpec, facility_records: LayerSpec | None, rules: Rules,
                 township: str, threads: int | None, progress: Progress,
                 baseline: LayerSpec | None = None) -> FarmlandRun:
        """The farmland check from configured layers (`baseline`: last year's survey, for 新增/存量)."""

    def survey(self, layer: LayerSpec, schema: str, tolerances: SurveyTolerances, threads: int | None,
               progress: Progress) -> SurveyRun:
        """The survey quality check of a delivered layer, read as `--schema` says."""

