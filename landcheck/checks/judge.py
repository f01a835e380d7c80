"""The county inspector's judgment of the farmland findings, after the overlay (both engines): facility
pieces by the filed record they lie in (type and date), 新增 or 存量 (`origin`), and the 问题描述 that
says why each piece is a finding.

Pure: findings in, findings out; `Judgement` holds what the judgment reads besides the findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

from ..columns import text_values
from ..config import Rules, vocabulary
from .descriptions import describe
from .facility_split import split_by_records
from .origin import judge_origin, split_by_baseline

#: Working columns dropped before the findings leave the check.
WORK_COLUMNS = ("farmland_dlbm", "base_dlbm", "base_zzsx", "origin_note", "facility_evidence", "czcsxm")


@dataclass
class Judgement:
    """What the judgment reads: the rules, the baseline survey (DLBM, ZZSXDM; any CRS) and its year, the
    classified facility records (`facilities.classify_records`) and whether a records file was given."""

    rules: Rules
    baseline: gpd.GeoDataFrame | None = None
    baseline_year: str = ""
    records: gpd.GeoDataFrame | None = None
    records_given: bool = False
    names_only: bool = False
    threads: int | None = None
    #: what reading the records' types and dates noted (a date that cannot be read, a type not in the table)
    record_notes: list[str] = field(default_factory=list)


def judge_findings(findings: gpd.GeoDataFrame, judgement: Judgement, work_crs: Any) -> gpd.GeoDataFrame:
    """The findings of the farmland check judged: facility pieces split by record, split along the
    baseline, origin and measure decided, 问题描述 written; working columns dropped."""
    f = findings
    if judgement.records is not None and len(judgement.records) and len(f):
        f = split_by_records(f, judgement.records, judgement.rules, work_crs, threads=judgement.threads)
    if judgement.baseline is not None and len(f):
        f = split_by_baseline(f, judgement.baseline, judgement.rules, work_crs, threads=judgement.threads)
    f = judge_origin(f, judgement.rules, judgement.baseline_year)
    if "facility_evidence" not in f.columns:
        label = "description_unfiled" if judgement.records_given else "description_no_records"
        f["facility_evidence"] = np.where(f["category"].to_numpy(dtype=object) == "facility", vocabulary().label(label), "")
    f["description"] = describe(f, names_only=judgement.names_only)
    f = f.drop(columns=[c for c in WORK_COLUMNS if c in f.columns])
    for c in ("origin", "origin_evidence", "orig_dlbm", "zzsx", "description"):
        f[c] = text_values(f[c]) if c in f.columns else [""] * len(f)
    return f.reset_index(drop=True)
