"""The ledger's columns: who fills each (tool, people, bookkeeping), their types and Chinese headers, the
status roles, and how a value is compared and written as text.

Facts and small pure functions only: no file access, no merging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import units
from ..config import vocabulary
from ..errors import LandcheckError
from ..findings import HEADERS_ZH

#: "2": origin_evidence, and suggestions (整改措施, 新增/存量) that follow the judgment until a person edits them
FORMAT_VERSION = "2"
#: Layers of the ledger GeoPackage.
TASKS, HISTORY, META = "tasks", "history", "meta"

#: Filled by the tool on every run (issue_id only once, at creation).
TOOL_FIELDS = (
    "issue_id", "finding_key", "check", "source", "batch", "patch_id", "farmland_id", "township", "village",
    "location", "lon", "lat", "area_m2", "area_mu", "cultivated_m2", "cultivated_mu", "pbf_m2", "pbf_mu",
    "dlbm", "dlmc", "orig_dlbm", "zzsx", "problem_type", "category", "severity", "description", "suggested_measure",
    "origin_evidence", "village_code", "monitor_id", "related_issue",
)
#: Filled by people (import); a run never overwrites them. `measure`, `status`, `current_use`,
#: `new_or_stock` and `clue_id` get a first value from the tool when the task is created (the last three
#: and `measure` follow the data until a person edits them: `suggestions`).
PEOPLE_FIELDS = (
    "verdict", "measure", "deadline", "resp_unit", "resp_person", "status", "remaining_mu", "done_date",
    "current_use", "new_or_stock", "project_name", "subject", "build_time", "case_filed", "clue_id", "major_case", "photo_before",
    "photo_after", "remarks",
)
#: Bookkeeping written by runs, not recorded in history (except disappeared_date).
BOOK_FIELDS = ("first_seen", "last_seen", "disappeared_date")
TASK_COLUMNS = TOOL_FIELDS + PEOPLE_FIELDS + BOOK_FIELDS

NUMERIC_FIELDS = ("lon", "lat", "area_m2", "area_mu", "cultivated_m2", "cultivated_mu", "pbf_m2", "pbf_mu", "remaining_mu")
DATE_FIELDS = ("deadline", "done_date", "first_seen", "last_seen", "disappeared_date")
#: Decimals a numeric field is compared and shown with.
DECIMALS = {"lon": 6, "lat": 6, "area_m2": 2, "cultivated_m2": 2, "pbf_m2": 2,
            "area_mu": 2, "cultivated_mu": 2, "pbf_mu": 2, "remaining_mu": 2}

#: Chinese headers (spreadsheets); finding columns keep the findings' own headers.
HEADERS = {
    **HEADERS_ZH,
    "seq": "序号", "issue_id": "问题编号", "source": "来源", "batch": "监测批次", "location": "坐落",
    "cultivated_m2": "其中耕地面积(平方米)", "cultivated_mu": "其中耕地面积(亩)",
    "pbf_m2": "其中永久基本农田面积(平方米)", "pbf_mu": "其中永久基本农田面积(亩)",
    "orig_dlbm": "原地类", "current_use": "现状地类", "zzsx": "种植属性", "description": "问题描述",
    "new_or_stock": "新增/存量", "origin_evidence": "新增/存量依据", "project_name": "项目名称", "subject": "使用主体", "build_time": "建设（发现）时间",
    "verdict": "核查结论", "measure": "整改措施", "deadline": "整改时限", "resp_unit": "责任单位", "resp_person": "责任人",
    "status": "整改状态", "remaining_mu": "剩余未整改面积(亩)", "done_date": "整改完成时间", "major_case": "是否重大典型问题",
    "photo_before": "整改前照片", "photo_after": "整改后照片", "remarks": "备注",
    "village_code": "行政村代码", "clue_id": "线索编号", "monitor_id": "监测编号", "related_issue": "关联问题编号",
    "case_filed": "是否立案",
    "first_seen": "首次发现日期", "last_seen": "最近发现日期", "disappeared_date": "消失日期",
    # not ledger columns: the workbook's evidence columns (landcheck.evidence, issue 18)
    "photo_count": vocabulary().label("evidence_photo_count"), "last_visit": vocabulary().label("evidence_last_visit"),
}

#: Categories of tasks that are a gap in the township's own plan (a transfer block under the minimum), not a
#: violation of farmland law: counted apart from the problem totals everywhere.
PLAN_CATEGORIES = ("transfer_below_min",)


def is_violation(tasks: pd.DataFrame) -> np.ndarray:
    """Element-wise: is the task a violation (every task but the plan gaps of PLAN_CATEGORIES)?"""
    return ~tasks["category"].isin(PLAN_CATEGORIES).to_numpy() if len(tasks) else np.zeros(0, dtype=bool)


HISTORY_COLUMNS = ("time", "issue_id", "field", "old", "new", "origin")


@dataclass(frozen=True)
class StatusRoles:
    """What each packaged status means to the tool (the words come from the vocabulary, in its order:
    未整改, 整改中, 已整改, 已销号, 待复核（已消失）)."""

    new: str
    in_progress: str
    done: str
    closed: str
    disappeared: str

    @property
    def finished(self) -> tuple[str, str]:
        return (self.done, self.closed)


def status_roles() -> StatusRoles:
    s = vocabulary().statuses
    if len(s) < 5:  # pragma: no cover - guards an edited vocabulary
        raise LandcheckError("the packaged vocabulary needs five ledger statuses (new, in progress, done, closed, disappeared).")
    return StatusRoles(*s[:5])


def default_source(check: str) -> str:
    """The `source` of a task when the run names none (vocabulary label ``ledger_source_{check}``; an
    unknown check is its own source)."""
    labels = vocabulary().labels
    return labels.get(f"ledger_source_{check}", check)


def now() -> str:
    """The current time as the ledger writes it (ISO, seconds)."""
    return datetime.now().isoformat(timespec="seconds")


def is_blank(v) -> bool:
    """None, NaN or only blanks."""
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def stored_text(v) -> str:
    """A text column's value as the ledger keeps it: '' for None or NaN, else as it is (not stripped)."""
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def history_text(v) -> str:
    """A value as history/spreadsheet text: '' for missing, floats by their repr, ISO for dates."""
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if np.isnan(v) else repr(v)
    if isinstance(v, (np.floating,)):
        return "" if np.isnan(v) else repr(float(v))
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return str(v)


def parse_iso_date(text: str) -> date | None:
    """The date at the start of an ISO text ('' or not a date: None)."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def empty_tasks(crs=None) -> gpd.GeoDataFrame:
    data = {c: pd.Series([], dtype="float64" if c in NUMERIC_FIELDS else "str") for c in TASK_COLUMNS}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs))


def normalise_tasks(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every ledger column present with its dtype: text '' for missing, numbers float (NaN)."""
    gdf = gdf.copy()
    for c in TASK_COLUMNS:
        if c not in gdf.columns:
            gdf[c] = np.nan if c in NUMERIC_FIELDS else ""
        if c in NUMERIC_FIELDS:
            gdf[c] = pd.to_numeric(gdf[c], errors="coerce").astype("float64")
        else:
            gdf[c] = gdf[c].map(stored_text).astype("str")
    extra = [c for c in gdf.columns if c not in TASK_COLUMNS and c != gdf.geometry.name]
    gdf = gdf[list(TASK_COLUMNS) + extra + [gdf.geometry.name]]
    return gdf.reset_index(drop=True)


def same_value(field_name: str, a, b) -> bool:
    """One value: is `b` the same as `a` as shown (numbers rounded half-up to their decimals)?"""
    if field_name in NUMERIC_FIELDS:
        fa, fb = float(a), float(b)
        if np.isnan(fa) and np.isnan(fb):
            return True
        if np.isnan(fa) or np.isnan(fb):
            return False
        d = DECIMALS.get(field_name, 6)
        return units.round_half_up(fa, d) == units.round_half_up(fb, d)
    return str(a) == str(b)


def differs(field_name: str, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Element-wise: is `new` a change of `old`? Numbers differ by half a unit of their last decimal."""
    if field_name in NUMERIC_FIELDS:
        a = np.asarray(old, dtype="float64")
        b = np.asarray(new, dtype="float64")
        both_nan = np.isnan(a) & np.isnan(b)
        one_nan = np.isnan(a) ^ np.isnan(b)
        with np.errstate(invalid="ignore"):
            far = np.abs(a - b) >= 0.5 * 10.0 ** -DECIMALS.get(field_name, 6)
        return one_nan | (far & ~both_nan)
    return np.asarray([str(x) != str(y) for x, y in zip(old, new)], dtype=bool)
