"""The farmland rules on transferred land: pieces of transferred parcels inside permanent basic
farmland whose survey class is non-grain or non-farm (流转地块非粮化 / 流转地块非农化), measured like the
farmland check (× (1 − KCXS), slivers dropped).

Pure: layers in, finding data and totals out.
"""

from __future__ import annotations

import numpy as np

from ... import overlay, units
from ...columns import text_column, text_values
from ...errors import LandcheckError
from ..farmland import patch_rules
from ..fields import code_names, farmland_ids, kcxs, with_feature_ids
from .problems import CATEGORY_NON_FARM, CATEGORY_NON_GRAIN, NON_FARM, NON_GRAIN


def farmland_use(p_geom, ids, village, farmland, survey, rules, crs, threads, unknown_village: str):
    """Pieces of transferred land inside permanent basic farmland whose survey class is non-grain or
    non-farm: (finding data, geometry) and totals. `village`: of each parcel (`unknown_village` when it
    has none, then the survey patch's is taken)."""
    if "DLBM" not in survey.columns:
        raise LandcheckError("the survey layer has no land-use field (DLBM / 地类编码 …); the rules on transferred land need it.")
    if farmland.crs is None or survey.crs is None:
        raise LandcheckError("the farmland and survey layers need a CRS.")
    survey, farmland = with_feature_ids(survey).reset_index(drop=True), with_feature_ids(farmland).reset_index(drop=True)
    sv = survey.to_crs(crs) if survey.crs != crs else survey
    fm = farmland.to_crs(crs) if farmland.crs != crs else farmland
    f_ids = farmland_ids(fm)
    f_geom, _, _ = overlay.deoverlap(fm.geometry.to_numpy())
    s_rules = patch_rules(sv, rules)
    cat = np.array([r.category for r in s_rules], dtype=object)
    cand = np.flatnonzero(np.isin(cat, ("non_grain", "non_farm")))
    stats = {"non_grain_m2": 0.0, "non_farm_m2": 0.0, "n_non_grain": 0, "n_non_farm": 0,
             "transferred_in_pbf_m2": 0.0}
    tf = overlay.intersect_pairs(p_geom, f_geom, threads=threads)
    if len(tf):
        stats["transferred_in_pbf_m2"] = float(units.ellipsoidal_area(tf.geometry, crs).sum())
    if len(cand) == 0 or len(tf) == 0:
        return None, stats
    s_geom = sv.geometry.to_numpy()[cand]
    sp = overlay.intersect_pairs(s_geom, tf.geometry, threads=threads)
    if len(sp) == 0:
        return None, stats
    deduction = kcxs(sv)
    patch = cand[sp.ia]
    parcel = tf.ia[sp.ib]
    fpos = tf.ib[sp.ib]
    geo = np.asarray(sp.geometry, dtype=object)
    area = units.ellipsoidal_area(geo, crs) * (1 - deduction[patch])
    keep = ~overlay.is_sliver(geo, area, width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2) & (area > 0)
    patch, parcel, fpos, geo, area = patch[keep], parcel[keep], fpos[keep], geo[keep], area[keep]
    if len(patch) == 0:
        return None, stats
    codes = text_values(sv["DLBM"])[patch]
    names = code_names(codes, text_column(sv, "DLMC")[patch])
    s_village = text_column(sv, "ZLDWMC")[patch]
    vil = np.where(village[parcel] != unknown_village, village[parcel], s_village)
    pc = cat[patch]
    rule = [s_rules[i] for i in patch]
    data = {
        "problem_type": np.where(pc == "non_grain", NON_GRAIN, NON_FARM),
        "category": np.where(pc == "non_grain", CATEGORY_NON_GRAIN, CATEGORY_NON_FARM),
        "severity": [r.severity for r in rule],
        "suggested_measure": [r.suggested_measure for r in rule],
        "patch_id": ids[parcel], "farmland_id": f_ids[fpos].astype(str), "dlbm": codes, "dlmc": names,
        "village": vil, "area_m2": area,
    }
    ng = pc == "non_grain"
    stats.update(non_grain_m2=float(area[ng].sum()), non_farm_m2=float(area[~ng].sum()),
                 n_non_grain=int(ng.sum()), n_non_farm=int((~ng).sum()))
    return (data, geo), stats
