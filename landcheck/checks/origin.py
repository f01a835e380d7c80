"""新增 or 存量 of every farmland finding (domain.md §9.1): `origin` = new / existing / unknown and
`origin_evidence` (what decided it, in Chinese), and the severity and measure that follow from category
and origin ([origin] of rules.toml).

The first rule that applies wins:
1. the farmland polygon's own land class (its DLBM, the class at delineation) is not 01xx → existing;
2. it is 01xx → new; the baseline, when given, only says 本年新增 (baseline grain-growing 耕地) or 往年新增;
3. no farmland class: baseline already in the finding's category → existing; baseline 01xx → new;
4. CZCSXM in the settlement codes (201–205, 201A …) or a 二调 class 201–205 as the code → existing;
5. otherwise unknown (待核实).
With a baseline survey the findings are first split along its patches (`split.split_along`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import landuse, units
from ..columns import text_values
from ..config import Rules, vocabulary
from .split import NONE, split_findings

#: Columns the farmland check gives each finding for this judgment (besides the finding schema).
ORIGIN_INPUTS = ("zzsx", "czcsxm", "farmland_dlbm")
#: Columns this judgment adds.
ORIGIN_COLUMNS = ("origin", "origin_evidence", "orig_dlbm", "origin_note")
#: 二调 land classes 201–205 (城市, 建制镇, 村庄, 采矿用地, 风景名胜及特殊用地) found as the code itself.
ERDIAO_SETTLEMENT = ("201", "202", "203", "204", "205")


def _cultivated(code: str) -> bool:
    return code.startswith("01") and landuse.lookup(code) is not None


def split_by_baseline(findings: gpd.GeoDataFrame, baseline: gpd.GeoDataFrame, rules: Rules, work_crs: Any,
                      threads: int | None = None) -> gpd.GeoDataFrame:
    """The findings split along the baseline patches, each part with `base_dlbm` and `base_zzsx` (''
    where no baseline patch lies). Areas are shared out by ellipsoidal area; uncut findings unchanged."""
    b_work = baseline.to_crs(work_crs) if baseline.crs != work_crs else baseline
    out, label = split_findings(findings, b_work.geometry.to_numpy(), work_crs, rules, threads)
    has = label != NONE
    for src, dst in (("DLBM", "base_dlbm"), ("ZZSXDM", "base_zzsx")):
        values = np.asarray(text_values(b_work[src]) if src in b_work.columns else [""] * len(b_work), dtype=object)
        out[dst] = np.where(has, values[np.where(has, label, 0)] if len(values) else "", "")
    return out


def judge_origin(findings: pd.DataFrame, rules: Rules, baseline_year: str = "") -> pd.DataFrame:
    """`origin`, `origin_evidence`, `orig_dlbm` (the class before: baseline, else at delineation) and
    `origin_note` of every finding, and its severity / suggested measure by [origin] of the rules.
    Reads `farmland_dlbm`, `czcsxm`, `dlbm`, `zzsx`, `category` and, after `split_by_baseline`,
    `base_dlbm` / `base_zzsx`; a column that is absent counts as blank. Decided once per distinct
    combination of these values."""
    out = findings.copy()
    n = len(out)
    names = ("farmland_dlbm", "base_dlbm", "base_zzsx", "czcsxm", "dlbm", "zzsx", "category", "severity", "suggested_measure")
    cols = {c: (text_values(out[c]) if c in out.columns else [""] * n) for c in names}
    keys = list(zip(*(cols[c] for c in names)))
    decided: dict[tuple, tuple] = {}
    rows = [decided.get(k) or decided.setdefault(k, _decide(*k, rules=rules, year=baseline_year)) for k in keys]
    for j, c in enumerate(("origin", "origin_evidence", "orig_dlbm", "severity", "suggested_measure", "origin_note")):
        out[c] = np.array([r[j] for r in rows], dtype=object) if n else np.array([], dtype=object)
    return out


def _decide(f_code: str, base: str, base_zz: str, czcsxm: str, code: str, zz: str, category: str, severity: str,
            measure: str, *, rules: Rules, year: str) -> tuple[str, str, str, str, str, str]:
    """(origin, evidence, class before, severity, measure, note) of one combination (module docstring)."""
    vocab = vocabulary()
    said = ""
    base_cat = rules.for_patch(base, base_zz).category if base else ""
    if base:
        said = vocab.label("origin_baseline_year", year=year, code=base) if year else vocab.label("origin_baseline", code=base)
    if f_code and landuse.lookup(f_code) is not None:
        why = [vocab.label("origin_delineated", code=f_code)]
        origin = "new" if _cultivated(f_code) else "existing"
        if origin == "new" and base:  # 本年新增 when the baseline was still grain-growing 耕地
            why.append(f"{said}（{vocab.label('origin_this_year' if base_cat == 'cultivated' else 'origin_earlier')}）")
        evidence = "；".join(why)
    elif base and base_cat == category:
        origin, evidence = "existing", said
    elif base and _cultivated(base):
        origin, evidence = "new", said
    elif czcsxm in rules.settlement_codes:
        origin, evidence = "existing", vocab.label("origin_settlement", code=czcsxm)
    elif code in ERDIAO_SETTLEMENT:
        origin, evidence = "existing", vocab.label("origin_erdiao", name=landuse.name_of(code) or "", code=code)
    else:
        origin, evidence = "unknown", vocab.label("origin_undecided")
    o = rules.origin_override(category, origin)
    severity = o.get("severity", severity)
    if "suggested_measure" in o and not (o.get("keep_recovery") and zz.upper() in vocab.recovery):
        measure = o["suggested_measure"]
    return origin, evidence, base or f_code, severity, measure, o.get("note", "")


def origin_summary(findings: pd.DataFrame) -> dict:
    """Per category: mu by origin — summary.json `by_origin`. Each category's cells add up to its total
    rounded once (largest remainders get the last hundredths), so that a printed row adds up."""
    out: dict[str, dict[str, float]] = {}
    if not len(findings) or "origin" not in findings.columns:
        return out
    g = findings.groupby(["category", "origin"])["area_m2"].sum()
    for c in sorted(set(g.index.get_level_values(0))):
        cells = g.loc[c]
        shares = units.split_printed(units.area_mu(float(cells.sum())), units.m2_to_mu(cells.to_numpy(dtype=float)))
        out[c] = dict(zip(cells.index, shares))
    return out
