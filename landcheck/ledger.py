"""The rectification ledger 整改台账: a GeoPackage that remembers every task across runs.

Layers (``../shared/domain/domain.md`` §5.3 for the columns):

* ``tasks`` — one row per problem, with its geometry. Tool-filled columns (`TOOL_FIELDS`) are updated by
  every run; people-filled columns (`PEOPLE_FIELDS`) are written only by an import (or, once, when a task
  is created: `measure` starts as the suggested measure and `status` as 未整改). The one exception, asked
  for by the township: a task whose problem no longer appears becomes 待复核（已消失）.
* ``history`` — every change of a task's field: time, issue_id, field, old, new, origin (``run …`` or
  ``import …``).
* ``meta`` — key/value: the ledger's id, format version and the issue-number counters (never reused).

Every write takes a lock beside the ledger (``ledger.gpkg.lock``, created with O_EXCL: a second writer
gets "ledger is in use"), copies the ledger to a temporary file in the same folder, changes the copy and
renames it over the original (``os.replace``): a failure at any point leaves the previous ledger intact,
and layers that other programs added to the file (QGIS styles) are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from . import units
from .config import vocabulary
from .errors import LandcheckError
from .export import atomic_path, write_csv
from .findings import HEADERS_ZH, village_label

FORMAT_VERSION = "1"
TASKS, HISTORY, META = "tasks", "history", "meta"

#: Filled by the tool on every run (issue_id only once, at creation).
TOOL_FIELDS = (
    "issue_id", "finding_key", "check", "source", "batch", "patch_id", "farmland_id", "township", "village",
    "location", "lon", "lat", "area_m2", "area_mu", "cultivated_m2", "cultivated_mu", "pbf_m2", "pbf_mu",
    "dlbm", "dlmc", "orig_dlbm", "zzsx", "problem_type", "category", "severity", "description", "suggested_measure",
)
#: Filled by people (import); a run never overwrites them. `measure`, `status`, `current_use` and
#: `new_or_stock` get a first value from the tool when the task is created.
PEOPLE_FIELDS = (
    "verdict", "measure", "deadline", "resp_unit", "resp_person", "status", "remaining_mu", "done_date",
    "current_use", "new_or_stock", "project_name", "subject", "build_time", "major_case", "photo_before",
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
    "new_or_stock": "新增/存量", "project_name": "项目名称", "subject": "使用主体", "build_time": "建设（发现）时间",
    "verdict": "核查结论", "measure": "整改措施", "deadline": "整改时限", "resp_unit": "责任单位", "resp_person": "责任人",
    "status": "整改状态", "remaining_mu": "剩余未整改面积(亩)", "done_date": "整改完成时间", "major_case": "是否重大典型问题",
    "photo_before": "整改前照片", "photo_after": "整改后照片", "remarks": "备注",
    "first_seen": "首次发现日期", "last_seen": "最近发现日期", "disappeared_date": "消失日期",
}

#: `source` of a task when the run names none (domain.md §5.3).
DEFAULT_SOURCE = {"farmland": "YJJBNT套合", "survey": "DLTB套合", "transfer": "流转台账", "change": "年度变更调查",
                  "change_patch": "卫片执法"}

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


# ------------------------------------------------------------------------------------------
# The ledger in memory
# ------------------------------------------------------------------------------------------
@dataclass
class Ledger:
    """A loaded ledger. `history` holds what is in the file; `new_history` what this session adds."""

    tasks: gpd.GeoDataFrame
    history: pd.DataFrame
    meta: dict[str, str]
    new_history: list[dict] = field(default_factory=list)
    #: False: nothing to save (the transaction then leaves the file alone)
    touched: bool = True

    @property
    def crs(self):
        return self.tasks.crs

    def log(self, issue_id: str, field_name: str, old, new, origin: str, when: str | None = None) -> None:
        self.new_history.append({"time": when or _now(), "issue_id": issue_id, "field": field_name,
                                 "old": _text(old), "new": _text(new), "origin": origin})

    def all_history(self) -> pd.DataFrame:
        if not self.new_history:
            return self.history
        return pd.concat([self.history, pd.DataFrame(self.new_history, columns=list(HISTORY_COLUMNS))], ignore_index=True)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _text(v) -> str:
    """A value as history/spreadsheet text: '' for missing, 2/6 decimals for floats, ISO for dates."""
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if np.isnan(v) else repr(v)
    if isinstance(v, (np.floating,)):
        return "" if np.isnan(v) else repr(float(v))
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return str(v)


def empty_tasks(crs=None) -> gpd.GeoDataFrame:
    data = {c: pd.Series([], dtype="float64" if c in NUMERIC_FIELDS else "str") for c in TASK_COLUMNS}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs))


def _normalise_tasks(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every ledger column present with its dtype: text '' for missing, numbers float (NaN)."""
    gdf = gdf.copy()
    for c in TASK_COLUMNS:
        if c not in gdf.columns:
            gdf[c] = np.nan if c in NUMERIC_FIELDS else ""
        if c in NUMERIC_FIELDS:
            gdf[c] = pd.to_numeric(gdf[c], errors="coerce").astype("float64")
        else:
            gdf[c] = gdf[c].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).astype("str")
    extra = [c for c in gdf.columns if c not in TASK_COLUMNS and c != gdf.geometry.name]
    gdf = gdf[list(TASK_COLUMNS) + extra + [gdf.geometry.name]]
    return gdf.reset_index(drop=True)


def new_ledger(crs=None) -> Ledger:
    meta = {"format": FORMAT_VERSION, "ledger_id": uuid.uuid4().hex, "created": _now()}
    return Ledger(tasks=empty_tasks(crs), history=pd.DataFrame({c: pd.Series([], dtype="str") for c in HISTORY_COLUMNS}), meta=meta)


def load_ledger(path: str | Path) -> Ledger:
    """Read a ledger (tasks, history, meta). Raises LandcheckError when it is missing or not a ledger."""
    path = Path(path)
    if not path.exists():
        raise LandcheckError(f"{path}: ledger not found. A run with --ledger {path} creates it.")
    try:
        layers = {str(n) for n, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise LandcheckError(f"{path}: cannot be read as a GeoPackage ({exc}).") from None
    missing = {TASKS, HISTORY, META} - layers
    if missing:
        raise LandcheckError(f"{path}: not a landcheck ledger (layers {', '.join(sorted(missing))} missing).")
    try:
        tasks = pyogrio.read_dataframe(path, layer=TASKS, use_arrow=True, fid_as_index=False)
        history = pyogrio.read_dataframe(path, layer=HISTORY, use_arrow=True, read_geometry=False)
        meta_df = pyogrio.read_dataframe(path, layer=META, use_arrow=True, read_geometry=False)
        crs = pyogrio.read_info(path, layer=TASKS)["crs"]
    except Exception as exc:
        raise LandcheckError(f"{path}: the ledger cannot be read ({type(exc).__name__}: {exc}).") from None
    if not isinstance(tasks, gpd.GeoDataFrame):  # pragma: no cover
        tasks = gpd.GeoDataFrame(tasks, geometry=gpd.GeoSeries([None] * len(tasks)), crs=crs)
    if tasks.crs is None and crs:
        tasks = tasks.set_crs(crs)
    history = pd.DataFrame({c: history[c].fillna("").astype("str") if c in history.columns else pd.Series([""] * len(history), dtype="str")
                            for c in HISTORY_COLUMNS})
    meta = {str(k): "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            for k, v in zip(meta_df.get("key", []), meta_df.get("value", []))}
    return Ledger(tasks=_normalise_tasks(tasks), history=history, meta=meta)


def read_tasks(path: str | Path) -> gpd.GeoDataFrame:
    """The ledger's tasks (for maps and reports)."""
    return load_ledger(path).tasks


# ------------------------------------------------------------------------------------------
# Lock and atomic save
# ------------------------------------------------------------------------------------------
def lock_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".lock")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_is_stale(lock: Path) -> bool:
    """A lock left by a process of this machine that is gone, or an empty lock file older than a minute
    (a writer that died between creating and filling it). A lock of another machine is never stale:
    the message tells the user to remove it by hand."""
    try:
        info = json.loads(lock.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        try:
            return time.time() - lock.stat().st_mtime > 60
        except OSError:
            return True
    return info.get("host") == socket.gethostname() and not _pid_alive(int(info.get("pid", 0)))


@contextlib.contextmanager
def ledger_lock(path: str | Path, purpose: str = "write") -> Iterator[Path]:
    """Hold the ledger's lock file (``PATH.lock``) for the duration. A second writer gets a
    LandcheckError "ledger is in use"; a stale lock (dead process on this machine) is replaced."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if attempt == 1 and _lock_is_stale(lock):
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            try:
                info = json.loads(lock.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                info = {}
            who = f" by process {info.get('pid')} on {info.get('host')} since {info.get('time')} ({info.get('purpose', '')})" if info else ""
            raise LandcheckError(
                f"{path}: ledger is in use{who}. Wait for the other landcheck to finish and try again; "
                f"if none is running, delete {lock}."
            ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"pid": os.getpid(), "host": socket.gethostname(), "time": _now(), "purpose": purpose}, fh)
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _geometry_type(tasks: gpd.GeoDataFrame) -> tuple[str, bool]:
    types = set(tasks.geometry.dropna().geom_type)
    if types <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon", True
    return "Unknown", False


def _write_layers(ledger: Ledger, target: Path, append_history: bool) -> None:
    """Write tasks (replacing that layer), the new history rows (appended) and meta into `target`."""
    tasks = ledger.tasks
    gtype, promote = _geometry_type(tasks)
    pyogrio.write_dataframe(tasks, target, layer=TASKS, driver="GPKG", geometry_type=gtype, promote_to_multi=promote)
    rows = pd.DataFrame(ledger.new_history, columns=list(HISTORY_COLUMNS)).astype("str") if ledger.new_history else None
    if not append_history:
        pyogrio.write_dataframe(rows if rows is not None else ledger.history.astype("str"), target, layer=HISTORY, driver="GPKG")
    elif rows is not None:
        pyogrio.write_dataframe(rows, target, layer=HISTORY, driver="GPKG", append=True)
    meta = pd.DataFrame({"key": list(ledger.meta), "value": [str(v) for v in ledger.meta.values()]}, dtype="str")
    pyogrio.write_dataframe(meta, target, layer=META, driver="GPKG")


def save_ledger(ledger: Ledger, path: str | Path) -> Path:
    """Replace the ledger file atomically: copy it beside itself, change the copy, rename it over.
    Call inside `ledger_lock` (the merge and import functions do)."""
    path = Path(path)
    exists = path.exists()
    try:
        with atomic_path(path) as tmp:
            if exists:
                shutil.copy2(path, tmp)
            _write_layers(ledger, tmp, append_history=exists)
    except PermissionError as exc:
        raise LandcheckError(f"{path}: cannot replace the ledger ({exc}). Is it open in QGIS or another program? Close it and retry.") from None
    ledger.history = ledger.all_history()
    ledger.new_history = []
    return path


@contextlib.contextmanager
def ledger_transaction(path: str | Path, create: bool = False, purpose: str = "write") -> Iterator[Ledger]:
    """Lock, load (or start a new ledger when `create` and absent), yield, save atomically. An
    exception inside leaves the file untouched."""
    path = Path(path)
    with ledger_lock(path, purpose):
        ledger = new_ledger() if (create and not path.exists()) else load_ledger(path)
        yield ledger
        if ledger.touched or ledger.new_history:
            save_ledger(ledger, path)


# ------------------------------------------------------------------------------------------
# Merging a run's findings
# ------------------------------------------------------------------------------------------
@dataclass
class MergeResult:
    """What a run did to the ledger. Lists hold issue ids."""

    ledger_path: Path
    new: list[str] = field(default_factory=list)
    matched: int = 0
    matched_by: dict[str, int] = field(default_factory=lambda: {"finding_key": 0, "ids": 0, "overlap": 0})
    updated: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    reappeared: list[str] = field(default_factory=list)
    finished_but_found: list[str] = field(default_factory=list)
    #: tasks of the run's checks outside the area the run looked at (`scope`): left as they were
    n_out_of_scope: int = 0
    n_tasks: int = 0
    #: issue id of every finding, indexed like the findings given
    issue_ids: pd.Series | None = None

    def to_dict(self) -> dict:
        return {
            "ledger": str(self.ledger_path), "n_tasks": self.n_tasks, "n_new": len(self.new), "n_matched": self.matched,
            "matched_by": dict(self.matched_by), "n_updated": len(self.updated), "n_disappeared": len(self.disappeared),
            "n_reappeared": len(self.reappeared), "new": self.new, "updated": self.updated, "disappeared": self.disappeared,
            "reappeared": self.reappeared, "finished_but_found": self.finished_but_found,
            "n_out_of_scope": self.n_out_of_scope,
        }


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def _tool_values(findings: gpd.GeoDataFrame, source: str | None) -> pd.DataFrame:
    """The tool-filled ledger columns of each finding (index kept)."""
    f = findings
    n = len(f)
    out = pd.DataFrame(index=f.index)

    def col(name, default=""):
        return f[name] if name in f.columns else pd.Series([default] * n, index=f.index)

    for c in TOOL_FIELDS:
        if c == "issue_id":
            continue
        if c in NUMERIC_FIELDS:
            out[c] = pd.to_numeric(col(c, np.nan), errors="coerce").astype("float64")
        else:
            out[c] = col(c).map(lambda v: "" if _blank(v) else str(v).strip()).astype("str")
    out["area_mu"] = units.round_half_up_array(units.m2_to_mu(out["area_m2"].to_numpy()), 2)
    checks = out["check"]
    if source:
        out["source"] = source
    else:
        out["source"] = [s or DEFAULT_SOURCE.get(c, c) for s, c in zip(out["source"], checks)]
    inside_pbf = (checks == "farmland").to_numpy()
    for k in ("pbf_m2", "cultivated_m2"):
        # a farmland-check piece lies inside permanent basic farmland, which is 耕地 by designation
        out[k] = np.where(inside_pbf & out[k].isna().to_numpy(), out["area_m2"].to_numpy(), out[k].to_numpy())
    for k in ("pbf", "cultivated"):
        have = out[f"{k}_m2"].notna().to_numpy()
        mu = units.round_half_up_array(units.m2_to_mu(out[f"{k}_m2"].fillna(0.0).to_numpy()), 2)
        out[f"{k}_mu"] = np.where(have, mu, out[f"{k}_mu"].to_numpy())
    desc = []
    for d, fid, name, code, mu in zip(out["description"], out["farmland_id"], out["dlmc"], out["dlbm"], out["area_mu"]):
        if d:
            desc.append(d)
            continue
        where = "永久基本农田内" if fid else ""
        what = f"{name}({code})" if name and code else (name or code)
        desc.append(f"{where}{what} {mu:.2f}亩".strip() if not np.isnan(mu) else f"{where}{what}")
    out["description"] = pd.Series(desc, index=f.index, dtype="str")
    return out


def _same(field_name: str, a, b) -> bool:
    if field_name in NUMERIC_FIELDS:
        fa, fb = float(a), float(b)
        if np.isnan(fa) and np.isnan(fb):
            return True
        if np.isnan(fa) or np.isnan(fb):
            return False
        d = DECIMALS.get(field_name, 6)
        return units.round_half_up(fa, d) == units.round_half_up(fb, d)
    return str(a) == str(b)


def _differs(field_name: str, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Element-wise: is `new` a change of `old`? Numbers compared at their shown decimals."""
    if field_name in NUMERIC_FIELDS:
        a = np.asarray(old, dtype="float64")
        b = np.asarray(new, dtype="float64")
        both_nan = np.isnan(a) & np.isnan(b)
        one_nan = np.isnan(a) ^ np.isnan(b)
        with np.errstate(invalid="ignore"):
            far = np.abs(a - b) >= 0.5 * 10.0 ** -DECIMALS.get(field_name, 6)
        return one_nan | (far & ~both_nan)
    return np.asarray([str(x) != str(y) for x, y in zip(old, new)], dtype=bool)


def _as_multi(geoms: np.ndarray) -> np.ndarray:
    """Polygons as one-part MultiPolygons (the ledger file stores them so), others unchanged."""
    out = np.asarray(geoms, dtype=object).copy()
    single = shapely.get_type_id(out) == 3
    out[single] = [shapely.MultiPolygon([g]) for g in out[single]]
    return out


def _geom_tolerance(crs) -> float:
    try:
        geographic = crs is not None and gpd.GeoSeries([], crs=crs).crs.is_geographic
    except Exception:  # pragma: no cover
        geographic = False
    return 1e-8 if geographic else 1e-3


def _overlap_ratio(a, b) -> np.ndarray:
    """Area of a ∩ b divided by the smaller of the two areas (arrays of geometries)."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    inter = shapely.area(shapely.intersection(a, b))
    smaller = np.minimum(shapely.area(a), shapely.area(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(smaller > 0, inter / smaller, 0.0)
    return np.nan_to_num(r)


def _seq_key(prefix: str, year: int) -> str:
    return f"seq:{prefix}-{year}"


def next_issue_ids(ledger: Ledger, prefix: str, year: int, n: int) -> list[str]:
    """`n` new issue ids ``{prefix}-{year}-{0001}``, never reused: the counter lives in the ledger's
    meta and never goes below the highest number already in the tasks."""
    key = _seq_key(prefix, year)
    last = int(ledger.meta.get(key, "0") or 0)
    head = f"{prefix}-{year}-"
    existing = ledger.tasks["issue_id"]
    nums = existing[existing.str.startswith(head)].str.slice(len(head))
    nums = pd.to_numeric(nums, errors="coerce").dropna()
    if len(nums):
        last = max(last, int(nums.max()))
    ids = [f"{head}{last + i:04d}" for i in range(1, n + 1)]
    ledger.meta[key] = str(last + n)
    return ids


def _outside_scope(geoms: gpd.GeoSeries, rows: list[int], scope: gpd.GeoSeries) -> set[int]:
    """The rows whose shape (a point on its surface) lies in no shape of `scope`; rows without a shape
    are taken as inside."""
    sc = scope.to_crs(geoms.crs) if scope.crs is not None and geoms.crs is not None and scope.crs != geoms.crs else scope
    arr = sc.to_numpy()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    g = geoms.to_numpy()[rows]
    has = ~(shapely.is_missing(g) | shapely.is_empty(g))
    idx = np.asarray(rows)[has]
    if not len(arr):
        return set(idx.tolist())
    hit = shapely.STRtree(arr).query(shapely.point_on_surface(g[has]), predicate="intersects")[0]
    inside = np.zeros(len(idx), dtype=bool)
    inside[hit] = True
    return set(idx[~inside].tolist())


def merge_findings(ledger_path: str | Path, findings: gpd.GeoDataFrame, *, prefix: str, run_date: date | None = None,
                   source: str | None = None, checks: Iterable[str] | None = None,
                   scope: gpd.GeoSeries | None = None) -> MergeResult:
    """Merge one run's findings into the ledger at `ledger_path` (created when absent).

    A finding matches an existing task of the same check when it has the same `finding_key`; else the
    same check, patch_id and farmland_id (not for ``#n`` feature-number ids, which are not stable across
    deliveries); else when their geometries overlap by at least half of the smaller one (best overlap
    first, one task per finding). A match keeps the task's issue_id and every people-filled field; changed
    tool-filled fields are updated and recorded in history. A new finding becomes a task with a new
    issue id ``{prefix}-{year of run_date}-{0001}`` and status 未整改, measure = its suggested measure.
    A task of a check in `checks` (default: the checks present in `findings` — pass it explicitly, or a
    run with no findings at all marks nothing) that no finding matches becomes 待复核（已消失） with the
    run date, unless it is 已整改/已销号; it is never deleted. A 待复核（已消失） task whose problem is
    found again gets back the status it had before. `scope`: the shapes the run looked at (the
    survey's patches, this batch of change patches, the transfer parcels); a task whose shape lies
    outside them cannot disappear (a run on part of a township, or a monthly 卫片 batch, says nothing
    about the rest). None: the run looked everywhere.
    """
    path = Path(ledger_path)
    run_date = run_date or date.today()
    prefix = (prefix or "").strip() or "LC"
    if len(findings) and findings.crs is None:
        raise LandcheckError("the findings have no CRS; cannot merge them into the ledger.")
    checks = set(checks) if checks is not None else set(findings["check"].astype(str)) if len(findings) else set()
    origin = f"run {run_date.isoformat()} {source or ','.join(sorted(checks)) or 'no checks'}"
    roles = status_roles()
    result = MergeResult(ledger_path=path)
    with ledger_transaction(path, create=True, purpose=f"merge {','.join(sorted(checks))}") as L:
        when = _now()
        if L.tasks.crs is None:
            L.tasks = L.tasks.set_crs(findings.crs if findings.crs is not None else units.CGCS2000_GEOGRAPHIC, allow_override=True)
        f = findings if findings.crs is None or len(findings) == 0 or findings.crs == L.tasks.crs else findings.to_crs(L.tasks.crs)
        f = f.copy()
        orig_index = f.index
        f = f.reset_index(drop=True)
        new_vals = _tool_values(f, source)
        T = L.tasks
        # candidates for matching: tasks of this run's checks and of any check in the findings; only
        # tasks of `checks` can disappear
        found_checks = set(new_vals["check"])
        cand = np.flatnonzero(T["check"].isin(checks | found_checks).to_numpy()) if len(T) else np.array([], dtype=int)
        can_disappear = set(np.flatnonzero(T["check"].isin(checks).to_numpy())) if len(T) else set()
        if scope is not None and can_disappear:
            outside = _outside_scope(T.geometry, sorted(can_disappear), scope)
            can_disappear -= outside
            result.n_out_of_scope = len(outside)
        assign = np.full(len(f), -1, dtype=int)
        used: set[int] = set()
        how: dict[int, str] = {}

        # 1. same finding_key
        by_key: dict[str, int] = {}
        for t in sorted(cand, key=lambda i: T.at[i, "issue_id"]):
            by_key.setdefault(T.at[t, "finding_key"], t)
        for i, k in enumerate(new_vals["finding_key"]):
            t = by_key.get(k)
            if t is not None and t not in used and T.at[t, "check"] == new_vals.at[i, "check"]:
                assign[i] = t
                used.add(t)
                how[i] = "finding_key"

        # 2. same check, patch_id and farmland_id (stable ids only)
        by_ids: dict[tuple, list[int]] = {}
        for t in cand:
            if t in used or T.at[t, "patch_id"].startswith("#") or not T.at[t, "patch_id"]:
                continue
            by_ids.setdefault((T.at[t, "check"], T.at[t, "patch_id"], T.at[t, "farmland_id"]), []).append(t)
        for i in np.flatnonzero(assign < 0):
            k = (new_vals.at[i, "check"], new_vals.at[i, "patch_id"], new_vals.at[i, "farmland_id"])
            if k[1].startswith("#"):
                continue
            options = [t for t in by_ids.get(k, []) if t not in used]
            if not options:
                continue
            if len(options) > 1:
                r = _overlap_ratio([f.geometry.iat[i]] * len(options), T.geometry.to_numpy()[options])
                options = [options[j] for j in np.lexsort(([T.at[t, "issue_id"] for t in options], -r))]
            assign[i] = options[0]
            used.add(options[0])
            how[i] = "ids"

        # 3. geometry overlap >= half of the smaller one, same check, best first
        rest_f = np.flatnonzero(assign < 0)
        rest_t = np.array([t for t in cand if t not in used], dtype=int)
        if len(rest_f) and len(rest_t):
            tgeoms = T.geometry.to_numpy()[rest_t]
            tree = shapely.STRtree(tgeoms)
            fi, tj = tree.query(f.geometry.to_numpy()[rest_f], predicate="intersects")
            if len(fi):
                fidx, tidx = rest_f[fi], rest_t[tj]
                same_check = new_vals["check"].to_numpy()[fidx] == T["check"].to_numpy()[tidx]
                fidx, tidx = fidx[same_check], tidx[same_check]
                ratio = _overlap_ratio(f.geometry.to_numpy()[fidx], T.geometry.to_numpy()[tidx])
                ok = ratio >= 0.5
                order = np.argsort(-ratio[ok], kind="stable")
                for i, t in zip(fidx[ok][order], tidx[ok][order]):
                    if assign[i] < 0 and t not in used:
                        assign[i] = t
                        used.add(int(t))
                        how[int(i)] = "overlap"

        # matched: update tool fields (vectorised per column), bring back disappeared tasks
        tol = _geom_tolerance(T.crs)
        run_iso = run_date.isoformat()
        matched = np.flatnonzero(assign >= 0)
        tpos = assign[matched]
        updated: set[str] = set()
        iids = T["issue_id"].to_numpy()[tpos]
        for i in matched:
            result.matched_by[how[int(i)]] += 1
        for c in TOOL_FIELDS:
            if c == "issue_id" or not len(matched):
                continue
            old = T[c].to_numpy()[tpos]
            new = new_vals[c].to_numpy()[matched]
            diff = _differs(c, old, new)
            for j in np.flatnonzero(diff):
                L.log(iids[j], c, old[j], new[j], origin, when)
                updated.add(iids[j])
            if diff.any():
                col = T[c].to_numpy().copy()
                col[tpos[diff]] = new[diff]
                T[c] = col
        if len(matched):
            g_old = T.geometry.to_numpy()[tpos]
            g_new = f.geometry.to_numpy()[matched]
            same = shapely.equals_exact(shapely.normalize(_as_multi(g_old)), shapely.normalize(_as_multi(g_new)), tolerance=tol)
            same = np.asarray(same, dtype=bool) & ~shapely.is_missing(g_old) & ~shapely.is_missing(g_new)
            for j in np.flatnonzero(~same):
                L.log(iids[j], "geometry", "" if g_old[j] is None else g_old[j].wkt, "" if g_new[j] is None else g_new[j].wkt, origin, when)
                updated.add(iids[j])
            if (~same).any():
                geoms = T.geometry.to_numpy().copy()
                geoms[tpos[~same]] = g_new[~same]
                T = T.set_geometry(gpd.GeoSeries(geoms, index=T.index, crs=T.crs))
            last = T["last_seen"].to_numpy().copy()
            last[tpos] = run_iso
            T["last_seen"] = last
        for j, t in enumerate(tpos):
            iid = iids[j]
            status = T.at[t, "status"]
            if status == roles.disappeared:
                before = _status_before_disappearing(L, iid, roles)
                L.log(iid, "status", status, before, origin, when)
                L.log(iid, "disappeared_date", T.at[t, "disappeared_date"], "", origin, when)
                T.at[t, "status"] = before
                T.at[t, "disappeared_date"] = ""
                result.reappeared.append(iid)
            elif status in roles.finished:
                result.finished_but_found.append(iid)
        result.matched = len(matched)
        result.updated = sorted(updated)

        # new findings → new tasks, numbered in village / patch order
        fresh = np.flatnonzero(assign < 0)
        ids_by_row: dict[int, str] = {}
        if len(fresh):
            nv = new_vals.iloc[fresh]
            order = np.lexsort((nv["finding_key"].to_numpy(), nv["farmland_id"].to_numpy(), nv["patch_id"].to_numpy(), nv["village"].to_numpy()))
            fresh = fresh[order]
            ids = next_issue_ids(L, prefix, run_date.year, len(fresh))
            rows = new_vals.iloc[fresh].copy()
            rows["issue_id"] = ids
            for c in PEOPLE_FIELDS:
                rows[c] = np.nan if c in NUMERIC_FIELDS else ""
            rows["measure"] = rows["suggested_measure"]
            rows["status"] = roles.new
            for c in ("current_use", "new_or_stock"):
                if c in f.columns:
                    rows[c] = f[c].iloc[fresh].map(lambda v: "" if _blank(v) else str(v)).to_numpy()
            rows["first_seen"] = run_iso
            rows["last_seen"] = run_iso
            rows["disappeared_date"] = ""
            new_tasks = gpd.GeoDataFrame(rows.reset_index(drop=True), geometry=list(f.geometry.to_numpy()[fresh]), crs=T.crs)
            for iid, key in zip(ids, rows["finding_key"]):
                L.log(iid, "task", "", f"created (finding_key {key})", origin, when)
            T = _normalise_tasks(pd.concat([T, _normalise_tasks(new_tasks)], ignore_index=True)) if len(T) else _normalise_tasks(new_tasks)
            for r, iid in zip(fresh, ids):
                ids_by_row[int(r)] = iid
            result.new = list(ids)

        # tasks no longer found
        for t in cand:
            if t in used or t not in can_disappear:
                continue
            status = T.at[t, "status"]
            if status in roles.finished or status == roles.disappeared:
                continue
            iid = T.at[t, "issue_id"]
            L.log(iid, "status", status, roles.disappeared, origin, when)
            L.log(iid, "disappeared_date", T.at[t, "disappeared_date"], run_iso, origin, when)
            T.at[t, "status"] = roles.disappeared
            T.at[t, "disappeared_date"] = run_iso
            result.disappeared.append(iid)
        result.disappeared.sort()

        L.tasks = T
        result.n_tasks = len(T)
        ids_all = [T.at[int(assign[i]), "issue_id"] if assign[i] >= 0 else ids_by_row.get(i, "") for i in range(len(f))]
        result.issue_ids = pd.Series(ids_all, index=orig_index, dtype="str", name="issue_id")
    return result


def _status_before_disappearing(ledger: Ledger, issue_id: str, roles: StatusRoles) -> str:
    """The status a task had before a run marked it 待复核（已消失） (未整改 when unknown)."""
    h = ledger.all_history()
    rows = h[(h["issue_id"] == issue_id) & (h["field"] == "status") & (h["new"] == roles.disappeared)]
    if len(rows):
        old = rows["old"].iloc[-1]
        if old and old != roles.disappeared:
            return old
    return roles.new


# ------------------------------------------------------------------------------------------
# People-filled edits (used by the spreadsheet import)
# ------------------------------------------------------------------------------------------
def apply_people_edits(ledger: Ledger, edits: Iterable[tuple[str, str, object]], origin: str) -> list[dict]:
    """Apply (issue_id, field, value) to people-filled fields of a loaded ledger, with history. Returns
    the changes made (issue_id, field, old, new). Unknown ids or tool fields raise ValueError: validate first."""
    T = ledger.tasks
    pos = {iid: i for i, iid in enumerate(T["issue_id"])}
    when = _now()
    changes = []
    for iid, fname, value in edits:
        if fname not in PEOPLE_FIELDS:
            raise ValueError(f"{fname} is not a people-filled field")
        t = pos[iid]
        old = T.at[t, fname]
        new = (np.nan if _blank(value) else float(value)) if fname in NUMERIC_FIELDS else ("" if _blank(value) else str(value))
        if _same(fname, old, new):
            continue
        ledger.log(iid, fname, old, new, origin, when)
        T.at[t, fname] = new
        changes.append({"issue_id": iid, "field": fname, "old": _text(old), "new": _text(new)})
    return changes


# ------------------------------------------------------------------------------------------
# Status and plain exports
# ------------------------------------------------------------------------------------------
def parse_iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def overdue_mask(tasks: pd.DataFrame, today: date) -> np.ndarray:
    """Tasks 未整改/整改中 whose deadline has passed."""
    roles = status_roles()
    open_ = tasks["status"].isin([roles.new, roles.in_progress]).to_numpy()
    late = np.array([(d is not None and d < today) for d in map(parse_iso_date, tasks["deadline"])], dtype=bool)
    return open_ & late if len(tasks) else np.zeros(0, dtype=bool)


def ledger_status(ledger_path: str | Path, today: date | None = None) -> dict:
    """Progress of the ledger: tasks and mu by status, not yet finished (`open`: not 已整改/已销号), per
    village, and the overdue tasks (未整改/整改中 past their deadline). Areas in mu, rounded half-up once
    from unrounded sums."""
    path = Path(ledger_path)
    today = today or date.today()
    L = load_ledger(path)
    T = L.tasks
    statuses = vocabulary().statuses
    late = overdue_mask(T, today)
    open_ = ~T["status"].isin(status_roles().finished).to_numpy()
    m2 = T["area_m2"].fillna(0.0).to_numpy()

    def block(mask) -> dict:
        sub = T[mask]
        sub_m2 = m2[mask]
        return {
            "n": int(mask.sum()), "mu": units.area_mu(sub_m2.sum()),
            "by_status": {s: {"n": int((sub["status"] == s).sum()), "mu": units.area_mu(sub_m2[(sub["status"] == s).to_numpy()].sum())} for s in statuses},
            "open": {"n": int(open_[mask].sum()), "mu": units.area_mu(sub_m2[open_[mask]].sum())},
            "overdue": int(late[mask].sum()),
        }

    all_mask = np.ones(len(T), dtype=bool)
    out = {"ledger": str(path), "as_of": today.isoformat(), **block(all_mask), "by_village": {}, "overdue_tasks": []}
    for v in sorted(T["village"].unique()):
        out["by_village"][village_label(v)] = block((T["village"] == v).to_numpy())
    for t in np.flatnonzero(late):
        r = T.iloc[t]
        out["overdue_tasks"].append({"issue_id": r["issue_id"], "village": village_label(r["village"]), "deadline": r["deadline"],
                                     "status": r["status"], "resp_person": r["resp_person"], "area_mu": float(r["area_mu"])})
    out["unknown_statuses"] = sorted(set(T["status"]) - set(statuses))
    return out


def export_csv(ledger_path: str | Path, out_path: str | Path) -> Path:
    """The tasks as CSV (English keys, utf-8-sig, formula-safe, no geometry — lon/lat locate them)."""
    T = load_ledger(ledger_path).tasks
    df = pd.DataFrame(T.drop(columns=T.geometry.name))
    return write_csv(df, out_path)


def export_gpkg(ledger_path: str | Path, out_path: str | Path) -> Path:
    """The tasks as a standalone GeoPackage (layer `tasks`), e.g. to send to the county."""
    T = load_ledger(ledger_path).tasks
    gtype, promote = _geometry_type(T)
    with atomic_path(out_path) as tmp:
        pyogrio.write_dataframe(T, tmp, layer=TASKS, driver="GPKG", geometry_type=gtype, promote_to_multi=promote)
    return Path(out_path)


__all__ = [
    "TOOL_FIELDS", "PEOPLE_FIELDS", "TASK_COLUMNS", "HEADERS", "Ledger", "MergeResult", "merge_findings", "load_ledger",
    "read_tasks", "ledger_lock", "ledger_transaction", "save_ledger", "ledger_status", "export_csv", "export_gpkg",
    "apply_people_edits", "status_roles",
]
