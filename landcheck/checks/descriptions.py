"""The 问题描述 of a farmland finding: where (永久基本农田内), what (land use), how much (mu) and why —
the planting attribute, the filing state of a facility, 新增 or 存量 and its evidence, and a note such as
建议立案查处. Words from the vocabulary (domain.md §9)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import text_values
from ..config import vocabulary

#: Categories whose planting attribute (ZZSXDM) is the reason, or refines the measure (恢复属性).
PLANTING_REASON = ("non_grain_crop", "mixed_crop", "abandoned", "non_grain")


def describe(findings: pd.DataFrame, names_only: bool = False) -> list[str]:
    """One 问题描述 per finding: 永久基本农田内旱地(0103) 1.50亩，种植属性 非粮作物(FLS)，新增（划定时地类 0103）.
    `names_only`: the layer carried names and no codes, so the land use is told by its name alone."""
    vocab = vocabulary()
    n = len(findings)

    def col(name):
        return text_values(findings[name]) if name in findings.columns else [""] * n

    mu = pd.to_numeric(findings["area_mu"], errors="coerce").to_numpy(dtype=float) if n else np.empty(0)
    in_farmland, mu_word = vocab.label("in_farmland"), vocab.label("mu")
    out = []
    for name, code, farmland_id, cat, zz, fac, origin, evidence, note, m in zip(
            col("dlmc"), col("dlbm"), col("farmland_id"), col("category"), col("zzsx"), col("facility_evidence"),
            col("origin"), col("origin_evidence"), col("origin_note"), mu):
        what = name if (names_only and name) or not code else (f"{name}({code})" if name else code)
        head = f"{in_farmland if farmland_id else ''}{what}"
        if not np.isnan(m):
            head += f" {m:.2f}{mu_word}"
        why = []
        if cat in PLANTING_REASON and zz.upper() in vocab.planting_attributes:
            why.append(vocab.label("description_planting", name=vocab.planting_attributes[zz.upper()], code=zz.upper()))
        if fac:
            why.append(fac)
        if origin:
            why.append(vocab.label("description_origin", origin=vocab.origins.get(origin, origin), evidence=evidence))
        if note:
            why.append(vocab.label("description_note", note=note))
        out.append("，".join([head, *why]))
    return out
