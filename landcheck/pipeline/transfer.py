"""The transfer job: the land-transfer check from files to files (blocks, parcels, findings, ledger,
map, summary.json), and how the user's field names meet the read layer's.

Reads with the reader of its options and writes through `outputs.write_outputs`; no check here.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from .. import units
from ..checks.transfer import TransferResult, check_transfer
from ..checks.printed import transfer_printed
from ..checks.transfer.registry import registry_frame
from ..config import LayerSpec, load_rules, vocabulary
from ..errors import LandcheckError
from ..layers import rename_collisions
from .options import JobOptions
from .outputs import CheckOutputs, write_outputs

#: Columns of blocks.gpkg (layer `blocks`), in order.
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
    options: JobOptions,
    *,
    by: str | None = None,
    min_mu: float | None = None,
    gap_m: float | None = None,
    target_mu: float = 5000.0,
    farmland: LayerSpec | None = None,
    survey: LayerSpec | None = None,
) -> tuple[TransferResult, dict[str, Path]]:
    """The transfer check into `options.output_dir`: blocks.gpkg (layer blocks), parcels.gpkg (layer
    parcels, the layer's own field names kept), findings.gpkg + findings.csv and summary.json (with
    the read report of every input); the findings merged into the ledger and an inspection map of
    every block beside the findings when the options name them. `by` names a field of the transfer
    layer as the file spells it. `min_mu`/`gap_m` None: the rules' thresholds (100 mu, 8 m)."""
    if (farmland is None) != (survey is None):
        raise LandcheckError("the rules on transferred land need both --farmland and --survey; give both or neither.")
    rules = load_rules(options.rules_path)
    progress, read = options.progress, options.read
    reports = {}
    progress.step(vocabulary().label("pipeline_read_transfer", name=transfer.path.name))
    parcels, reports["transfer"] = read("transfer", transfer)
    parcels = rename_collisions(parcels, PARCEL_COLUMNS + BLOCK_COLUMNS, reports["transfer"])  # parcels.gpkg's own
    fmap = reports["transfer"].field_map
    column = None
    if by is not None:
        column = resolve_field(by, parcels.columns, fmap)
        if column is None:
            raise LandcheckError(f"{transfer.path}: the transfer layer has no field '{by}' for --by. "
                                 f"Fields: {', '.join(original_fields(parcels, fmap))}.")
    fm = sv = None
    if farmland is not None and survey is not None:
        progress.step(vocabulary().label("pipeline_read_farmland", name=farmland.path.name))
        fm, reports["farmland"] = read("farmland", farmland)
        progress.step(vocabulary().label("pipeline_read_survey", name=survey.path.name))
        sv, reports["survey"] = read("survey", survey)
    previous = previous_blocks(options.ledger_path)
    progress.step(vocabulary().label("pipeline_blocks", n=len(parcels)))
    result = check_transfer(parcels, by=column, min_mu=min_mu, gap_m=gap_m, target_mu=target_mu, farmland=fm,
                            survey=sv, rules=rules, township=options.township, threads=options.threads,
                            previous_blocks=previous)
    s = result.summary
    s["by"] = by
    s["rules"] = rules.source
    s["read_report"] = {k: r.to_dict() for k, r in reports.items()}
    s["printed"] = transfer_printed(result.blocks, s)  # the figures as the tables print them (domain.md §9.8)
    outputs = write_outputs(CheckOutputs(
        "transfer", s, result.findings,
        layers={"blocks": (blocks_for_output(result.blocks), "blocks"),
                "parcels": (parcels_for_output(result.parcels, fmap), "parcels")},
        scope=parcels, map_title=vocabulary().label("pipeline_map_transfer"),
        map_layers={"farmland": fm, "survey": sv, "blocks": result.blocks, "block_min_mu": s["min_mu"]},
        ledger_blocks=registry_frame(result.blocks, previous, previous.crs if previous is not None else result.blocks.crs,
                                     s["min_mu"], s["target_mu"])
        if options.ledger_path is not None else None), options)
    return result, outputs


def previous_blocks(ledger_path) -> gpd.GeoDataFrame | None:
    """The block registry of the ledger at `ledger_path` (None: no ledger, or none registered yet)."""
    if ledger_path is None or not Path(ledger_path).exists():
        return None
    from ..ledger import load_ledger

    blocks = load_ledger(ledger_path).blocks
    return blocks if blocks is not None and len(blocks) else None


def _rounded(out: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out["area_m2"] = units.round_half_up_array(out["area_m2"].to_numpy(), 2)
    out["below_min"] = out["below_min"].astype(bool)
    return out


def blocks_for_output(blocks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """blocks.gpkg's rows: BLOCK_COLUMNS and the geometry, m² rounded half-up to 2 decimals."""
    return _rounded(blocks[list(BLOCK_COLUMNS) + [blocks.geometry.name]].copy())


def parcels_for_output(parcels: gpd.GeoDataFrame, field_map: dict[str, str]) -> gpd.GeoDataFrame:
    """The check's columns, then the layer's own fields under the names the file gave them."""
    out = parcels.drop(columns=[c for c in ("feature_id",) if c in parcels.columns]).copy()
    taken = {str(c).casefold() for c in out.columns}
    renames = {c: o for c, o in field_map.items()
               if c in out.columns and c not in PARCEL_COLUMNS and o.casefold() not in taken}
    return _rounded(out.rename(columns=renames))
