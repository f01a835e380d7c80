"""The findings of the transfer check: one per block under the minimum, per parcel overlap (数据质量)
and per piece of transferred farmland in non-farm / non-grain use; sorted by problem, then id.

Pure: frames in, a findings frame out.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from ... import units
from ...config import vocabulary
from ...findings import empty_findings, make_findings
from .parcels import natural_key
from .problems import (CATEGORY_BELOW_MIN, CATEGORY_OVERLAP, CHECK, DATA_PROBLEM, NON_FARM, NON_GRAIN,
                       VERIFY_MEASURE)


#: Parcel ids named in a block's description; more are summed up as 等.
SHOWN_PARCELS = 5


def below_min_description(subject: str, parcel_ids: str, area_m2: float, min_mu: float) -> str:
    """问题描述 of a block under the minimum: its operator, parcels, area and shortfall (vocabulary words)."""
    words = vocabulary()
    ids = [x for x in str(parcel_ids).split(",") if x]
    shown = "、".join(ids[:SHOWN_PARCELS]) + (words.label("transfer_more_parcels") if len(ids) > SHOWN_PARCELS else "")
    mu = units.area_mu(float(area_m2))
    who = words.label("transfer_subject", subject=subject) if subject else ""
    return who + words.label("transfer_below_min_description", n=len(ids), parcels=shown, mu=f"{mu:.2f}",
                             min_mu=f"{min_mu:g}", gap=f"{units.round_half_up(min_mu - mu, 2):.2f}")


def transfer_findings(blocks, problem_below, min_mu, overlaps, overlap_village, use, township, crs,
                      parcel_subject: dict | None = None) -> gpd.GeoDataFrame:
    """One finding per block under the minimum, per parcel overlap (数据质量) and per piece of transferred
    farmland in non-farm / non-grain use; sorted by problem, then id. Beyond the finding schema: subject
    (流入方: the block's operators, the parcel's for a piece) and description (a block's 问题描述)."""
    cols = ("problem_type", "category", "severity", "suggested_measure", "patch_id", "farmland_id", "dlbm", "dlmc",
            "village", "area_m2")
    cols = cols + ("subject", "description")
    data: dict[str, list] = {c: [] for c in cols}
    geoms: list = []

    def add(values: dict, g) -> None:
        for c in cols:
            data[c].extend(list(values[c]))
        geoms.extend(list(g))

    low = blocks.loc[blocks["below_min"]]
    if len(low):
        k = len(low)
        add({"problem_type": [problem_below] * k, "category": [CATEGORY_BELOW_MIN] * k, "severity": ["warning"] * k,
             "suggested_measure": [VERIFY_MEASURE] * k, "patch_id": low["block_id"], "farmland_id": [""] * k,
             "dlbm": [""] * k, "dlmc": [""] * k, "village": low["main_village"], "area_m2": low["area_m2"],
             "subject": low["subject"], "description": [below_min_description(*r, min_mu) for r in zip(
                 low["subject"], low["parcel_ids"], low["area_m2"])]},
            low.geometry.to_numpy())
    if len(overlaps):
        k = len(overlaps)
        add({"problem_type": [DATA_PROBLEM] * k, "category": [CATEGORY_OVERLAP] * k, "severity": ["warning"] * k,
             "suggested_measure": [VERIFY_MEASURE] * k,
             "patch_id": [f"{a}、{b}" for a, b in zip(overlaps["parcel_a"], overlaps["parcel_b"])],
             "farmland_id": [""] * k, "dlbm": [""] * k, "dlmc": [""] * k, "village": overlap_village,
             "area_m2": overlaps["area_m2"], "subject": [""] * k, "description": [""] * k}, overlaps.geometry.to_numpy())
    if use is not None:
        values, g = use
        who = parcel_subject or {}
        k = len(values["patch_id"])
        add({**values, "subject": [who.get(p, "") for p in values["patch_id"]], "description": [""] * k}, g)
    if not geoms:
        return empty_findings(crs)
    n = len(geoms)
    data_full = {**data, "check": [CHECK] * n, "township": [township] * n}
    out = make_findings(data_full, np.array(geoms, dtype=object), crs)
    out["subject"] = np.asarray(data["subject"], dtype=object).astype(str)
    out["description"] = np.asarray(data["description"], dtype=object).astype(str)
    kind = {problem_below: 0, NON_FARM: 1, NON_GRAIN: 2, DATA_PROBLEM: 3}
    ptype, pid = out["problem_type"].to_numpy(dtype=object), out["patch_id"].to_numpy(dtype=object)
    fid, key = out["farmland_id"].to_numpy(dtype=object), out["finding_key"].to_numpy(dtype=object)
    order = sorted(range(n), key=lambda r: (kind.get(ptype[r], 9), natural_key(pid[r]), fid[r], key[r]))
    return out.iloc[order].reset_index(drop=True)
