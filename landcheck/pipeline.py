"""A whole run from a configuration: read every layer, run the checks, write the outputs.

The only place besides the CLI that knows about files; every step is a function the tests can
call without the CLI.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import geopandas as gpd

from . import overlay, units
from .checks.farmland import FarmlandResult, check_farmland
from .checks.transfer import TransferResult, check_transfer
from .errors import LandcheckError
from .config import LayerSpec, RunConfig, load_rules
from .export import write_csv, write_gpkg, write_json
from .findings import for_output
from .layers import ReadReport, read_layer
from .roles import ROLE_READ, SCHEMA_KIND, Reader, read_role  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from .checks.changes import ChangeResult
    from .checks.survey import SurveyResult

Step = Callable[[str], None]


@dataclass
class RunResult:
    """What a run read and produced."""

    config: RunConfig
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    reports: dict[str, ReadReport] = field(default_factory=dict)
    inputs: dict[str, dict] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    farmland: FarmlandResult | None = None
    transfer: TransferResult | None = None
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


def write_findings(findings: gpd.GeoDataFrame, out: Path) -> dict[str, Path]:
    """findings.gpkg (layer `findings`) and findings.csv (utf-8-sig, formula-safe) in `out`."""
    rows = for_output(findings)
    return {
        "findings_gpkg": write_gpkg(rows, out / "findings.gpkg", layer="findings"),
        "findings_csv": write_csv(rows.drop(columns="geometry"), out / "findings.csv"),
    }


def default_prefix(findings: gpd.GeoDataFrame, township: str = "") -> str:
    """Issue-id prefix when none is configured: the township name, else the township code the
    findings carry (ZLDWDM[:9]), else LC."""
    if township:
        return township
    towns = [t for t in findings["township"].unique() if t] if len(findings) else []
    return towns[0] if towns else "LC"


def merge_into_ledger(findings: gpd.GeoDataFrame, ledger_path: Path, prefix: str, checks: tuple[str, ...],
                      step: Step | None = None, scope: gpd.GeoDataFrame | None = None) -> dict:
    """Merge a run's findings into the ledger; returns what changed (for summary.json). `scope`: the
    layer the run looked at; tasks outside it are not marked 待复核（已消失）."""
    from .ledger import merge_findings

    if step:
        step(f"更新整改台账 {ledger_path.name}")
    return merge_findings(ledger_path, findings, prefix=prefix, checks=checks,
                          scope=scope.geometry if scope is not None else None).to_dict()


@dataclass(frozen=True)
class Engine:
    """Where the checks run: `local` (this process, threads) or `dask` (partitions on a dask cluster:
    a LocalCluster of `n_workers` processes, or the scheduler at `scheduler`). `work_dir` holds the
    GeoParquet parts (it must be shared with the workers of a remote cluster); None: a temporary
    folder, removed afterwards."""

    name: str = "local"
    scheduler: str | None = None
    work_dir: Path | None = None
    n_workers: int | None = None

    @property
    def is_dask(self) -> bool:
        return self.name == "dask" or self.scheduler is not None


@contextmanager
def engine_work_dir(engine: Engine):
    """The engine's work folder; a temporary one (removed afterwards) when none was given."""
    if engine.work_dir is not None:
        Path(engine.work_dir).mkdir(parents=True, exist_ok=True)
        yield Path(engine.work_dir)
        return
    tmp = Path(tempfile.mkdtemp(prefix="landcheck-dask-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _advance(step: Step | None, label: str):
    """A (done, total) progress callback drawing on the CLI's bar, or None."""
    advance = getattr(step, "advance", None)
    return (lambda done, total: advance(label, done, total)) if advance else None


def farmland_job(
    survey: LayerSpec,
    farmland: LayerSpec,
    output_dir: Path,
    facility_records: LayerSpec | None = None,
    rules_path: Path | None = None,
    township: str = "",
    step: Step | None = None,
    threads: int | None = None,
    ledger_path: Path | None = None,
    prefix: str | None = None,
    map_path: Path | None = None,
    read: Reader = read_role,
    engine: Engine = Engine(),
) -> tuple[FarmlandResult, dict[str, Path]]:
    """The farmland check from files to files: findings.gpkg, findings.csv, summary.json, the
    findings merged into the ledger when `ledger_path` is given, and an inspection map at
    `map_path` (of the ledger's farmland tasks when there is a ledger, else of the findings).
    With the dask `engine` the layers are read in chunks and checked by partitions (same result);
    its map then carries the findings without the context layers (which would need whole layers)."""
    rules = load_rules(rules_path)
    if engine.is_dask:
        from .scale import farmland_dask_from_specs

        with engine_work_dir(engine) as work:
            result, read_reports = farmland_dask_from_specs(
                survey, farmland, rules, facility_records, township, work_dir=work, scheduler=engine.scheduler,
                n_workers=engine.n_workers or overlay.n_threads(threads), step=step,
                progress=_advance(step, "分区套合"))
        result.summary["engine"] = {"name": "dask", "scheduler": engine.scheduler}
        return _farmland_outputs(result, read_reports, rules, output_dir, township, step, ledger_path, prefix,
                                 map_path, None, None)
    reports = {}
    if step:
        step(f"读取地类图斑 {survey.path.name}")
    sv, reports["survey"] = read("survey", survey)
    if step:
        step(f"读取永久基本农田 {farmland.path.name}")
    fm, reports["farmland"] = read("farmland", farmland)
    fac = None
    if facility_records is not None:
        fac, reports["facility_records"] = read("facility_records", facility_records)
    if step:
        step(f"套合分析 {len(sv)} 图斑 × {len(fm)} 永久基本农田图斑")
    result = check_farmland(sv, fm, rules, facility_records=fac, township=township, threads=threads,
                            progress=getattr(step, "advance", None))
    result.summary["engine"] = {"name": "local", "scheduler": None}
    return _farmland_outputs(result, {k: r.to_dict() for k, r in reports.items()}, rules, output_dir, township, step,
                             ledger_path, prefix, map_path, fm, sv)


def _farmland_outputs(result: FarmlandResult, read_reports: dict, rules, output_dir: Path, township: str,
                      step: Step | None, ledger_path: Path | None, prefix: str | None, map_path: Path | None,
                      fm: gpd.GeoDataFrame | None, sv: gpd.GeoDataFrame | None) -> tuple[FarmlandResult, dict[str, Path]]:
    """Write what the farmland check found (either engine): findings, ledger, map, summary.json."""
    result.summary["rules"] = rules.source
    result.summary["thresholds"] = {"sliver_width_m": rules.sliver_width_m, "min_area_m2": rules.min_area_m2}
    result.summary["read_report"] = read_reports
    if step:
        step("写出结果")
    out = Path(output_dir)
    outputs = write_findings(result.findings, out)
    if ledger_path is not None:
        result.summary["ledger"] = merge_into_ledger(
            result.findings, Path(ledger_path), prefix or default_prefix(result.findings, township), ("farmland",), step,
            scope=sv)
        outputs["ledger"] = Path(ledger_path)
    if map_path is not None:
        outputs["map"] = write_check_map(result.findings, Path(map_path), "farmland", ledger_path, farmland=fm, survey=sv,
                                         title=f"{township or ''} 永久基本农田核查图".strip(), step=step)
    outputs["summary"] = write_json(result.summary, out / "summary.json")
    return result, outputs


def write_check_map(findings: gpd.GeoDataFrame, path: Path, check: str, ledger_path: Path | None = None, *,
                    farmland: gpd.GeoDataFrame | None = None, survey: gpd.GeoDataFrame | None = None,
                    blocks: gpd.GeoDataFrame | None = None, block_min_mu: float = 100.0, title: str = "现场核查图",
                    step: Step | None = None) -> Path:
    """One inspection map (HTML) of one check's results: the ledger's tasks of `check` (with issue
    ids, statuses and deadlines) when there is a ledger, else the findings themselves."""
    from .maps import inspection_map, read_source, write_map

    if step:
        step(f"绘制核查地图 {Path(path).name}")
    shown = findings
    if ledger_path is not None and Path(ledger_path).exists():
        tasks = read_source(ledger_path).frame
        shown = tasks[tasks["check"] == check]
    m = inspection_map(shown, farmland=farmland, survey=survey, blocks=blocks, block_min_mu=block_min_mu, title=title)
    return write_map(m, path)


def run(config: RunConfig, step: Step | None = None) -> RunResult:
    """The main job on a configuration: the farmland check (when survey and farmland layers are
    configured) into `{output}/farmland/`. Exit code 1 when anything is found."""
    result = RunResult(config=config)
    out = Path(config.output_dir)
    ledger_path = out / "ledger.gpkg"
    read = once_reader()
    if "survey" in config.layers and "farmland" in config.layers:
        fr, outputs = farmland_job(
            config.layers["survey"], config.layers["farmland"], out / "farmland",
            facility_records=config.layers.get("facility_records"), township=config.township, step=step,
            ledger_path=ledger_path, prefix=config.prefix, read=read,
        )
        result.farmland = fr
        result.outputs.update({f"farmland_{k}": v for k, v in outputs.items() if k != "ledger"})
        if fr.summary["n_findings"]:
            result.exit_code = 1
    if "transfer" in config.layers:
        from .checks.transfer import suggest_group_field

        import pyogrio

        spec = config.layers["transfer"]
        fields = list(pyogrio.read_info(str(spec.path), layer=spec.layer)["fields"]) if spec.path.suffix != ".parquet" else []
        tr, outputs = transfer_job(
            spec, out / "transfer", by=suggest_group_field(fields), min_mu=config.min_block_mu,
            target_mu=config.transfer_target_mu, farmland=config.layers.get("farmland"),
            survey=config.layers.get("survey"), township=config.township, step=step,
            ledger_path=ledger_path, prefix=config.prefix, read=read)
        result.transfer = tr
        result.outputs.update({f"transfer_{k}": v for k, v in outputs.items() if k != "ledger"})
        if tr.summary.get("n_findings"):
            result.exit_code = 1
    if ledger_path.exists():
        result.outputs["ledger"] = ledger_path
        result.outputs.update(export_ledger_workbook(ledger_path, out / "整改台账.xlsx", result, step))
        result.outputs.update(write_run_maps(config, ledger_path, step, read=read, transfer=result.transfer))
    return result


def write_run_maps(config: RunConfig, ledger_path: Path, step: Step | None = None, *, read: Reader = read_role,
                   transfer: TransferResult | None = None) -> dict[str, Path]:
    """The township map and one page per village (with an index) from the ledger's tasks, over the
    farmland, the survey's land use and the transfer blocks (from `transfer`), into
    `{maps}/villages/`."""
    from .maps import prepare_context, prepare_findings, read_source, write_village_maps

    if step:
        step("绘制现场核查地图")
    frames = {role: read(role, config.layers[role])[0] for role in ("farmland", "survey") if role in config.layers}
    blocks = transfer.blocks if transfer is not None else None
    min_mu = transfer.summary.get("min_mu", 100.0) if transfer is not None else 100.0
    ctx = prepare_context(frames.get("farmland"), frames.get("survey"), blocks=blocks, block_min_mu=min_mu)
    view = prepare_findings(read_source(ledger_path).frame)
    pages = write_village_maps(view, Path(config.maps_dir) / "villages", farmland=ctx.get("farmland"),
                               survey=ctx.get("survey"), blocks=ctx.get("blocks"),
                               title=f"{config.township or '乡镇'} 现场核查图")
    return {"map_index": pages["index"], "map_township": pages["township"]}


def export_ledger_workbook(ledger_path: Path, xlsx: Path, result: RunResult, step: Step | None = None) -> dict[str, Path]:
    """Write the 整改台账 workbook, unless officers edited the existing one and have not imported it:
    then it is left alone and the run says so (their edits are never overwritten)."""
    from .spreadsheet import UnimportedEditsError, export_xlsx

    if step:
        step(f"写出整改台账 {xlsx.name}")
    try:
        return {"ledger_xlsx": export_xlsx(ledger_path, xlsx, county=result.config.township)}
    except UnimportedEditsError as exc:
        result.warnings.append(f"{xlsx} not rewritten: {exc.message}")
        return {}


# ------------------------------------------------------------------------------------------
# land transfer, files to files
# ------------------------------------------------------------------------------------------
BLOCK_COLUMNS = ("block_id", "group", "n_parcels", "parcel_ids", "villages", "area_m2", "area_mu", "below_min")
#: Columns the check adds to each parcel in parcels.gpkg (layer `parcels`), before the layer's own fields.
PARCEL_COLUMNS = ("parcel_id", "block_id", "group", "village", "area_m2", "area_mu", "below_min", "overlaps_with")


def resolve_field(name: str, columns, field_map: dict[str, str]) -> str | None:
    """The column of the read layer that the user's field `name` is: itself, or the canonical name the
    reader gave it (村名 → ZLDWMC, 地块编号 → DKBM); case-insensitive. None when there is none."""
    cols = [str(c) for c in columns]
    if name in cols:
        return name
    for canon, original in field_map.items():
        if original == name or original.upper() == name.upper():
            return canon
    upper = {c.upper(): c for c in cols}
    return upper.get(name.upper())


def original_fields(df: gpd.GeoDataFrame, field_map: dict[str, str]) -> list[str]:
    """The layer's field names as the file spells them (the reader's canonical names mapped back)."""
    return [field_map.get(str(c), str(c)) for c in df.columns if c not in (df.geometry.name, "feature_id", "feature_no")]


def transfer_job(
    transfer: LayerSpec,
    output_dir: Path,
    *,
    by: str | None = None,
    min_mu: float | None = None,
    gap_m: float | None = None,
    target_mu: float = 5000.0,
    farmland: LayerSpec | None = None,
    survey: LayerSpec | None = None,
    rules_path: Path | None = None,
    township: str = "",
    step: Step | None = None,
    threads: int | None = None,
    ledger_path: Path | None = None,
    prefix: str | None = None,
    map_path: Path | None = None,
    read: Reader = read_role,
) -> tuple[TransferResult, dict[str, Path]]:
    """The transfer check from files to files, into `output_dir`: blocks.gpkg (layer blocks),
    parcels.gpkg (layer parcels, the layer's own field names kept), findings.gpkg + findings.csv and
    summary.json (with the read report of every input); the findings merged into the ledger when
    `ledger_path` is given, and an inspection map of every block beside the findings at `map_path`.
    `by` names a field of the transfer layer as the file spells it.
    `min_mu`/`gap_m` None: the rules' thresholds (100 mu, 8 m)."""
    if (farmland is None) != (survey is None):
        raise LandcheckError("the rules on transferred land need both --farmland and --survey; give both or neither.")
    rules = load_rules(rules_path)
    reports = {}
    if step:
        step(f"读取流转地块 {transfer.path.name}")
    parcels, reports["transfer"] = read("transfer", transfer)
    fmap = reports["transfer"].field_map
    column = None
    if by is not None:
        column = resolve_field(by, parcels.columns, fmap)
        if column is None:
            raise LandcheckError(f"{transfer.path}: the transfer layer has no field '{by}' for --by. "
                                 f"Fields: {', '.join(original_fields(parcels, fmap))}.")
    fm = sv = None
    if farmland is not None and survey is not None:
        if step:
            step(f"读取永久基本农田 {farmland.path.name}")
        fm, reports["farmland"] = read("farmland", farmland)
        if step:
            step(f"读取地类图斑 {survey.path.name}")
        sv, reports["survey"] = read("survey", survey)
    if step:
        step(f"连片分析 {len(parcels)} 流转地块")
    result = check_transfer(parcels, by=column, min_mu=min_mu, gap_m=gap_m, target_mu=target_mu, farmland=fm,
                            survey=sv, rules=rules, township=township, threads=threads)
    s = result.summary
    s["by"] = by
    s["rules"] = rules.source
    s["read_report"] = {k: r.to_dict() for k, r in reports.items()}
    if step:
        step("写出结果")
    out = Path(output_dir)
    outputs = {
        "blocks": write_gpkg(_blocks_for_output(result.blocks), out / "blocks.gpkg", layer="blocks"),
        "parcels": write_gpkg(_parcels_for_output(result.parcels, fmap), out / "parcels.gpkg", layer="parcels"),
    }
    outputs.update(write_findings(result.findings, out))
    if ledger_path is not None:
        s["ledger"] = merge_into_ledger(result.findings, Path(ledger_path),
                                        prefix or default_prefix(result.findings, township), ("transfer",), step,
                                        scope=parcels)
        outputs["ledger"] = Path(ledger_path)
    if map_path is not None:
        outputs["map"] = write_check_map(result.findings, Path(map_path), "transfer", ledger_path, farmland=fm, survey=sv,
                                         blocks=result.blocks, block_min_mu=s["min_mu"],
                                         title=f"{township or ''} 土地流转连片核查图".strip(), step=step)
    outputs["summary"] = write_json(s, out / "summary.json")
    return result, outputs


def _blocks_for_output(blocks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = blocks[list(BLOCK_COLUMNS) + [blocks.geometry.name]].copy()
    out["area_m2"] = units.round_half_up_array(out["area_m2"].to_numpy(), 2)
    out["below_min"] = out["below_min"].astype(bool)
    return out


def _parcels_for_output(parcels: gpd.GeoDataFrame, field_map: dict[str, str]) -> gpd.GeoDataFrame:
    """The check's columns, then the layer's own fields under the names the file gave them."""
    out = parcels.drop(columns=[c for c in ("feature_id",) if c in parcels.columns]).copy()
    taken = set(map(str, out.columns))
    renames = {c: o for c, o in field_map.items() if c in out.columns and c not in PARCEL_COLUMNS and o not in taken}
    out = out.rename(columns=renames)
    out["area_m2"] = units.round_half_up_array(out["area_m2"].to_numpy(), 2)
    out["below_min"] = out["below_min"].astype(bool)
    return out


# ------------------------------------------------------------------------------------------
# survey layer check, files to files
# ------------------------------------------------------------------------------------------
#: Which layer to pick in a multi-layer source for each --schema.


@dataclass
class SurveyJobResult:
    """What `landcheck survey` found: the quality check, the changes against the baseline (or the
    change patches' findings), the exit code and the summary/report written."""

    quality: SurveyResult
    changes: ChangeResult | None
    summary: dict
    report: dict
    exit_code: int


def survey_job(
    new: LayerSpec,
    output_dir: Path,
    *,
    baseline: LayerSpec | None = None,
    farmland: LayerSpec | None = None,
    schema: str = "auto",
    fail_on: str = "error",
    rules_path: Path | None = None,
    township: str = "",
    step: Step | None = None,
    threads: int | None = None,
    ledger_path: Path | None = None,
    prefix: str | None = None,
    map_path: Path | None = None,
    read: Reader = read_role,
    engine: Engine = Engine(),
) -> tuple[SurveyJobResult, dict[str, Path]]:
    """The survey-layer check from files to files, into `output_dir`: summary.json, report.json,
    problems.gpkg (layer problems); with a baseline, changes.gpkg (layer changes); with a baseline or
    a change-patch layer, findings.gpkg/.csv (merged into the ledger when `ledger_path` is given).
    Exit code 1 when a problem, change or finding at or above `fail_on` exists. With the dask
    `engine` the quality check runs on partitions (same result); the comparison with a baseline and
    the change patches run in this process on the whole layer."""
    from .checks.survey import SurveyTolerances, check_survey, exit_status, problems_for_output

    if schema not in SCHEMA_KIND:
        raise LandcheckError(f"unknown schema '{schema}': choose --schema {'|'.join(SCHEMA_KIND)}.")
    rules = load_rules(rules_path)
    tolerances = SurveyTolerances.from_rules(rules)
    reports: dict[str, ReadReport | dict] = {}
    layer = None

    def read_new():
        if step:
            step(f"读取 {new.path.name}")
        frame, reports["layer"] = read_layer(new.path, **new.read_options(), kind=SCHEMA_KIND[schema], require_landuse=False)
        if len(frame) == 0 and reports["layer"].n_read == 0:
            raise LandcheckError(f"{new.path}: the layer has no features; nothing to check.")
        return frame

    if engine.is_dask:
        from .scale import survey_dask_from_spec

        with engine_work_dir(engine) as work:
            quality, reports["layer"] = survey_dask_from_spec(
                new, schema, tolerances, work_dir=work, scheduler=engine.scheduler,
                n_workers=engine.n_workers or overlay.n_threads(threads), step=step, progress=_advance(step, "分区质检"))
    else:
        layer = read_new()
        if step:
            step(f"质量检查 {len(layer)} 图斑")
        quality = check_survey(layer, reports["layer"], schema=schema, tolerances=tolerances, threads=threads)
    base = fm = None
    if baseline is not None and quality.schema not in ("dltb", "change"):
        raise LandcheckError(f"{new.path}: --baseline compares two 地类图斑 layers (or places change patches on one); this "
                             f"layer was checked as --schema {quality.schema}.")
    if baseline is not None:
        if step:
            step(f"读取基期地类图斑 {baseline.path.name}")
        base, reports["baseline"] = read("survey", baseline)
    if farmland is not None:
        if step:
            step(f"读取永久基本农田 {farmland.path.name}")
        fm, reports["farmland"] = read("farmland", farmland)
    changes = None
    if quality.schema == "change" or base is not None:
        from .checks import changes as ch

        if layer is None:
            layer = read_new()
    if quality.schema == "change":
        if step:
            step("卫片图斑套合")
        changes = ch.check_change_patches(layer, base, fm, rules, township=township, threads=threads,
                                           progress=step if hasattr(step, "counter") else None)
    elif base is not None:
        if step:
            step(f"与基期对比 {len(layer)} × {len(base)} 图斑")
        changes = ch.compare_baseline(layer, base, rules, farmland=fm, township=township, threads=threads,
                                       progress=step if hasattr(step, "counter") else None)

    summary = dict(quality.summary)
    if changes is not None:
        summary["changes"] = changes.summary
    summary["fail_on"] = fail_on
    summary["engine"] = {"name": "dask" if engine.is_dask else "local", "scheduler": engine.scheduler}
    summary["read_report"] = {k: r if isinstance(r, dict) else r.to_dict() for k, r in reports.items()}
    code = max(exit_status(quality.problems, fail_on), exit_status(changes.findings, fail_on) if changes is not None else 0)
    summary["exit_code"] = code
    if map_path is not None and changes is None:
        summary["warnings"] = ["--map draws changes and change patches: without --baseline (or a change-patch layer) "
                               "there is nothing to draw, so no map was written."]
    report = dict(quality.report)
    report["summary"] = summary
    report["changes"] = ch.changes_for_report(changes.changes) if changes is not None and changes.changes is not None else []

    if step:
        step("写出结果")
    out = Path(output_dir)
    outputs = {"problems": write_gpkg(problems_for_output(quality.problems), out / "problems.gpkg", layer="problems")}
    if changes is not None:
        check = "change_patch" if quality.schema == "change" else "change"
        if changes.changes is not None:
            outputs["changes"] = write_gpkg(ch.changes_for_output(changes.changes), out / "changes.gpkg", layer="changes")
        outputs.update(write_findings(changes.findings, out))
        if ledger_path is not None:
            summary["ledger"] = merge_into_ledger(changes.findings, Path(ledger_path),
                                                  prefix or default_prefix(changes.findings, township), (check,), step,
                                                  scope=layer)
            outputs["ledger"] = Path(ledger_path)
        if map_path is not None:
            outputs["map"] = write_check_map(changes.findings, Path(map_path), check, ledger_path, farmland=fm,
                                             survey=layer if quality.schema == "dltb" else base,
                                             title=f"{township or ''} 变化图斑核查图".strip(), step=step)
    outputs["report"] = write_json(report, out / "report.json")
    outputs["summary"] = write_json(summary, out / "summary.json")
    return SurveyJobResult(quality, changes, summary, report, code), outputs
