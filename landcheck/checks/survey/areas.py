"""The official areas of a survey layer against its geometry: TBMJ against the ellipsoidal area
(area_mismatch, or one layer-level problem when TBMJ is in 亩 or 公顷), and the derived areas KCMJ,
TBDLMJ and YJJBNTMJ (tbdlmj_mismatch).

Per feature, except the unit decision (`tbmj_unit`), which needs the whole layer.
"""

from __future__ import annotations

import numpy as np
import shapely

from ...columns import text_values
from .problems import ProblemCollector, fmt_number
from .schema import SurveyTolerances, field_column, field_numbers


def area_checks(P: ProblemCollector, work, ids, order, geoms, area, tol: SurveyTolerances,
                pbf_field: str | None) -> tuple[int, int, np.ndarray] | None:
    """area_mismatch (TBMJ vs ellipsoidal area) and tbdlmj_mismatch (KCMJ, TBDLMJ / YJJBNTMJ).

    Every feature whose TBMJ mismatches is a problem here; whether TBMJ is in 亩 or 公顷 instead is
    decided on the whole layer by the reduce step (`tbmj_unit`) from the returned statistics
    (mismatches, candidates, TBMJ / area of the candidates), summed over the parts. None without TBMJ."""
    n = len(work)
    cols = list(work.columns)
    col = field_column(cols, "TBMJ")
    if col is None:
        return None
    raw = work[col]
    tbmj = field_numbers(raw, n)
    measured = area
    ok_geom = ~shapely.is_missing(geoms)
    bad_value = ~np.isfinite(tbmj) & ok_geom
    if bad_value.any():
        k = np.flatnonzero(bad_value)
        P.add("invalid_attribute", "error", ids[k], [f"图斑面积 {col} 为空或不是数值（“{v}”）" for v in text_values(raw)[k]],
              field_name="TBMJ", value=text_values(raw)[k], geometry=geoms[k], area=area[k], order=order[k])
    diff = tbmj - measured
    limit = np.maximum(tol.area_tolerance_m2, measured * tol.area_tolerance_pct / 100.0)
    mismatch = np.isfinite(diff) & ok_geom & (np.abs(diff) > limit)
    # the statistics that tell whether TBMJ is in 亩 or 公顷 instead of m²
    cand = np.isfinite(tbmj) & ok_geom & (measured > 0)
    stats = (int(mismatch.sum()), int(cand.sum()), tbmj[cand] / measured[cand])
    if mismatch.any():
        k = np.flatnonzero(mismatch)
        msgs = [f"图斑面积 TBMJ {fmt_number(t)} m² 与椭球面积 {fmt_number(m)} m² 相差 {fmt_number(d)} m²（{fmt_number(abs(d) / m * 100 if m else 0, 3)} %）"
                for t, m, d in zip(tbmj[k], measured[k], diff[k])]
        P.add("area_mismatch", "warning", ids[k], msgs, field_name="TBMJ", value=[fmt_number(t) for t in tbmj[k]],
              geometry=geoms[k], area=area[k], order=order[k])
    # derived areas
    eps = tol.derived_tolerance_m2 + 1e-6
    kcxs_col, kcmj_col = field_column(cols, "KCXS"), field_column(cols, "KCMJ")
    kcxs = field_numbers(work[kcxs_col], n) if kcxs_col else np.full(n, np.nan)
    kcmj = field_numbers(work[kcmj_col], n) if kcmj_col else np.full(n, np.nan)
    if kcxs_col and kcmj_col:
        expect = np.round(tbmj * kcxs, 2)
        bad = np.isfinite(expect) & np.isfinite(kcmj) & (np.abs(kcmj - expect) > eps)
        k = np.flatnonzero(bad)
        P.add("tbdlmj_mismatch", "error", ids[k],
              [f"扣除地类面积 KCMJ {fmt_number(a)} ≠ TBMJ × KCXS = {fmt_number(t)} × {x:g} = {fmt_number(e)}"
               for a, t, x, e in zip(kcmj[k], tbmj[k], kcxs[k], expect[k])],
              field_name="KCMJ", value=[fmt_number(a) for a in kcmj[k]], geometry=geoms[k], area=area[k], order=order[k])
    if not kcmj_col and kcxs_col:
        kcmj = np.round(tbmj * np.nan_to_num(kcxs), 2)
    if not kcmj_col and not kcxs_col:
        kcmj = np.zeros(n)
    for name in (["TBDLMJ"] if pbf_field is None else []) + ([pbf_field] if pbf_field else []):
        c = field_column(cols, name) if name == "TBDLMJ" else name
        if c is None:
            continue
        v = field_numbers(work[c], n)
        expect = tbmj - np.nan_to_num(kcmj)
        bad = np.isfinite(v) & np.isfinite(expect) & (np.abs(v - expect) > eps)
        k = np.flatnonzero(bad)
        label = "图斑地类面积 TBDLMJ" if name == "TBDLMJ" else f"永久基本农田面积 {c}"
        P.add("tbdlmj_mismatch", "error", ids[k],
              [f"{label} {fmt_number(a)} ≠ TBMJ − KCMJ = {fmt_number(t)} − {fmt_number(km)} = {fmt_number(e)}"
               for a, t, km, e in zip(v[k], tbmj[k], np.nan_to_num(kcmj[k]), expect[k])],
              field_name="TBDLMJ" if name == "TBDLMJ" else "YJJBNTMJ", value=[fmt_number(a) for a in v[k]],
              geometry=geoms[k], area=area[k], order=order[k])
    return stats


def tbmj_unit(n_mismatch: int, n_cand: int, ratios: np.ndarray) -> tuple[str | None, float | None]:
    """(亩 or 公顷, the median TBMJ / area) when most features mismatch because TBMJ is in that unit,
    else (None, None). n_mismatch, n_cand and `ratios` (of the candidates, any order) come from
    `area_checks` over the whole layer."""
    unit = ratio = None
    if n_mismatch > 0.5 * max(n_cand, 1) and n_cand >= 3:
        ratio = float(np.median(ratios))
        for label, factor in (("亩", 15.0 / 10000.0), ("公顷", 1.0 / 10000.0)):
            if abs(ratio / factor - 1) < 0.02:
                unit = label
    return unit, ratio


def tbmj_unit_problem(P: ProblemCollector, col: str, unit: str, ratio: float) -> None:
    """The one layer-level area_mismatch of a TBMJ in 亩 or 公顷 (no per-feature comparison)."""
    P.add("area_mismatch", "error", "", [f"图斑面积 {col} 似乎以{unit}而不是平方米为单位（中位比值 {ratio:.6f}），"
                                          f"未逐图斑比较"], field_name="TBMJ", value=unit)

