"""Facility pieces (1202 inside permanent basic farmland, outside every allowed record) judged by the
filed record they lie in: its type and filing date decide the problem type, severity and measure
(`facilities.verdict_rule`); the part in no record is 未备案. Where records overlap, the strictest wins.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from ..columns import text_values
from ..config import Rules, vocabulary
from .facilities import verdict_rule
from .split import NONE, split_findings

#: Severity order of verdicts where records overlap: errors before warnings.
_RANK = {"error": 0, "warning": 1}


def split_by_records(findings: gpd.GeoDataFrame, records: gpd.GeoDataFrame, rules: Rules, work_crs: Any,
                     threads: int | None = None) -> gpd.GeoDataFrame:
    """The facility findings split along the records that do not allow them (`verdict` other than
    `allowed`), each part with the rule of its record's verdict and `facility_evidence` (备案编号, type,
    date; or 未备案). Other findings pass unchanged (with an empty `facility_evidence`)."""
    findings = findings.reset_index(drop=True)
    is_fac = findings["category"].to_numpy(dtype=object) == "facility"
    findings["facility_evidence"] = np.where(is_fac, vocabulary().label("description_unfiled"), "")
    recs = records[records["verdict"].to_numpy(dtype=object) != "allowed"]
    if not is_fac.any() or not len(recs):
        return findings
    recs = recs.to_crs(work_crs) if recs.crs != work_crs else recs
    rank = np.array([_RANK.get(verdict_rule(rules, v).severity, 2) for v in recs["verdict"]], dtype=np.int64)
    recs = recs.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    fac, label = split_findings(findings[is_fac], recs.geometry.to_numpy(), work_crs, rules, threads)
    filed = label != NONE
    if filed.any():
        k = label[filed]
        rules_k = [verdict_rule(rules, v) for v in recs["verdict"].to_numpy()[k]]
        fac.loc[filed, "problem_type"] = [r.problem_type for r in rules_k]
        fac.loc[filed, "severity"] = [r.severity for r in rules_k]
        fac.loc[filed, "suggested_measure"] = [r.suggested_measure for r in rules_k]
        fac.loc[filed, "facility_evidence"] = _evidence(recs.iloc[k])
    out = gpd.pd.concat([findings[~is_fac], fac], ignore_index=True)
    order = np.lexsort((out["finding_key"].to_numpy(dtype=object).astype(str),
                        out["farmland_id"].to_numpy(dtype=object).astype(str),
                        out["patch_id"].to_numpy(dtype=object).astype(str)))
    return out.iloc[order].reset_index(drop=True)


def _evidence(recs: gpd.GeoDataFrame) -> list[str]:
    """备案 商设农备〔2023〕004号 畜禽养殖设施 2023-05-01 (type as written; date as read, or 日期不明)."""
    vocab = vocabulary()
    out = []
    kinds = text_values(recs["facility_type"]) if "facility_type" in recs.columns else [""] * len(recs)
    for rid, kind, d in zip(text_values(recs["record_id"]), kinds, recs["filed_date"]):
        date = d.isoformat() if d is not None and hasattr(d, "isoformat") else vocab.label("facility_no_date")
        out.append(vocab.label("facility_evidence", record=rid, kind=kind, date=date).strip())
    return out
