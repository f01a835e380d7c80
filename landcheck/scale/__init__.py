"""The dask engine: the farmland check and the survey quality check on layers bigger than memory,
with the local engine's results to the last bit. How the work is cut and why the numbers are equal:
docs/scale.md.

Modules: partition (Hilbert-sorted GeoParquet parts and their index), runner (dask client, task
runner, work folder), farmland (the farmland check's tasks), survey (the survey check's tasks).
Each engine runs its check's own map and reduce steps (`checks.farmland`, `checks.survey`); none
re-implements a check.
"""

from .farmland import (
    FarmlandJob,
    check_farmland_dask,
    check_farmland_partitioned,
    farmland_dask_from_specs,
    farmland_task,
    partition_inputs,
)
from .partition import HILBERT, EmptyLayer, PartitionedLayer, partition_layer
from .runner import IN_PROCESS, dask_client
from .survey import (
    SRC_REASON,
    SURVEY_CHECK_DIR,
    check_survey_dask,
    check_survey_partitioned,
    partition_survey,
    survey_dask_from_spec,
)

__all__ = [
    "HILBERT",
    "IN_PROCESS",
    "SRC_REASON",
    "SURVEY_CHECK_DIR",
    "EmptyLayer",
    "FarmlandJob",
    "PartitionedLayer",
    "check_farmland_dask",
    "check_farmland_partitioned",
    "check_survey_dask",
    "check_survey_partitioned",
    "dask_client",
    "farmland_dask_from_specs",
    "farmland_task",
    "partition_inputs",
    "partition_layer",
    "partition_survey",
    "survey_dask_from_spec",
]
