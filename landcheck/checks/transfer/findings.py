"""The findings of the transfer check: one per block under the minimum, per parcel overlap (数据质量)
and per piece of transferred farmland in non-farm / non-grain use; sorted by problem, then id.

Pure: frames in, a findings frame out.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from ...findings import empty_findings, make_findings
from .parcels import natural_key
from .problems import (CATEGORY_BELOW_MIN, CATEGORY_OVERLAP, CHECK, DATA_PROBLEM, NON_FARM, NON_GRAIN,
                       VERIFY_MEASURE)


def transfer_findings(blocks, problem_below, overlaps, overlap_village, use, township, crs) -> gpd.GeoDataFrame:
    """One finding per block under the minimum, per parcel overlap (数据质量) and per piece of transferred
    farmland in non-farm / non-grain use; sorted by problem, then id."""
    cols = ("problem_type", "category", "severity", "suggested_measure", "patch_id", "farmland_id", "dlbm", "dlmc",
            "village", "area_m2")
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
             "dlbm": [""] * k, "dlmc": [""] * k, "village": low["main_village"], "area_m2": low["area_m2"]},
            low.geometry.to_numpy())
    if len(overlaps):
        k = len(overlaps)
        add({"problem_type": [DATA_PROBLEM] * k, "category": [CATEGORY_OVERLAP] * k, "severity": ["warning"] * k,
             "suggested_measure": [VERIFY_MEASURE] * k,
             "patch_id": [f"{a}、{b}" for a, b in zip(overlaps["parcel_a"], overlaps["parcel_b"])],
             "farmland_id": [""] * k, "dlbm": [""] * k, "dlmc": [""] * k, "village": overlap_village,
             "area_m2": overlaps["area_m2"]}, overlaps.geometry.to_numpy())
    if use is not None:
        values, g = use
        add(values, g)
    if not geoms:
        return empty_findings(crs)
    n = len(geoms)
    data_full = {**data, "check": [CHECK] * n, "township": [township] * n}
    out = make_findings(data_full, np.array(geoms, dtype=object), crs)
    kind = {problem_below: 0, NON_FARM: 1, NON_GRAIN: 2, DATA_PROBLEM: 3}
    ptype, pid = out["problem_type"].to_numpy(dtype=object), out["patch_id"].to_numpy(dtype=object)
    fid, key = out["farmland_id"].to_numpy(dtype=object), out["finding_key"].to_numpy(dtype=object)
    order = sorted(range(n), key=lambda r: (kind.get(ptype[r], 9), natural_key(pid[r]), fid[r], key[r]))
    return out.iloc[order].reset_index(drop=True)
