"""The run wiring: each check from files to files (a job), and a whole run from a configuration.

Modules: options (JobOptions), engines (the local engine and the choice of engine behind the
`landcheck.engine.Engine` protocol this package owns), outputs (what every check writes, in one
place), farmland, transfer, survey (the three jobs), main_job (`landcheck run`). Only the CLI imports
this package; nothing here prints.
"""

from ..engine import Engine, EngineOptions, FarmlandRun, SurveyRun
from .engines import LocalEngine, engine_for, read_delivered
from .farmland import farmland_job
from .main_job import RunResult, export_ledger_workbook, once_reader, run, write_run_maps
from .options import JobOptions
from .outputs import CheckOutputs, default_prefix, merge_into_ledger, write_check_map, write_findings, write_outputs
from .survey import SurveyJobResult, survey_job
from .transfer import (BLOCK_COLUMNS, PARCEL_COLUMNS, blocks_for_output, original_fields, parcels_for_output,
                       resolve_field, transfer_job)

__all__ = [
    "BLOCK_COLUMNS", "PARCEL_COLUMNS", "CheckOutputs", "Engine", "EngineOptions", "FarmlandRun", "JobOptions",
    "LocalEngine", "RunResult", "SurveyJobResult", "SurveyRun", "blocks_for_output", "default_prefix", "engine_for",
    "export_ledger_workbook", "farmland_job", "merge_into_ledger", "once_reader", "original_fields",
    "parcels_for_output", "read_delivered", "resolve_field", "run", "survey_job", "transfer_job", "write_check_map",
    "write_findings", "write_outputs", "write_run_maps",
]
