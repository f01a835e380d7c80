"""The run wiring: each check from files to files (a job), and a whole run from a configuration.

Modules: options (JobOptions), engines (the local engine and the choice of engine behind the
`landcheck.engine.Engine` protocol this package owns), outputs (what every check writes, in one
place), farmland, transfer, survey (the three jobs), main_job (`landcheck run`). Only the CLI imports
this package; nothing here prints. Its names are imported on first use (`EXPORTS`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine import Engine, EngineOptions, FarmlandRun, SurveyRun
    from .engines import LocalEngine, engine_for, read_delivered
    from .farmland import farmland_job
    from .main_job import RunResult, export_ledger_workbook, once_reader, run, write_run_maps
    from .options import JobOptions
    from .outputs import CheckOutputs, default_prefix, merge_into_ledger, write_check_map, write_findings, write_outputs
    from .survey import SurveyJobResult, survey_job
    from .transfer import (BLOCK_COLUMNS, PARCEL_COLUMNS, blocks_for_output, original_fields, parcels_for_output,
                           resolve_field, transfer_job)

#: Where each name of the package lives: imported on first use (PEP 562), so that importing one job
#: (`landcheck farmland` → pipeline.farmland) does not import the others' checks (scipy, spreadsheets).
EXPORTS = {
    **dict.fromkeys(["Engine", "EngineOptions", "FarmlandRun", "SurveyRun"], "landcheck.engine"),
    **dict.fromkeys(["LocalEngine", "engine_for", "read_delivered"], "landcheck.pipeline.engines"),
    "farmland_job": "landcheck.pipeline.farmland",
    **dict.fromkeys(["RunResult", "export_ledger_workbook", "once_reader", "run", "write_run_maps"],
                    "landcheck.pipeline.main_job"),
    "JobOptions": "landcheck.pipeline.options",
    **dict.fromkeys(["CheckOutputs", "default_prefix", "merge_into_ledger", "write_check_map", "write_findings",
                     "write_outputs"], "landcheck.pipeline.outputs"),
    **dict.fromkeys(["SurveyJobResult", "survey_job"], "landcheck.pipeline.survey"),
    **dict.fromkeys(["BLOCK_COLUMNS", "PARCEL_COLUMNS", "blocks_for_output", "original_fields", "parcels_for_output",
                     "resolve_field", "transfer_job"], "landcheck.pipeline.transfer"),
}


def __getattr__(name: str):
    if name not in EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *EXPORTS})


__all__ = [
    "BLOCK_COLUMNS", "PARCEL_COLUMNS", "CheckOutputs", "Engine", "EngineOptions", "FarmlandRun", "JobOptions",
    "LocalEngine", "RunResult", "SurveyJobResult", "SurveyRun", "blocks_for_output", "default_prefix", "engine_for",
    "export_ledger_workbook", "farmland_job", "merge_into_ledger", "once_reader", "original_fields",
    "parcels_for_output", "read_delivered", "resolve_field", "run", "survey_job", "transfer_job", "write_check_map",
    "write_findings", "write_outputs", "write_run_maps",
]
