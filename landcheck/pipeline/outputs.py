"""What a check leaves behind, written in one place for every check: its own layers, the ledger merge,
findings.gpkg/.csv/.xlsx (with the 关联问题编号 the merge gave), the inspection map, its JSON documents and
summary.json, then manifest.json (last). Each file is written under a temporary name and renamed.
Before the first file the folder's manifest is marked in progress: interrupted at any step, the folder
is refused by readers (naming manifest.json) until a run completes; stale temporaries are cleaned. The
ledger is merged before the findings (they carry its 关联问题编号) but in one atomic replacement of its own
file; the merge is keyed by finding, so the next run merging the same findings again changes nothing twice.

Writes only what a job hands over; computes no finding.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from ..errors import LandcheckError
from ..manifest import begin, write_manifests
from ..export import release_free_memory, write_csv, write_gpkg, write_json
from ..findings import for_output
from ..progress import SILENT, Progress
from .losses import losses, refuse_drops
from .options import JobOptions
from ..config import load_rules, vocabulary


def write_findings(findings: gpd.GeoDataFrame, out: Path) -> dict[str, Path]:
    """findings.gpkg (layer `findings`), findings.csv (the machine format: English keys and codes,
    utf-8-sig, formula-safe) and findings.xlsx (for officers: Chinese headers and labels, codes as text) in `out`."""
    from ..spreadsheet.findings_book import write_findings_book

    rows = for_output(findings)
    table = rows.drop(columns="geometry")
    release_free_memory()
    # GDAL writes the GeoPackage and the CSV beside the workbook (pure Python); a county's 50 000 findings:
    # 8.2 s instead of 8.8 s one after the other
    with ThreadPoolExecutor(max_workers=2) as pool:
        gpkg = pool.submit(write_gpkg, rows, out / "findings.gpkg", layer="findings")
        csv = pool.submit(write_csv, table, out / "findings.csv")
        xlsx = write_findings_book(table, out / "findings.xlsx")
        return {"findings_gpkg": gpkg.result(), "findings_csv": csv.result(), "findings_xlsx": xlsx}


def default_prefix(findings: gpd.GeoDataFrame, township: str = "") -> str:
    """Issue-id prefix when none is configured: the township name, else the township code the
    findings carry (ZLDWDM[:9]), else LC."""
    if township:
        return township
    towns = [t for t in findings["township"].unique() if t] if len(findings) else []
    return towns[0] if towns else "LC"


def ledger_prefix(ledger_path: Path) -> str:
    """The id prefix the ledger records ('' when none): a check run without --prefix continues it."""
    from ..ledger import read_meta

    return read_meta(ledger_path).get("id_prefix", "") if ledger_path.exists() else ""


def merge_into_ledger(findings: gpd.GeoDataFrame, ledger_path: Path, prefix: str, checks: tuple[str, ...],
                      progress: Progress = SILENT, scope: gpd.GeoDataFrame | None = None, township: str = "",
                      meta: dict | None = None, transfer_blocks: gpd.GeoDataFrame | None = None,
                      complete: bool = True) -> dict:
    """Merge a run's findings into the ledger; returns what changed (for summary.json). `scope`: the
    layer the run looked at; tasks outside it are not marked 待复核（已消失）. The township (when
    known) and the prefix are recorded in the ledger's meta with `meta` (the farmland run's
    pbf_gross_m2 / pbf_net_m2); another township's ledger is refused. `transfer_blocks`: the block
    registry saved with them. `complete` False (a run with doubts, `trusted_run`): no task is marked
    待复核（已消失）."""
    from ..ledger import merge_findings

    progress.step(vocabulary().label("pipeline_ledger_merge", name=ledger_path.name))
    return merge_findings(ledger_path, findings, prefix=prefix, checks=checks,
                          scope=scope.geometry if scope is not None else None,
                          meta={**(meta or {}), "township": township, "id_prefix": prefix},
                          transfer_blocks=transfer_blocks, complete=complete).to_dict()


def trusted_run(summary: dict, allow_partial: bool = False) -> bool:
    """Whether a run may mark the tasks it did not find 待复核（已消失）: it had no doubt about its inputs
    (summary `plausibility.warnings`) and dropped no feature in reading (`read_report[*].dropped`), or
    --allow-partial says its scope is intended."""
    if allow_partial:
        return True
    doubts = (summary.get("plausibility") or {}).get("warnings")
    dropped = any((rep or {}).get("dropped") for rep in (summary.get("read_report") or {}).values())
    return not (doubts or dropped)


def with_related(findings: gpd.GeoDataFrame, related: list[dict]) -> gpd.GeoDataFrame:
    """The findings with `related_issue` (关联问题编号): the issue id of the task a finding refers to
    instead of opening its own (ledger merge `related`: finding_key → issue_id), '' for the others."""
    if not related:
        return findings
    ids = {r["finding_key"]: r["issue_id"] for r in related}
    out = findings.copy()
    out["related_issue"] = out["finding_key"].map(ids).fillna("").astype(str)
    return out


def write_check_map(findings: gpd.GeoDataFrame, path: Path, check: str, ledger_path: Path | None = None, *,
                    farmland: gpd.GeoDataFrame | None = None, survey: gpd.GeoDataFrame | None = None,
                    blocks: gpd.GeoDataFrame | None = None, block_min_mu: float = 100.0, title: str | None = None,
                    offline: bool = True, progress: Progress = SILENT) -> Path:
    """One inspection map (HTML) of one check's results: the ledger's tasks of `check` (with issue
    ids, statuses and deadlines) when there is a ledger, else the findings themselves; its assets inlined
    (works offline) unless not `offline`."""
    from ..maps import inspection_map, read_source, write_map

    progress.step(vocabulary().label("pipeline_check_map", name=Path(path).name))
    shown = findings
    if ledger_path is not None and Path(ledger_path).exists():
        tasks = read_source(ledger_path).frame
        shown = tasks[tasks["check"] == check]
    m = inspection_map(shown, farmland=farmland, survey=survey, blocks=blocks, block_min_mu=block_min_mu,
                       title=title if title is not None else vocabulary().label("pipeline_map_title"), offline=offline)
    return write_map(m, path)


@dataclass
class CheckOutputs:
    """What a job hands to `write_outputs`.

    check: the check's name in the ledger; summary: summary.json (the ledger merge is added to it);
    layers: NAME → (frame, layer name) written as NAME.gpkg before the findings; findings: None when
    the check has none to write (then no ledger merge and no map); scope: the layer the check looked
    at (for the ledger); map_title: the map's title after the township; map_layers: the context of
    the map (farmland, survey, blocks, block_min_mu); documents: NAME → data written as NAME.json
    before summary.json; ledger_meta: entries for the ledger's meta (farmland: pbf_gross_m2, pbf_net_m2);
    ledger_blocks: the transfer block registry saved with the ledger merge."""

    check: str
    summary: dict
    findings: gpd.GeoDataFrame | None = None
    layers: dict[str, tuple[gpd.GeoDataFrame, str]] = field(default_factory=dict)
    scope: gpd.GeoDataFrame | None = None
    map_title: str = ""
    map_layers: dict = field(default_factory=dict)
    documents: dict[str, dict] = field(default_factory=dict)
    ledger_meta: dict[str, str] = field(default_factory=dict)
    #: the transfer check's block registry, saved into the ledger with the merge
    ledger_blocks: gpd.GeoDataFrame | None = None


#: The read-report roles that are survey layers (whose land-use codes the checks classify).
SURVEY_ROLES = ("survey", "baseline", "layer")


def refuse_unknown_codes(read_reports: dict, policy: str, roles=SURVEY_ROLES) -> None:
    """With `policy` error, a LandcheckError naming the survey layers' land-use codes and names that
    map to no class (one line); with warn nothing (the CLI lists them)."""
    if policy != "error":
        return
    parts = []
    for role, rep in read_reports.items():
        table = (rep or {}).get("unknown_table") or []
        if role in roles and table:
            shown = ", ".join(f"{e['value']} ×{e['rows']}" for e in table[:10]) + (" …" if len(table) > 10 else "")
            parts.append(f"{rep.get('path')}: {len(table)} land-use codes/names map to no class ({shown})")
    if parts:
        raise LandcheckError("; ".join(parts) + "; correct DLBM/DLMC or run with --unknown-codes warn.")


def refuse_lossy_reading(summary: dict, options: JobOptions, rules=None) -> None:
    """summary.json `losses` (what reading dropped, repaired or guessed, `losses.losses`), and a
    LandcheckError when a layer lost more than `max_dropped_share` of its features (unless --allow-drops).
    Once per summary (a job may call it before its own judgment; `write_outputs` then does not again);
    `rules`: the job's, else loaded from the options."""
    if "losses" in summary:
        return
    summary["losses"] = losses(summary.get("read_report") or {})
    judged = {r: e for r, e in summary["losses"].items() if r != "layer"}  # the survey check reports its own drops
    rules = rules if rules is not None else load_rules(options.rules_path)
    refuse_drops(judged, rules.threshold("max_dropped_share"), options.allow_drops)


def write_outputs(result: CheckOutputs, options: JobOptions) -> dict[str, Path]:
    """Write a check's outputs into `options.output_dir` (and the ledger and the map the options
    name); returns every path written, by name, in the order written. With `--unknown-codes error`
    a survey layer with codes or names of no class stops the job before anything is written; so does a
    layer that lost more than `max_dropped_share` of its features in reading (unless --allow-drops)."""
    refuse_unknown_codes(result.summary.get("read_report") or {}, options.unknown_codes)
    refuse_lossy_reading(result.summary, options)
    options.progress.step(vocabulary().label("pipeline_write"))
    out = Path(options.output_dir)
    out.mkdir(parents=True, exist_ok=True)  # a file in its place stops the job here, before the ledger changes
    begin(out)
    outputs = {name: write_gpkg(frame, out / f"{name}.gpkg", layer=layer)
               for name, (frame, layer) in result.layers.items()}
    if result.findings is not None:
        findings, ledger_out = result.findings, {}
        if options.ledger_path is not None:  # merged first: a finding that refers to a task carries its id
            prefix = options.prefix or ledger_prefix(Path(options.ledger_path)) or default_prefix(result.findings, options.township)
            result.summary["ledger"] = merge_into_ledger(result.findings, Path(options.ledger_path), prefix,
                                                         (result.check,), options.progress, scope=result.scope,
                                                         township=options.township, meta=result.ledger_meta or None,
                                                         transfer_blocks=result.ledger_blocks,
                                                         complete=trusted_run(result.summary, options.allow_partial))
            findings = with_related(findings, result.summary["ledger"].get("related") or [])
            ledger_out["ledger"] = Path(options.ledger_path)
        outputs.update(write_findings(findings, out))
        outputs.update(ledger_out)
        if options.map_path is not None:
            outputs["map"] = write_check_map(
                result.findings, Path(options.map_path), result.check, options.ledger_path,
                title=f"{options.township or ''} {result.map_title}".strip(), progress=options.progress,
                offline=not options.map_online_assets,
                **result.map_layers)
    for name, data in result.documents.items():
        outputs[name] = write_json(data, out / f"{name}.json")
    outputs["summary"] = write_json(result.summary, out / "summary.json")
    write_manifests(out, [p for k, p in outputs.items() if k != "ledger"], apart=[outputs[k] for k in ("map",) if k in outputs])
    return outputs
