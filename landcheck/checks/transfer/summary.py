"""The summary.json of the transfer check: blocks at and under the minimum, progress against the
target, the contract area beside the measured one, by village (a block spanning villages shared by
its parcels' areas, `blocks.village_split`) and by group.

Pure: frames and totals in, a dict out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import units
from .blocks import village_split
from .parcels import CONTRACT_AREA_FIELDS, natural_key
from .problems import CHECK


def transfer_summary(blocks, parcel_m2, village, block, group, by, min_mu, gap_m, target_mu, overlaps, use_stats,
                     findings, parcels, notes) -> dict:
    """summary.json of the transfer check: totals in mu (rounded once from unrounded sums; land counted
    once), progress against the target, the contract area, by village and by group."""
    below = blocks["below_min"].to_numpy(dtype=bool)
    counted = blocks["counted_m2"].to_numpy(dtype="float64")
    total_m2 = float(counted.sum())
    below_m2 = float(counted[below].sum())
    compliant_m2 = float(counted[~below].sum())
    # a block spanning villages is shared among them by its parcels' areas
    pv = village_split(block, village, parcel_m2, counted)
    pv["below"] = pv["m2"] * below[pv["block"].to_numpy()]
    n_parcels = pd.Series(village).value_counts() if len(village) else pd.Series(dtype="int64")
    agg = pv.groupby("village", sort=False).agg(m2=("m2", "sum"), below=("below", "sum"), n_blocks=("block", "nunique"))
    agg["n_parcels"] = n_parcels.reindex(agg.index).fillna(0).astype("int64")
    by_village = {str(v): {"mu": units.area_mu(r.m2), "below_min_mu": units.area_mu(r.below), "compliant_mu": units.area_mu(r.m2 - r.below),
                           "n_blocks": int(r.n_blocks), "n_parcels": int(r.n_parcels)} for v, r in agg.iterrows()}
    by_village = dict(sorted(by_village.items(), key=lambda kv: natural_key(kv[0])))
    by_group = {}
    if by is not None:
        bg = pd.DataFrame({"group": blocks["group"].to_numpy(dtype=object), "m2": counted, "below": counted * below,
                           "is_below": below.astype(np.int64), "n_parcels": blocks["n_parcels"].to_numpy()})
        gg = bg.groupby("group", sort=False).agg(n_blocks=("m2", "size"), n_below_min=("is_below", "sum"), m2=("m2", "sum"),
                                                 below=("below", "sum"), n_parcels=("n_parcels", "sum"))
        by_group = {str(g): {"n_blocks": int(r.n_blocks), "n_below_min": int(r.n_below_min), "mu": units.area_mu(r.m2),
                             "below_min_mu": units.area_mu(r.below), "n_parcels": int(r.n_parcels)} for g, r in gg.iterrows()}
        by_group = dict(sorted(by_group.items(), key=lambda kv: natural_key(kv[0])))
    contract_field = next((c for c in CONTRACT_AREA_FIELDS if c in parcels.columns), None)
    summary = {
        "check": CHECK,
        "by": by,
        "min_mu": min_mu,
        "gap_m": gap_m,
        "n_parcels": int(len(parcel_m2)),
        "n_groups": int(len(set(group.tolist()))),
        "n_blocks": int(len(blocks)),
        "n_below_min": int(below.sum()),
        "n_compliant": int((~below).sum()),
        "total_mu": units.area_mu(total_m2),
        "below_min_mu": units.area_mu(below_m2),
        "compliant_mu": units.area_mu(compliant_m2),
        "target_mu": target_mu,
        "progress_pct": units.round_half_up(total_m2 / float(units.mu_to_m2(target_mu)) * 100.0, 2),
        "remaining_mu": units.area_mu(max(float(units.mu_to_m2(target_mu)) - total_m2, 0.0)),
        "parcel_sum_mu": units.area_mu(float(parcel_m2.sum())),
        "n_overlaps": int(len(overlaps)),
        "overlap_mu": units.area_mu(float(overlaps["area_m2"].sum())) if len(overlaps) else 0.0,
    }
    if contract_field is not None:
        summary["contract_field"] = contract_field
        summary["contract_mu"] = units.round_half_up(float(pd.to_numeric(parcels[contract_field], errors="coerce").fillna(0).sum()), 2)
    summary["farmland_rules"] = use_stats is not None
    if use_stats is not None:
        summary.update({
            "transferred_in_pbf_mu": units.area_mu(use_stats["transferred_in_pbf_m2"]),
            "n_non_grain": use_stats["n_non_grain"], "non_grain_mu": units.area_mu(use_stats["non_grain_m2"]),
            "n_non_farm": use_stats["n_non_farm"], "non_farm_mu": units.area_mu(use_stats["non_farm_m2"]),
        })
    summary["n_findings"] = int(len(findings))
    summary["areas_m2"] = {"total": units.round_half_up(total_m2, 2), "below_min": units.round_half_up(below_m2, 2),
                           "compliant": units.round_half_up(compliant_m2, 2),
                           "parcel_sum": units.round_half_up(float(parcel_m2.sum()), 2)}
    summary["by_village"] = by_village
    if by is not None:
        summary["by_group"] = by_group
    summary["warnings"] = list(notes)
    return summary
