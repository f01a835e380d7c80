"""Per-feature checks of a survey layer's attributes: land-use codes and names (unknown_code,
code_name_mismatch), the attributes allowed for each class (invalid_attribute: ZZSXDM, KCXS/KCDLBM,
CZCSXM, GDLX, GDPDJB, TBXHDM), 农村道路 width (road_too_wide) and change-patch fields (TBLX, QSX/HSX).

Every problem here concerns one feature, so any subset of the features gives the same problems for
its features (the map step runs these per part). Layer-level problems are in `fields` and `areas`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ... import landuse
from ...columns import text_column, text_values
from .areas import area_checks
from .problems import ProblemCollector
from .schema import (
    CZCSXM_CODES,
    FIELD_NAMES_ZH,
    GDLX_CODES,
    GDPDJB_CODES,
    PLANTING_CODES,
    RECOVERY_CODES,
    TBLX_CODES,
    TBXH_CLASSES,
    TBXH_PLANTING,
    TIANKAN,
    SurveyTolerances,
    field_column,
    field_numbers,
)


def feature_checks(P: ProblemCollector, schema, work, columns, ids, order, geoms, area,
                   tol: SurveyTolerances) -> tuple[int, int, np.ndarray] | None:
    """The field checks of `schema` whose every problem concerns one feature (codes, areas,
    attributes, change-patch fields). Returns `area_checks`' statistics for the layer-level decision
    whether TBMJ is in 亩 or 公顷 (None without TBMJ checks)."""
    stats = None
    if schema == "dltb":
        _code_checks(P, work, ids, order, geoms, area)
        stats = area_checks(P, work, ids, order, geoms, area, tol, pbf_field=None)
        _attribute_checks(P, work, ids, order, geoms, area, tol)
    elif schema == "farmland":
        if field_column(columns, "DLBM") or field_column(columns, "DLMC"):
            _code_checks(P, work, ids, order, geoms, area)
        stats = area_checks(P, work, ids, order, geoms, area, tol, pbf_field=field_column(columns, "YJJBNTMJ"))
    elif schema == "change":
        if field_column(columns, "DLBM"):
            _code_checks(P, work, ids, order, geoms, area)
        _change_checks(P, work, ids, order, geoms, area)
    return stats


def _code_checks(P, work, ids, order, geoms, area) -> None:
    """unknown_code and code_name_mismatch (DLBM as normalised by the reader)."""
    codes = text_column(work, "DLBM")
    names = text_column(work, "DLMC")
    table = landuse.code_table()
    uniq = pd.unique(codes)
    known = {c: c in table for c in uniq}
    is_known = np.array([known[c] for c in codes], dtype=bool)
    blank = codes == ""
    k = np.flatnonzero(blank)
    if len(k):
        msgs = ["地类编码为空" + (f"，地类名称“{nm}”不是已知地类" if nm else "") for nm in names[k]]
        P.add("unknown_code", "error", ids[k], msgs, field_name="DLBM", value="", geometry=geoms[k],
              area=area[k], order=order[k])
    k = np.flatnonzero(~blank & ~is_known)
    if len(k):
        P.add("unknown_code", "error", ids[k], [f"地类编码 {c} 不在三调工作分类代码表中" for c in codes[k]],
              field_name="DLBM", value=codes[k], geometry=geoms[k], area=area[k], order=order[k])
    # a grouping (01, 20 …; 三调 uses 09 itself as a leaf) or a 城镇村属性码 (201–205) given as the class
    def not_leaf(c):
        e = table.get(c)
        return e is not None and ((len(c) == 2 and c != "09") or e.parent == "20")
    nl = {c: not_leaf(c) for c in uniq}
    k = np.flatnonzero(np.array([nl[c] for c in codes], dtype=bool))
    if len(k):
        msgs = [f"地类编码 {c}（{table[c].name_zh}）" + ("是城镇村属性码（二调地类），三调中应填地类编码并在 CZCSXM 标注"
                                                   if table[c].parent == "20" else "是一级类，不是可填的地类")
                for c in codes[k]]
        P.add("unknown_code", "warning", ids[k], msgs, field_name="DLBM", value=codes[k], geometry=geoms[k],
              area=area[k], order=order[k])
    # DLBM vs DLMC
    if "DLMC" not in work.columns:
        return
    pairs = pd.DataFrame({"c": codes, "m": names}).drop_duplicates()
    bad_pairs = set()
    for c, m in zip(pairs["c"], pairs["m"]):
        if c == "" or m == "" or c not in table:
            continue
        if not _name_fits(c, m):
            bad_pairs.add((c, m))
    if not bad_pairs:
        return
    k = np.flatnonzero(np.array([(c, m) in bad_pairs for c, m in zip(codes, names)], dtype=bool))
    msgs = [f"地类编码 {c}（{table[c].name_zh}）与地类名称“{m}”不符" for c, m in zip(codes[k], names[k])]
    P.add("code_name_mismatch", "error", ids[k], msgs, field_name="DLMC", value=names[k], geometry=geoms[k],
          area=area[k], order=order[k])


def _name_fits(code: str, name: str) -> bool:
    """True when `name` names the class `code`: its own name, a name (incl. 二调-era) that maps to it,
    or for a suffixed code (0201K, 1104A) the name of its parent class."""
    entry = landuse.lookup(code)
    if entry is None:
        return True
    if name == entry.name_zh or landuse.code_for_name(name) == code:
        return True
    if re.fullmatch(r".+[KA]", code):
        parent = code[:-1]
        if name == landuse.name_of(parent) or landuse.code_for_name(name) == parent:
            return True
    return False




def _clean_codes(values: np.ndarray) -> np.ndarray:
    """`landuse.clean_code` of each value ('' for none), computed once per distinct value."""
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    return np.array([landuse.clean_code(u) or "" for u in uniq], dtype=object)[inv.ravel()]


def _restorable(code: str) -> bool:
    """Non-cultivated agricultural land that may carry 恢复属性 JKHF/GCHF (园地, 林地, 坑塘; 草地 has its
    own rules: `GRASS_BLANK_ZZSXDM`, `OTHER_GRASS`)."""
    base = code[:-1] if code.endswith(("K", "A")) else code
    return base[:2] in ("02", "03") or base.startswith("1104")


#: 三调 恢复属性 QC (domain.md §9.4, as in the public checker Roger-mrj/TDDC3D RuleCheck6.cs): these
#: 草地 classes carry no ZZSXDM; 0404 其他草地 only GCHF; 园地 refined as LQYD carries none.
GRASS_BLANK_ZZSXDM = ("0401", "0402", "0403", "0403K")
OTHER_GRASS = "0404"
OTHER_GRASS_RECOVERY = "GCHF"
ORCHARD_BLANK_TBXH = "LQYD"


def _construction(code: str) -> bool:
    e = landuse.lookup(code)
    return e is not None and e.in_pbf == "non_farm"



def _attribute_checks(P, work, ids, order, geoms, area, tol: SurveyTolerances) -> None:
    """invalid_attribute (ZZSXDM, KCXS/KCDLBM, CZCSXM, GDLX, GDPDJB, TBXHDM) and road_too_wide (1006)."""
    n = len(work)
    cols = list(work.columns)
    codes = text_column(work, "DLBM")
    cult = np.array([c.startswith("01") for c in codes], dtype=bool) if n else np.zeros(0, bool)
    uniq = pd.unique(codes)
    rest_map = {c: _restorable(c) for c in uniq}
    cons_map = {c: _construction(c) for c in uniq}
    restorable = np.array([rest_map[c] for c in codes], dtype=bool)
    # 可调整地类 (0201K …, converted from cultivated land, plough layer intact) may keep 耕地 attributes
    adjustable = np.array([c.endswith("K") for c in codes], dtype=bool) if n else np.zeros(0, bool)
    tiankan_ok = cult | adjustable
    construction = np.array([cons_map[c] for c in codes], dtype=bool)

    def add(mask, sev, name, values, msg_fn):
        k = np.flatnonzero(mask)
        if len(k):
            P.add("invalid_attribute", sev, ids[k], [msg_fn(codes[i], values[i]) for i in k], field_name=name,
                  value=values[k], geometry=geoms[k], area=area[k], order=order[k])

    col = field_column(cols, "ZZSXDM")
    if col is not None:
        z = np.array([v.upper() for v in text_values(work[col])], dtype=object)
        blank = z == ""
        add(cult & ~blank & ~np.isin(z, PLANTING_CODES), "error", "ZZSXDM", z,
            lambda c, v: f"耕地 {c} 的种植属性代码 ZZSXDM “{v}” 不是 {'/'.join(PLANTING_CODES)} 之一")
        add(cult & blank, "warning", "ZZSXDM", z, lambda c, v: f"耕地 {c} 未填种植属性代码 ZZSXDM")
        # 恢复属性 QC (三调 rules, see GRASS_BLANK_ZZSXDM): each rule names itself; none fires twice
        grass = np.isin(codes, GRASS_BLANK_ZZSXDM)
        other_grass = codes == OTHER_GRASS
        tcol = field_column(cols, "TBXHDM")
        tbxh = np.array([t.upper() for t in text_values(work[tcol])], dtype=object) if tcol else np.full(n, "", object)
        lqyd = np.array([c.startswith("02") for c in codes], dtype=bool) & (tbxh == ORCHARD_BLANK_TBXH) if n \
            else np.zeros(0, bool)
        add(grass & ~blank, "error", "ZZSXDM", z,
            lambda c, v: f"草地 {c} 的 ZZSXDM 应为空（三调恢复属性质检：0401/0402/0403/0403K 不填），不能是 “{v}”")
        add(other_grass & ~blank & (z != OTHER_GRASS_RECOVERY), "error", "ZZSXDM", z,
            lambda c, v: f"其他草地 0404 的 ZZSXDM 只能为 GCHF（工程恢复）或空（三调恢复属性质检），不能是 “{v}”")
        add(lqyd & ~blank, "error", "ZZSXDM", z,
            lambda c, v: f"园地 {c} 细化为 LQYD（林区园地）时 ZZSXDM 应为空（三调恢复属性质检），不能是 “{v}”")
        add(restorable & ~lqyd & ~blank & ~np.isin(z, RECOVERY_CODES), "error", "ZZSXDM", z,
            lambda c, v: f"地类 {c} 的 ZZSXDM 只能为恢复属性 JKHF/GCHF 或空，不能是 “{v}”")
        add(~cult & ~restorable & ~grass & ~other_grass & ~blank, "error", "ZZSXDM", z,
            lambda c, v: f"地类 {c or '（空）'} 不应填种植属性代码 ZZSXDM（“{v}”）：只用于耕地及可恢复的园地/林地/坑塘/其他草地")
    col = field_column(cols, "KCXS")
    if col is not None:
        x = field_numbers(work[col], n)
        text = np.where(np.isinf(x), np.where(x > 0, "inf", "-inf"), text_values(work[col]))  # inf is no blank
        notnum = (text != "") & ~np.isfinite(x)
        add(notnum, "error", "KCXS", text, lambda c, v: f"扣除地类系数 KCXS “{v}” 不是数值")
        out = np.isfinite(x) & ((x < 0) | (x > tol.max_kcxs))
        add(out, "error", "KCXS", text, lambda c, v: f"扣除地类系数 KCXS {v} 超出允许范围 0–{tol.max_kcxs:g}")
        pos = np.isfinite(x) & (x > 0) & ~out
        add(pos & ~tiankan_ok, "error", "KCXS", text,
            lambda c, v: f"地类 {c or '（空）'} 不是耕地，不应扣除田坎（KCXS {v}）")
        kc = field_column(cols, "KCDLBM")
        if kc is not None:
            kd = text_values(work[kc])
            kd = _clean_codes(kd)
            add(pos & tiankan_ok & (kd != TIANKAN), "error", "KCDLBM", kd,
                lambda c, v: f"扣除田坎（KCXS > 0）时扣除地类编码 KCDLBM 应为 1203 田坎，而不是 “{v or '空'}”")
    col = field_column(cols, "CZCSXM")
    if col is not None:
        v = _clean_codes(text_values(work[col]))
        blank = v == ""
        add(~blank & ~np.isin(v, CZCSXM_CODES), "error", "CZCSXM", v,
            lambda c, t: f"城镇村属性码 CZCSXM “{t}” 不是 {'/'.join(CZCSXM_CODES)} 之一")
        industrial = np.array([t.endswith("A") for t in v], dtype=bool) if n else np.zeros(0, bool)
        add(~blank & np.isin(v, CZCSXM_CODES) & industrial & ~construction, "error", "CZCSXM", v,
            lambda c, t: f"{t}（独立工业用地）只用于建设用地，地类 {c or '（空）'} 不是")
        settlement = np.array([c[:2] in ("05", "06", "07", "08") or c in ("09", "1004", "1005", "1201") for c in codes],
                              dtype=bool)
        add(blank & settlement, "warning", "CZCSXM", v, lambda c, t: f"建设用地 {c} 未填城镇村属性码 CZCSXM（城镇村范围内必填）")
    col = field_column(cols, "GDLX")
    if col is not None:
        v = np.array([t.upper() for t in text_values(work[col])], dtype=object)
        add((v != "") & ~np.isin(v, GDLX_CODES), "error", "GDLX", v,
            lambda c, t: f"耕地类型 GDLX “{t}” 不是 TT（梯田）/PD（坡地）或空")
        add((v != "") & ~tiankan_ok & np.isin(v, GDLX_CODES), "error", "GDLX", v,
            lambda c, t: f"地类 {c or '（空）'} 不是耕地，不应填耕地类型 GDLX（“{t}”）")
    col = field_column(cols, "GDPDJB")
    if col is not None:
        v = text_values(work[col])
        add((v != "") & ~np.isin(v, GDPDJB_CODES), "error", "GDPDJB", v,
            lambda c, t: f"耕地坡度级别 GDPDJB “{t}” 不是 1–5")
    col = field_column(cols, "TBXHDM")
    if col is not None:
        v = np.array([t.upper() for t in text_values(work[col])], dtype=object)
        given = v != ""
        known = np.isin(v, list(TBXH_CLASSES))
        add(given & ~known, "error", "TBXHDM", v,
            lambda c, t: f"图斑细化代码 TBXHDM “{t}” 不是 {'/'.join(TBXH_CLASSES)} 之一")
        fits = np.array([any(c.startswith(p) for p in TBXH_CLASSES.get(x, ())) for c, x in zip(codes, v)], dtype=bool)
        add(given & known & ~fits, "error", "TBXHDM", v,
            lambda c, t: f"图斑细化代码 {t} 只用于地类 {'/'.join(TBXH_CLASSES[t])}，不用于 {c or '（空）'}")
        zcol = field_column(cols, "ZZSXDM")
        if zcol is not None:
            z = np.array([s.upper() for s in text_values(work[zcol])], dtype=object)
            add(given & fits & cult & ~np.isin(z, TBXH_PLANTING), "error", "TBXHDM", v,
                lambda c, t: f"细化耕地 {t} 的种植属性代码 ZZSXDM 应为 {'/'.join(TBXH_PLANTING)} 之一")
    col = field_column(cols, "XZDWKD")
    if col is not None:
        w = field_numbers(work[col], n)
        wide = (codes == "1006") & np.isfinite(w) & (w > tol.max_road_width_m)
        k = np.flatnonzero(wide)
        if len(k):
            P.add("road_too_wide", "error", ids[k],
                  [f"农村道路 1006 宽 {x:g} m，超过 {tol.max_road_width_m:g} m：按定义应为公路用地 1003 或城镇村道路用地 1004"
                   for x in w[k]], field_name="XZDWKD", value=[f"{x:g}" for x in w[k]], geometry=geoms[k],
                  area=area[k], order=order[k])


def _change_checks(P, work, ids, order, geoms, area) -> None:
    """Change patches: TBLX in the known list (warning: provinces differ), QSX/HSX dates, QSX ≤ HSX."""
    cols = list(work.columns)
    col = field_column(cols, "TBLX")
    if col is not None:
        v = np.array([t.upper() for t in text_values(work[col])], dtype=object)
        k = np.flatnonzero(v == "")
        if len(k):
            P.add("invalid_attribute", "error", ids[k], ["图斑类型 TBLX 为空"] * len(k), field_name="TBLX", value="",
                  geometry=geoms[k], area=area[k], order=order[k])
        k = np.flatnonzero((v != "") & ~np.isin(v, TBLX_CODES))
        if len(k):
            P.add("invalid_attribute", "warning", ids[k], [f"图斑类型 TBLX “{t}” 不在常见类型中" for t in v[k]],
                  field_name="TBLX", value=v[k], geometry=geoms[k], area=area[k], order=order[k])
    dates = {}
    for name in ("QSX", "HSX"):
        col = field_column(cols, name)
        if col is None:
            continue
        raw = work[col]
        if pd.api.types.is_datetime64_any_dtype(raw.dtype):
            d = pd.to_datetime(raw, errors="coerce")
            text = text_values(raw.astype("string"))
        else:
            text = text_values(raw)
            clean = pd.Series([re.sub(r"[^0-9]", "", t) for t in text], dtype=object)
            d = pd.to_datetime(clean.where(clean.str.len() == 8), format="%Y%m%d", errors="coerce")
        dates[name] = d.to_numpy()
        bad = (text != "") & pd.isna(d).to_numpy()
        k = np.flatnonzero(bad)
        if len(k):
            P.add("invalid_attribute", "error", ids[k],
                  [f"{FIELD_NAMES_ZH[name]} {name} “{t}” 不是日期（YYYYMMDD）" for t in text[k]], field_name=name,
                  value=text[k], geometry=geoms[k], area=area[k], order=order[k])
    if len(dates) == 2:
        q, h = dates["QSX"], dates["HSX"]
        bad = ~pd.isna(q) & ~pd.isna(h) & (q > h)
        k = np.flatnonzero(bad)
        if len(k):
            P.add("invalid_attribute", "error", ids[k],
                  [f"前时相 {pd.Timestamp(a):%Y%m%d} 晚于后时相 {pd.Timestamp(b):%Y%m%d}" for a, b in zip(q[k], h[k])],
                  field_name="QSX", value=[f"{pd.Timestamp(a):%Y%m%d}" for a in q[k]], geometry=geoms[k],
                  area=area[k], order=order[k])

