"""The main job (`landcheck run`): every check a configuration names, the ledger, its workbook and the
village maps, with each input read once.

Wires the jobs together; computes no finding and formats nothing for the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from ..checks.farmland import FarmlandResult
from ..checks.transfer import TransferResult
from ..config import LayerSpec, RunConfig, vocabulary
from ..layers import ReadReport
from ..manifest import clean_stale, write_manifest
from ..progress import SILENT, Progress
from ..roles import Reader, read_role
from .farmland import farmland_job
from .options import JobOptions
from .transfer import transfer_job


@dataclass
class RunResult:
    """What a run read and produced."""

    config: RunConfig
    outputs: dict[str, Path] = field(default_factory=dict)
    farmland: FarmlandResult | None = None
    transfer: TransferResult | None = None
    supplement: dict | None = None  # the 调出补划 summary (summary.json) when [supplement] found a need
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0


def once_reader() -> Reader:
    """A `read_role` that reads each (role, layer) once and hands out the same frame afterwards: a
    run's checks and maps share the survey and the farmland instead of reading them again. The
    checks do not modify their inputs."""
    cache: dict[tuple, tuple[gpd.GeoDataFrame, ReadReport]] = {}

    def read(role: str, spec: LayerSpec) -> tuple[gpd.GeoDataFrame, ReadReport]:
        key = (role, str(spec.path), spec.layer, spec.crs, spec.encoding, tuple(sorted((spec.fields or {}).items())))
        if key not in cache:
            cache[key] = read_role(role, spec)
        return cache[key]

    return read


def run(config: RunConfig, progress: Progress = SILENT, unknown_codes: str = "warn", allow_partial: bool = False,
        allow_drops: bool = False) -> RunResult:
    """The main job on a configuration: the farmland check (when survey and farmland layers are
    configured) into `{output}/farmland/`, the transfer check (when a transfer layer is) into
    `{output}/transfer/`, both merged into `{output}/ledger.gpkg`. Exit code 1 when anything is found
    (`landcheck run` exits 0 unless --fail-on-findings). A ledger of another township or id prefix
    stops the run before anything is written (LandcheckError), as does an unknown `[output] basemap`.
    `unknown_codes`, `allow_partial` and `allow_drops` as in `JobOptions`."""
    import os

    from ..ledger import check_identity, read_meta
    from ..maps import check_basemap

    check_basemap(config.basemap, os.environ.get("TIANDITU_KEY") or None)  # before any work, not after the checks
    result = RunResult(config=config)
    out = Path(config.output_dir)
    ledger_path = out / "ledger.gpkg"
    if ledger_path.exists():
        check_identity(read_meta(ledger_path), {"township": config.township, "id_prefix": config.prefix}, ledger_path)
    clean_stale(out)  # its own files (ledger, workbook) are listed at the end; a refused run leaves its manifest
    read = once_reader()

    def options(folder: str) -> JobOptions:
        return JobOptions(out / folder, township=config.township, ledger_path=ledger_path, prefix=config.prefix,
                          progress=progress, read=read, unknown_codes=unknown_codes, allow_partial=allow_partial,
                          allow_drops=allow_drops)

    if "survey" in config.layers and "farmland" in config.layers:
        fr, outputs = farmland_job(config.layers["survey"], config.layers["farmland"], options("farmland"),
                                   facility_records=config.layers.get("facility_records"),
                                   baseline=config.layers.get("baseline"))
        result.farmland = fr
        result.outputs.update({f"farmland_{k}": v for k, v in outputs.items() if k != "ledger"})
        if fr.summary["n_findings"]:
            result.exit_code = 1
    if "transfer" in config.layers:
        from ..checks.transfer import suggest_group_field

        import pyogrio

        spec = config.layers["transfer"]
        fields = list(pyogrio.read_info(str(spec.path), layer=spec.layer)["fields"]) if spec.path.suffix != ".parquet" else []
        tr, outputs = transfer_job(
            spec, options("transfer"), by=suggest_group_field(fields), min_mu=config.min_block_mu,
            target_mu=config.transfer_target_mu, farmland=config.layers.get("farmland"),
            survey=config.layers.get("survey"))
        result.transfer = tr
        result.outputs.update({f"transfer_{k}": v for k, v in outputs.items() if k != "ledger"})
        if tr.summary.get("n_findings"):
            result.exit_code = 1
    if ledger_path.exists():
        result.outputs["ledger"] = ledger_path
        result.outputs.update(export_ledger_workbook(ledger_path, out / vocabulary().label("pipeline_workbook_file"), result, progress))
        result.outputs.update(write_run_maps(config, ledger_path, progress, read=read, transfer=result.transfer))
    if config.supplement is not None and "survey" in config.layers and "farmland" in config.layers:
        from .supplement import run_supplement  # 调出补划 (issue 17), only with [supplement]

        outputs, result.supplement = run_supplement(config, ledger_path, read, result.warnings)
        result.outputs.update({f"supplement_{k}": v for k, v in outputs.items()})
        met = result.supplement is None or result.supplement["all_met"]
        result.exit_code = result.exit_code or (0 if met else 1)
    own = [p for p in result.outputs.values() if Path(p).parent.resolve() == out.resolve()]
    write_manifest(out, own, keep=True, mutable=own)  # the ledger and its workbook change by officers' hands
    return result


def write_run_maps(config: RunConfig, ledger_path: Path, progress: Progress = SILENT, *, read: Reader = read_role,
                   transfer: TransferResult | None = None) -> dict[str, Path]:
    """The township map and one page per village (with an index) from the ledger's tasks, over the
    farmland, the survey's land use and the transfer blocks (from `transfer`), into
    `{maps}/villages/`: assets inlined (they work offline) unless `config.online_assets`, tiles from `config.basemap`."""
    import os

    from ..maps import (GCJ02_BASEMAPS, check_basemap, prepare_context, prepare_findings, read_source, village_codes,
                        write_village_maps)

    key = os.environ.get("TIANDITU_KEY") or None
    check_basemap(config.basemap, key)
    progress.step(vocabulary().label("pipeline_run_maps"))
    frames = {role: read(role, config.layers[role])[0] for role in ("farmland", "survey") if role in config.layers}
    blocks = transfer.blocks if transfer is not None else None
    min_mu = transfer.summary.get("min_mu", 100.0) if transfer is not None else 100.0
    ctx = prepare_context(frames.get("farmland"), frames.get("survey"), blocks=blocks, block_min_mu=min_mu,
                          gcj02=config.basemap in GCJ02_BASEMAPS)
    view = prepare_findings(read_source(ledger_path).frame, codes=village_codes(frames.get("survey")))
    pages = write_village_maps(view, Path(config.maps_dir) / "villages", farmland=ctx.get("farmland"),
                               survey=ctx.get("survey"), blocks=ctx.get("blocks"), block_min_mu=min_mu, offline=not config.online_assets,
                               basemap=config.basemap, tianditu_key=key,
                               title=f"{config.township or vocabulary().label('pipeline_township')} {vocabulary().label('pipeline_map_title')}")
    return {"map_index": pages["index"], "map_township": pages["township"]}


def export_ledger_workbook(ledger_path: Path, xlsx: Path, result: RunResult, progress: Progress = SILENT) -> dict[str, Path]:
    """Write the 整改台账 workbook, unless officers edited the existing one and have not imported it:
    then it is left alone and the run says so (their edits are never overwritten)."""
    from ..spreadsheet import UnimportedEditsError, export_xlsx

    progress.step(vocabulary().label("pipeline_workbook", name=xlsx.name))
    try:
        return {"ledger_xlsx": export_xlsx(ledger_path, xlsx, county=result.config.county)}
    except UnimportedEditsError as exc:
        # the run has no --force: suggest the import, not the overwrite (exc.message names --force)
        result.warnings.append(f"{xlsx} not rewritten: it has edits not yet imported into the ledger. Import it "
                               f"(landcheck ledger import {ledger_path} {xlsx}), then run again. ({type(exc).__name__})")
        return {}
