"""The farmland job: the farmland check from files to files (findings, ledger, map, summary.json).

Reads through the engine of its options and writes through `outputs.write_outputs`; no check here.
"""

from __future__ import annotations

from pathlib import Path

from ..checks.farmland import FarmlandResult
from ..checks import plausibility
from ..config import LayerSpec, Rules, load_rules, vocabulary
from ..errors import LandcheckError
from .options import JobOptions
from .outputs import CheckOutputs, refuse_lossy_reading, write_outputs


def farmland_job(survey: LayerSpec, farmland: LayerSpec, options: JobOptions,
                 facility_records: LayerSpec | None = None,
                 baseline: LayerSpec | None = None) -> tuple[FarmlandResult, dict[str, Path]]:
    """The farmland check into `options.output_dir`: findings.gpkg, findings.csv, summary.json, the
    findings merged into the ledger when the options name one, and an inspection map (of the
    ledger's farmland tasks when there is a ledger, else of the findings). With the dask engine the
    layers are read in chunks and checked by partitions (same result); its map then carries the
    findings without the context layers (which would need whole layers)."""
    rules = load_rules(options.rules_path)
    engine = options.make_engine()
    run = engine.farmland(survey, farmland, facility_records, rules, options.township, options.threads,
                          options.progress, baseline=baseline)
    result = run.result
    result.summary["engine"] = engine.info()
    result.summary["rules"] = rules.source
    result.summary["thresholds"] = {"sliver_width_m": rules.sliver_width_m, "min_area_m2": rules.min_area_m2}
    result.summary["read_report"] = run.read_reports
    if "facility_records" in run.read_reports:  # the records' types and dates, as the judgment read them
        run.read_reports["facility_records"]["warnings"] += result.summary["facility_records"]["notes"]
    refuse_lossy_reading(result.summary, options, rules)  # a truncated file is said as such, before its coverage
    refuse_implausible(result.summary, survey, farmland, rules, options.allow_partial)
    s = result.summary  # 永久基本农田 gross and net of 田坎 (domain.md §9.8) in the ledger's meta
    # the whole layers only where the writing needs them (the ledger's scope, the map's context): otherwise
    # they are released before the findings are written (a county's survey: ~150 MB less at the peak)
    scope = run.survey if options.ledger_path is not None else None
    map_layers = {"farmland": run.farmland, "survey": run.survey} if options.map_path is not None else {}
    del run
    outputs = write_outputs(CheckOutputs(
        "farmland", result.summary, result.findings, scope=scope, map_title=vocabulary().label("pipeline_map_farmland"),
        map_layers=map_layers,
        ledger_meta={"pbf_gross_m2": f"{s['areas_m2']['pbf']:.2f}", "pbf_net_m2": f"{s['pbf_net_m2']:.2f}"}), options)
    return result, outputs


def refuse_implausible(summary: dict, survey: LayerSpec, farmland: LayerSpec, rules: Rules, allow_partial: bool) -> None:
    """Refuse (LandcheckError: nothing written, the ledger untouched) a run whose inputs cannot be what
    they claim (`plausibility.judge`); its softer doubts go to summary.json `plausibility.warnings`."""
    refuse, warn = plausibility.judge(summary.get("inputs") or {}, str(survey.path), str(farmland.path),
                                      rules.threshold("min_coverage_share"), rules.threshold("warn_coverage_share"),
                                      allow_partial)
    if refuse:
        raise LandcheckError(" ".join(refuse))
    summary["plausibility"] = {"warnings": warn, "allow_partial": allow_partial}
    summary.setdefault("warnings", []).extend(warn)
