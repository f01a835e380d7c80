"""The 调出补划 job (issue 17): read the survey, the farmland, the ledger's need (or a figure), the
exclusion and preferred layers; find and select candidates (`checks.supplement`); write candidates.gpkg
(layer candidates, with rank), 补划地块清单.xlsx, summary.json and the map into the output folder,
manifest last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np

from .. import units
from ..checks import supplement as S
from ..config import LayerSpec, load_rules, vocabulary
from ..errors import LandcheckError
from ..export import write_gpkg, write_json
from ..layers import read_layer
from ..ledger import load_ledger
from ..manifest import begin, write_manifests
from ..roles import Reader, read_role
from ..spreadsheet.supplement_book import write_supplement_book


@dataclass
class SupplementOptions:
    """What the job takes besides survey and farmland: the need (`ledger_path` or `need_mu`), the layers
    to avoid and to prefer (paths, in order), rules, output folder, township, map."""

    output_dir: Path
    ledger_path: Path | None = None
    include_suggested: bool = False
    need_mu: float | None = None
    excludes: list[Path] = field(default_factory=list)
    prefers: list[Path] = field(default_factory=list)
    rules_path: Path | None = None
    township: str = ""
    map_path: Path | None = None
    map_online_assets: bool = False
    read: Reader = read_role


class NoNeedError(LandcheckError):
    """The ledger holds no open task whose 整改措施 is 调出补划 (as asked)."""


def _other_layer(path: Path, crs, reports: dict, role: str) -> gpd.GeoDataFrame:
    gdf, report = read_layer(path, kind="any", require_landuse=False)
    if gdf.crs is None:
        raise LandcheckError(f"{path}: the layer has no CRS; write it with one (e.g. EPSG:4527) and run again.")
    reports[role] = report.to_dict()
    return gdf.to_crs(crs)


def _needs(options: SupplementOptions, farmland: gpd.GeoDataFrame):
    if options.need_mu is not None:
        return S.figure_need(options.need_mu, farmland.crs), None
    ledger = load_ledger(options.ledger_path)
    needs = S.ledger_needs(ledger, farmland, options.include_suggested)
    if not len(needs):
        who = "set by an officer or suggested by landcheck" if options.include_suggested else "set by an officer"
        hint = "" if options.include_suggested else ", or add --include-suggested to take landcheck's own suggestions"
        raise NoNeedError(f"{options.ledger_path}: no open task has 整改措施 {S.MEASURE} {who} (a suggestion "
                          f"核实举证/{S.MEASURE} waits for an officer's choice); set it in the workbook and import it "
                          f"(landcheck ledger import){hint}.")
    return needs, S.open_tasks(ledger)


def supplement_job(survey_spec: LayerSpec, farmland_spec: LayerSpec, options: SupplementOptions) -> tuple[dict, dict[str, Path]]:
    """Run and write; returns (summary, outputs by name)."""
    if (options.ledger_path is None) == (options.need_mu is None):  # before anything is read
        raise LandcheckError("give the need: --from-ledger LEDGER (tasks whose 整改措施 is 调出补划) or --need-mu MU, not both.")
    rules = S.supplement_rules(load_rules(options.rules_path))
    survey, survey_report = options.read("survey", survey_spec)
    farmland, farmland_report = options.read("farmland", farmland_spec)
    reports = {"survey": survey_report.to_dict(), "farmland": farmland_report.to_dict()}
    work = units.metric_crs(survey.crs, tuple(survey.total_bounds))
    survey, farmland = survey.to_crs(work), farmland.to_crs(work)
    needs, tasks = _needs(options, farmland)
    excludes = [_other_layer(p, work, reports, f"exclude_{k + 1}") for k, p in enumerate(options.excludes)]
    prefers = [_other_layer(p, work, reports, f"prefer_{k + 1}") for k, p in enumerate(options.prefers)]
    cands, dropped = S.find_candidates(survey, farmland, excludes, tasks, rules)
    cands["preferred"] = S.preferred(cands, prefers)
    proposal, books = S.select(cands, S.village_needs(needs))
    summary = S.supplement_summary(needs, cands, proposal, books, dropped)
    summary.update(township=options.township, n_needs=int(len(needs)), read_report=reports,
                   suggested_only=[str(i) for i, s in zip(needs["issue_id"], needs["suggested_only"]) if s])
    out = Path(options.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    begin(out)
    frame = candidates_frame(cands, proposal)
    outputs = {"candidates": write_gpkg(frame, out / "candidates.gpkg", layer="candidates"),
               "book": write_supplement_book(cands, proposal, books, summary, out / f"{vocabulary().label('supplement_title')}.xlsx",
                                             options.township)}
    if options.map_path is not None:
        from ..maps.supplement_map import write_supplement_map
        outputs["map"] = write_supplement_map(needs, frame, Path(options.map_path), farmland=farmland,
                                              title=f"{options.township} {vocabulary().label('supplement_map_title')}".strip(),
                                              offline=not options.map_online_assets)
    outputs["summary"] = write_json(summary, out / "summary.json")
    write_manifests(out, list(outputs.values()), apart=[outputs[k] for k in ("map",) if k in outputs])
    return summary, outputs


def candidates_frame(cands: gpd.GeoDataFrame, proposal) -> gpd.GeoDataFrame:
    """The candidates as written: rank first, proposed and for_village, mu as printed."""
    out = cands.copy()
    out.insert(0, "rank", S.candidate_ranks(cands, proposal))
    served = dict(zip(proposal["candidate"], proposal["for_village"]))
    out.insert(1, "proposed", [k in served for k in range(len(out))])
    out.insert(2, "for_village", [served.get(k, "") for k in range(len(out))])
    out["area_mu"] = units.area_mu_array(out["area_m2"].to_numpy(dtype="float64")) if len(out) else np.zeros(0)
    out["area_m2"] = np.round(out["area_m2"].to_numpy(dtype="float64"), 2)
    return out.sort_values("rank").reset_index(drop=True)


def run_supplement(config, ledger_path: Path, read: Reader, warnings: list[str]) -> tuple[dict[str, Path], dict | None]:
    """`landcheck run` with [supplement]: the job into `{output}/supplement/` (and its map into the maps
    folder) from the run's ledger; a ledger without such tasks is a warning, not an error. Returns the
    outputs and the summary (None when there was no need)."""
    sc = config.supplement
    options = SupplementOptions(output_dir=Path(config.output_dir) / "supplement",
                                ledger_path=None if sc.need_mu is not None else ledger_path,
                                include_suggested=sc.include_suggested, need_mu=sc.need_mu, excludes=list(sc.excludes),
                                prefers=list(sc.prefers), township=config.township,
                                map_path=Path(config.maps_dir) / "supplement.html",
                                map_online_assets=config.online_assets, read=read)
    try:
        summary, outputs = supplement_job(config.layers["survey"], config.layers["farmland"], options)
    except NoNeedError as exc:
        warnings.append(f"{vocabulary().label('supplement_map_title')}: {exc.message}")
        return {}, None
    return outputs, summary
