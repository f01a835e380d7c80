"""The land-transfer check (土地流转), `check_transfer`: transferred parcels grouped into contiguous
blocks, every block under the township's minimum flagged, progress against the target, and the
farmland rules on transferred land. How blocks are formed and land is counted once: docs/transfer.md.

Pure: GeoDataFrames in, blocks + parcels + findings + summary out; no printing, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ... import overlay, units
from ...columns import text_column, text_values
from ...config import Rules, load_rules, vocabulary
from ...errors import LandcheckError
from .blocks import block_parcel_ids, block_subjects, blocks_frame, contiguous_blocks, counted_once, number_blocks, overlaps_frame
from .farmland_use import farmland_use
from .findings import transfer_findings
from .registry import stable_ids
from .parcels import field_names, parcel_ids, parcels_frame, suggest_group_field, usable_parcels
from .problems import BELOW_MIN
from .summary import transfer_summary


@dataclass
class TransferResult:
    """What the transfer check found. Geometries are in the parcels' CRS.

    blocks:   block_id, group, n_parcels, parcel_ids, villages, area_m2 (unrounded), area_mu, below_min,
              counted_m2 (the part counted in the totals: less than area_m2 only where the block overlaps
              another group's block), main_village (holding most of its area), geometry (union of the
              parcels). Block ids B0001… follow the block's smallest parcel id (any grouping),
              or the numbers of the `previous` blocks they match. subject: the blocks' operators (流入方).
    parcels:  the input rows (repaired geometry) with parcel_id, block_id, group, village, area_m2, area_mu,
              below_min (of its block) and overlaps_with (ids of parcels it overlaps, 、-separated).
    findings: the finding schema: blocks under the minimum, parcel overlaps, non-grain / non-farm use of
              transferred permanent basic farmland.
    overlaps: parcel_a, parcel_b, group_a, group_b, area_m2, area_mu, geometry (overlaps of at least the
              overlap tolerance).
    summary:  totals in mu (rounded once from unrounded sums), counts, by_village, by_group.
    """

    blocks: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    summary: dict
    overlaps: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


def check_transfer(
    parcels: gpd.GeoDataFrame,
    *,
    by: str | None = None,
    min_mu: float | None = None,
    gap_m: float | None = None,
    target_mu: float = 5000.0,
    farmland: gpd.GeoDataFrame | None = None,
    survey: gpd.GeoDataFrame | None = None,
    rules: Rules | None = None,
    township: str = "",
    threads: int | None = None,
    previous_blocks: gpd.GeoDataFrame | None = None,
) -> TransferResult:
    """Blocks, findings and progress of the transferred land.

    parcels: 流转地块 polygons (as `layers.read_layer` gives them: `feature_id`, `DKBM` for 地块编号 …,
      `ZLDWMC` for the village); any CRS (the work is done in its Gauss–Krüger zone when lon/lat).
    by: the column whose value makes a group (e.g. 流入方); None: all parcels form one group.
    min_mu, gap_m: minimum block (mu) and the widest gap (m) inside a block; None takes the rules'
      thresholds `min_block_mu` (100) and `gap_m` (8).
    target_mu: the township's transfer target (mu); all transferred land counts toward it.
    farmland, survey: permanent basic farmland and 地类图斑 (with DLBM): both or neither. With them,
      transferred land inside the farmland whose survey class is non-grain or non-farm is a finding
      (流转地块非粮化 / 流转地块非农化), measured like the farmland check (× (1 − KCXS), slivers dropped).
    rules: thresholds and classes (default: the packaged rules).
    previous_blocks: the block registry of the ledger (`registry.REGISTRY_COLUMNS`): blocks keep its numbers.
    Raises LandcheckError for input a person must fix (no CRS, unknown `by` field, one of farmland/survey).
    """
    rules = rules or load_rules()
    min_mu = float(rules.threshold("min_block_mu") if min_mu is None else min_mu)
    gap_m = float(rules.threshold("gap_m") if gap_m is None else gap_m)
    target_mu = float(target_mu)
    if not min_mu > 0:
        raise LandcheckError(f"the minimum block must be more than 0 mu (got {min_mu:g}).")
    if not gap_m >= 0:
        raise LandcheckError(f"the gap tolerance must be 0 m or more (got {gap_m:g}).")
    if not target_mu > 0:
        raise LandcheckError(f"the transfer target must be more than 0 mu (got {target_mu:g}).")
    if (farmland is None) != (survey is None):
        raise LandcheckError("the rules on transferred land need both the farmland (--farmland) and the survey "
                             "(--survey) layers; give both or neither.")
    if parcels.crs is None:
        raise LandcheckError("the transfer parcels have no CRS; give it (e.g. --crs EPSG:4527).")
    if by is not None and by not in parcels.columns:
        raise LandcheckError(f"the transfer layer has no field '{by}' to group by. Fields: {', '.join(field_names(parcels))}.")
    problem_below = vocabulary().with_number(BELOW_MIN, min_mu)
    notes: list[str] = []
    hint = suggest_group_field(parcels.columns) if by is None else None
    if hint:
        notes.append(f"no group field (by): all parcels form one group, so neighbouring parcels of different "
                     f"operators join one block; blocks per operator: --by {hint}")
    try:
        tolerance_m2 = float(rules.threshold("overlap_tolerance_m2"))
    except (KeyError, TypeError, ValueError):
        tolerance_m2 = 1.0

    unknown_village = vocabulary().label("unknown_village")

    parcels = usable_parcels(parcels, notes)
    in_crs = parcels.crs
    n = len(parcels)

    ids = parcel_ids(parcels)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        notes.append(f"{len(set(ids[dup]))} parcel ids occur more than once (e.g. {ids[dup][0]})")
    group = text_values(parcels[by]) if by is not None else np.full(n, "", dtype=object)
    if by is not None and (group == "").any():
        notes.append(f"{int((group == '').sum())} parcels have no {by}: they form blocks among themselves")
    op_field = by if by is not None else suggest_group_field(parcels.columns)
    operator = text_values(parcels[op_field]) if op_field is not None else np.full(n, "", dtype=object)
    village = text_column(parcels, "ZLDWMC")
    village = np.where(village == "", unknown_village, village)

    work_crs = units.metric_crs(in_crs, tuple(parcels.total_bounds)) if n else in_crs
    work = parcels.to_crs(work_crs) if in_crs != work_crs else parcels
    geoms = work.geometry.to_numpy()

    # --- blocks
    codes, _ = pd.factorize(pd.Series(group, dtype=object))
    comp = contiguous_blocks(geoms, np.asarray(codes), gap_m)
    block, block_ids, id_rank = number_blocks(comp, group, ids)
    n_comp = len(block_ids)

    parcel_m2 = units.ellipsoidal_area(geoms, work_crs)
    block_geom = overlay.union_by(geoms, block, n_comp, threads)
    block_m2 = units.ellipsoidal_area(block_geom, work_crs)
    if previous_blocks is not None and len(previous_blocks):
        block_ids = stable_ids(block_parcel_ids(block, ids, id_rank, n_comp), block_geom, block_ids,
                               previous_blocks.to_crs(work_crs))
    below = block_m2 < float(units.mu_to_m2(min_mu))

    # --- overlaps (every one for the accounting; those above the tolerance reported)
    oi, oj, og = overlay.self_overlaps(geoms, threads=threads)
    o_m2 = units.ellipsoidal_area(og, work_crs)
    counted_m2 = counted_once(block_geom, block_m2, below, block[oi], block[oj], work_crs)

    # --- tables
    blocks = blocks_frame(block, block_ids, id_rank, ids, group, village, parcel_m2, block_geom, block_m2, below,
                          counted_m2, unknown_village, work_crs)
    big = o_m2 >= tolerance_m2
    overlaps = overlaps_frame(ids, group, oi[big], oj[big], og[big], o_m2[big], work_crs)
    out_parcels = parcels_frame(parcels, ids, block_ids, block, group, village, parcel_m2, below, oi[big], oj[big])

    # --- rules on transferred farmland
    use_findings, use_stats = (None, None)
    if farmland is not None and survey is not None:
        use_findings, use_stats = farmland_use(geoms, ids, village, farmland, survey, rules, work_crs, threads,
                                               unknown_village)

    blocks["subject"] = block_subjects(block, operator, id_rank, n_comp)
    findings = transfer_findings(blocks, problem_below, min_mu, overlaps, village[oi[big]], use_findings, township, work_crs,
                                 parcel_subject=dict(zip(ids, operator)))

    summary = transfer_summary(blocks, parcel_m2, village, block, group, by, min_mu, gap_m, target_mu, overlaps,
                               use_stats, findings, parcels, notes)
    summary["problem_type_below_min"] = problem_below
    summary["overlap_tolerance_m2"] = tolerance_m2

    if work_crs != in_crs:
        blocks = blocks.to_crs(in_crs)
        overlaps = overlaps.to_crs(in_crs)
        findings = findings.to_crs(in_crs)
    return TransferResult(blocks=blocks, parcels=out_parcels, findings=findings, summary=summary,
                          overlaps=overlaps, notes=notes)
