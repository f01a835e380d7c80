"""The survey job: the quality check of a delivered layer and its changes against a baseline (or the
findings of change patches), from files to files (problems, changes, findings, ledger, map,
report.json, summary.json).

The quality check runs on the engine of its options; the comparison here on whole layers; writing
goes through `outputs.write_outputs`. No check here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks import plausibility
from ..config import LayerSpec, load_rules, vocabulary
from ..errors import LandcheckError
from ..roles import SCHEMA_KIND
from .engines import read_delivered
from .options import JobOptions
from .outputs import CheckOutputs, write_outputs

if TYPE_CHECKING:
    from ..checks.changes import ChangeResult
    from ..checks.survey import SurveyResult


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
    options: JobOptions,
    *,
    baseline: LayerSpec | None = None,
    farmland: LayerSpec | None = None,
    schema: str = "auto",
    fail_on: str = "error",
    batch: str = "",
) -> tuple[SurveyJobResult, dict[str, Path]]:
    """The survey-layer check into `options.output_dir`: summary.json, report.json, problems.gpkg (layer
    problems); with a baseline, changes.gpkg (layer changes); with a baseline or a change-patch layer,
    findings.gpkg/.csv (merged into the ledger when the options name one). Exit code 1 when a problem,
    change or finding at or above `fail_on` exists. With the dask engine the quality check runs on
    partitions (same result); the comparison with a baseline and the change patches run in this
    process on the whole layer. `batch`: the 监测批次 of change patches whose layer has no batch field."""
    from ..checks import changes as ch
    from ..checks.survey import SurveyTolerances, exit_status, problems_for_output

    if schema not in SCHEMA_KIND:
        raise LandcheckError(f"unknown schema '{schema}': choose --schema {'|'.join(SCHEMA_KIND)}.")
    rules = load_rules(options.rules_path)
    progress, read, township, threads = options.progress, options.read, options.township, options.threads
    engine = options.make_engine()
    run = engine.survey(new, schema, SurveyTolerances.from_rules(rules), threads, progress)
    quality, layer = run.quality, run.layer
    reports: dict = {"layer": run.read_report}
    base = fm = None
    if baseline is not None and quality.schema not in ("dltb", "change"):
        raise LandcheckError(f"{new.path}: --baseline compares two 地类图斑 layers (or places change patches on one); this "
                             f"layer was checked as --schema {quality.schema}.")
    if baseline is not None:
        progress.step(vocabulary().label("pipeline_read_baseline", name=baseline.path.name))
        base, reports["baseline"] = read("survey", baseline)
    if farmland is not None:
        progress.step(vocabulary().label("pipeline_read_farmland", name=farmland.path.name))
        fm, reports["farmland"] = read("farmland", farmland)
    changes = None
    if layer is None and (quality.schema == "change" or base is not None):
        layer, reports["layer"] = read_delivered(new, schema, progress)  # the engine checked it on partitions
    if quality.schema == "change":
        progress.step(vocabulary().label("pipeline_change_patches"))
        changes = ch.check_change_patches(layer, base, fm, rules, township=township, threads=threads,
                                           progress=progress, batch=batch)
    elif base is not None:
        progress.step(vocabulary().label("pipeline_compare", n_new=len(layer), n_base=len(base)))
        changes = ch.compare_baseline(layer, base, rules, farmland=fm, township=township, threads=threads,
                                       progress=progress)
        changes.summary["plausibility"] = baseline_overlap(changes.summary, new, baseline, rules, options.allow_partial)

    summary = dict(quality.summary)
    if changes is not None:
        summary["changes"] = changes.summary
        summary.setdefault("warnings", []).extend((changes.summary.get("plausibility") or {}).get("warnings", []))
    summary["fail_on"] = fail_on
    summary["engine"] = engine.info()
    summary["read_report"] = {k: r if isinstance(r, dict) else r.to_dict() for k, r in reports.items()}
    code = max(exit_status(quality.problems, fail_on), exit_status(changes.findings, fail_on) if changes is not None else 0)
    summary["exit_code"] = code
    if options.map_path is not None and changes is None:
        summary["warnings"] = ["--map draws changes and change patches: without --baseline (or a change-patch layer) "
                               "there is nothing to draw, so no map was written."]
    report = dict(quality.report)
    report["summary"] = summary
    report["changes"] = ch.changes_for_report(changes.changes) if changes is not None and changes.changes is not None else []

    written = CheckOutputs("change_patch" if quality.schema == "change" else "change", summary,
                           layers={"problems": (problems_for_output(quality.problems), "problems")},
                           documents={"report": report})
    if changes is not None:
        if changes.changes is not None:
            written.layers["changes"] = (ch.changes_for_output(changes.changes), "changes")
        written.findings, written.scope = changes.findings, layer
        written.map_title = vocabulary().label("pipeline_map_changes")
        written.map_layers = {"farmland": fm, "survey": layer if quality.schema == "dltb" else base}
    outputs = write_outputs(written, options)
    return SurveyJobResult(quality, changes, summary, report, code), outputs


def baseline_overlap(changes: dict, new: LayerSpec, baseline: LayerSpec, rules, allow_partial: bool) -> dict:
    """summary.json `changes.plausibility` of a comparison with a baseline (`plausibility.judge_baseline`);
    a baseline that cannot be this survey's is refused (LandcheckError) before anything is written."""
    share, refuse, warnings = plausibility.judge_baseline(changes.get("areas_m2") or {}, str(new.path), str(baseline.path),
                                                          rules.threshold("min_coverage_share"),
                                                          rules.threshold("warn_coverage_share"), allow_partial)
    if refuse:
        raise LandcheckError(" ".join(refuse))
    return {"baseline_share": share, "warnings": warnings, "allow_partial": allow_partial}
