"""A whole run from a configuration: read every layer, run the checks, write the outputs.

The only place besides the CLI that knows about files; every step is a function the tests can
call without the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd

from .config import RunConfig
from .describe import describe_layer
from .export import write_json
from .layers import ReadReport, read_layer

#: Which layers must carry a land-use field, and the kind used to pick a layer among several.
ROLE_READ = {
    "survey": {"kind": "survey", "require_landuse": True},
    "farmland": {"kind": "farmland", "require_landuse": False},
    "transfer": {"kind": "transfer", "require_landuse": False},
    "facility_records": {"kind": "facility", "require_landuse": False},
}

Step = Callable[[str], None]


@dataclass
class RunResult:
    """What a run read and produced."""

    config: RunConfig
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    reports: dict[str, ReadReport] = field(default_factory=dict)
    inputs: dict[str, dict] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    exit_code: int = 0


def read_inputs(config: RunConfig, step: Step | None = None) -> RunResult:
    """Read every configured layer (in a fixed order) and describe it."""
    result = RunResult(config=config)
    for role in ("survey", "farmland", "transfer", "facility_records"):
        spec = config.layers.get(role)
        if spec is None:
            continue
        if step:
            step(f"读取 {role}: {spec.path.name}")
        gdf, report = read_layer(spec.path, **spec.read_options(), **ROLE_READ[role])
        result.layers[role] = gdf
        result.reports[role] = report
        result.inputs[role] = describe_layer(gdf, report)
    return result


def run(config: RunConfig, step: Step | None = None) -> RunResult:
    """The main job on a configuration: read and describe the inputs, write `inputs.json` into the
    output folder. Later checks (farmland, transfer) add their outputs here."""
    result = read_inputs(config, step)
    out = Path(config.output_dir)
    result.outputs["inputs"] = write_json(
        {"township": config.township, "config": str(config.source) if config.source else "bundled sample",
         "inputs": result.inputs},
        out / "inputs.json",
    )
    return result
