"""The plain geopandas way of the farmland check, kept as the yardstick: `geopandas.overlay(...,
how="intersection")` of every survey patch with every farmland polygon, then the same rules and
ellipsoidal areas on every piece — no shortcut, no category derived by subtraction.

Used by the tests (every category of the fast check must agree to 0.01 %) and by
`benchmarks/bench_farmland.py` (speed and memory ratio). Not used by the CLI.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .. import overlay, units
from ..config import CATEGORIES, NOT_FINDINGS, Rules
from .facilities import classify_records
from .farmland import patch_rules
from .fields import kcxs


def plain_totals(
    survey: gpd.GeoDataFrame,
    farmland: gpd.GeoDataFrame,
    rules: Rules,
    facility_records: gpd.GeoDataFrame | None = None,
) -> dict[str, float]:
    """Category totals in m² (plus `pbf`, `sliver`, `uncovered`) by a full geopandas overlay.
    Farmland polygons must not overlap each other (the plain way counts an overlap twice)."""
    crs = units.metric_crs(survey.crs, tuple(survey.total_bounds))
    sv = survey.to_crs(crs).reset_index(drop=True)
    fm = farmland.to_crs(crs).reset_index(drop=True)
    rules_of = patch_rules(sv, rules)
    sv = gpd.GeoDataFrame(
        {"_i": np.arange(len(sv)),
         "_kcxs": kcxs(sv)},
        geometry=sv.geometry.values, crs=crs)
    fm = gpd.GeoDataFrame({"_f": np.arange(len(fm))}, geometry=fm.geometry.values, crs=crs)
    pieces = gpd.overlay(sv, fm, how="intersection", keep_geom_type=True)
    area = units.ellipsoidal_area(pieces.geometry.values, crs)
    deduction = pieces["_kcxs"].to_numpy(dtype=float)
    cat = np.array([rules_of[i].category for i in pieces["_i"]], dtype=object)
    totals = {c: 0.0 for c in CATEGORIES}
    totals["infrastructure"] += float((area * deduction).sum())
    main = area * (1 - deduction)
    geoms = pieces.geometry.values.copy()
    fac = np.flatnonzero(cat == "facility")
    if len(fac) and facility_records is not None and len(facility_records):
        classified, _ = classify_records(facility_records, rules)  # only the records that allow a facility
        allowed = classified[classified["verdict"] == "allowed"]
        rec = shapely.union_all(allowed.to_crs(crs).geometry.values)
        filed = units.ellipsoidal_area(shapely.intersection(geoms[fac], rec), crs) * (1 - deduction[fac])
        totals["infrastructure"] += float(filed.sum())
        main[fac] -= filed
        geoms[fac] = shapely.difference(geoms[fac], rec)
    finding = np.array([c not in NOT_FINDINGS for c in cat], dtype=bool) & (main > 0)
    sliver = np.zeros(len(cat), dtype=bool)
    if finding.any():
        sliver[finding] = overlay.is_sliver(geoms[finding], main[finding], width_m=rules.sliver_width_m,
                                            min_area_m2=rules.min_area_m2)
    for c in CATEGORIES:
        totals[c] += float(main[(cat == c) & ~sliver].sum())
    totals["sliver"] = float(main[sliver].sum())
    f_union = shapely.union_all(fm.geometry.values)
    totals["pbf"] = float(units.ellipsoidal_area([f_union], crs).sum())
    uncovered = shapely.difference(f_union, shapely.union_all(sv.geometry.values))
    totals["uncovered"] = float(units.ellipsoidal_area([uncovered], crs).sum())
    return totals
