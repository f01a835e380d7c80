"""Merging one run's findings into the ledger: a finding that matches a task (`match`) updates the
task's tool-filled fields, a new one becomes a task with a new issue id, a task no longer found becomes
待复核（已消失） (`disappear`). People-filled fields are never overwritten by a run.

Every change is recorded in the ledger's history; the file is written by `store.ledger_transaction`.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import units
from ..columns import text_values
from ..config import vocabulary
from ..errors import LandcheckError
from .disappear import mark_disappeared, may_disappear, status_before_disappearing
from .related import link_to_farmland
from .match import Matches, match_by_ids, match_by_key, match_by_overlap
from .schema import FORMAT_VERSION, NUMERIC_FIELDS, PEOPLE_FIELDS, TOOL_FIELDS, StatusRoles, default_source, differs, normalise_tasks, now, status_roles
from .store import Ledger, ledger_transaction, load_ledger, update_meta
from .suggestions import refresh_suggestions, suggestions

#: Ledger.log with the run's origin and time bound: (issue_id, field, old, new)
Log = Callable[[str, str, object, object], None]


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
    #: suggestions that changed where a person's value was kept: [{issue_id, field, kept, suggested}]
    kept_edits: list[dict] = field(default_factory=list)
    #: the copy of a ledger of an older format made before this run changed it
    backup: str = ""
    n_tasks: int = 0
    #: findings that refer to a farmland task instead of opening one: [{finding_key, issue_id}]
    related: list[dict] = field(default_factory=list)
    #: issue id of every finding, indexed like the findings given
    issue_ids: pd.Series | None = None
    #: tasks not found again that a run it should not trust (`complete=False`) left as they were
    not_rechecked: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "ledger": str(self.ledger_path), "n_tasks": self.n_tasks, "n_new": len(self.new), "n_matched": self.matched,
            "matched_by": dict(self.matched_by), "n_updated": len(self.updated), "n_disappeared": len(self.disappeared),
            "n_reappeared": len(self.reappeared), "new": self.new, "updated": self.updated, "disappeared": self.disappeared,
            "reappeared": self.reappeared, "finished_but_found": self.finished_but_found,
            "n_out_of_scope": self.n_out_of_scope, "related": self.related, "kept_edits": self.kept_edits, "backup": self.backup,
            "n_not_rechecked": len(self.not_rechecked), "not_rechecked": self.not_rechecked,
        }


def tool_values(findings: gpd.GeoDataFrame, source: str | None) -> pd.DataFrame:
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
            out[c] = pd.Series(text_values(col(c)), index=f.index, dtype="str")
    out["area_mu"] = units.round_half_up_array(units.m2_to_mu(out["area_m2"].to_numpy()), 2)
    checks = out["check"]
    if source:
        out["source"] = source
    else:
        out["source"] = [s or default_source(c) for s, c in zip(out["source"], checks)]
    inside_pbf = (checks == "farmland").to_numpy()
    for k in ("pbf_m2", "cultivated_m2"):
        # a farmland-check piece lies inside permanent basic farmland, which is 耕地 by designation
        out[k] = np.where(inside_pbf & out[k].isna().to_numpy(), out["area_m2"].to_numpy(), out[k].to_numpy())
    for k in ("pbf", "cultivated"):
        have = out[f"{k}_m2"].notna().to_numpy()
        mu = units.round_half_up_array(units.m2_to_mu(out[f"{k}_m2"].fillna(0.0).to_numpy()), 2)
        out[f"{k}_mu"] = np.where(have, mu, out[f"{k}_mu"].to_numpy())
    out["description"] = pd.Series(_descriptions(out), index=f.index, dtype="str")
    return out


def _descriptions(values: pd.DataFrame) -> list[str]:
    """The finding's own description, else 永久基本农田内 (when in farmland), the land use and the area."""
    vocab = vocabulary()
    in_farmland, mu_word = vocab.label("in_farmland"), vocab.label("mu")
    desc = []
    for d, fid, name, code, mu in zip(values["description"], values["farmland_id"], values["dlmc"], values["dlbm"], values["area_mu"]):
        if d:
            desc.append(d)
            continue
        where = in_farmland if fid else ""
        what = f"{name}({code})" if name and code else (name or code)
        desc.append(f"{where}{what} {mu:.2f}{mu_word}".strip() if not np.isnan(mu) else f"{where}{what}")
    return desc


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


def backup_older_format(path: Path) -> str:
    """Copy a ledger of an older format beside itself (``NAME.v1-backup.gpkg``, never overwritten) before
    a run migrates it; the copy's path, or '' when nothing was copied."""
    if not path.exists():
        return ""
    version = str(load_ledger(path).meta.get("format", "1") or "1")
    if version == FORMAT_VERSION:
        return ""
    target = path.with_name(f"{path.stem}.v{version}-backup{path.suffix}")
    if not target.exists():
        shutil.copy2(path, target)
    return str(target)


def next_issue_ids(ledger: Ledger, prefix: str, year: int, n: int) -> list[str]:
    """`n` new issue ids ``{prefix}-{year}-{0001}``, never reused: the counter lives in the ledger's
    meta and never goes below the highest number already in the tasks."""
    key = f"seq:{prefix}-{year}"
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


def _update_tool_fields(tasks: gpd.GeoDataFrame, tpos: np.ndarray, iids: np.ndarray, new_rows: pd.DataFrame, log: Log) -> set[str]:
    """Write the changed tool-filled fields of the matched tasks (one column at a time); their issue ids."""
    updated: set[str] = set()
    for c in TOOL_FIELDS:
        if c == "issue_id":
            continue
        old = tasks[c].to_numpy()[tpos]
        new = new_rows[c].to_numpy()
        diff = differs(c, old, new)
        for j in np.flatnonzero(diff):
            log(iids[j], c, old[j], new[j])
            updated.add(iids[j])
        if diff.any():
            col = tasks[c].to_numpy().copy()
            col[tpos[diff]] = new[diff]
            tasks[c] = col
    return updated


def _update_geometry(tasks: gpd.GeoDataFrame, tpos: np.ndarray, iids: np.ndarray, g_new: np.ndarray,
                     log: Log) -> tuple[gpd.GeoDataFrame, set[str]]:
    """Replace the shapes of matched tasks that changed (beyond a millimetre); the tasks and their issue ids."""
    g_old = tasks.geometry.to_numpy()[tpos]
    same = shapely.equals_exact(shapely.normalize(_as_multi(g_old)), shapely.normalize(_as_multi(g_new)),
                                tolerance=_geom_tolerance(tasks.crs))
    same = np.asarray(same, dtype=bool) & ~shapely.is_missing(g_old) & ~shapely.is_missing(g_new)
    updated: set[str] = set()
    for j in np.flatnonzero(~same):
        log(iids[j], "geometry", "" if g_old[j] is None else g_old[j].wkt, "" if g_new[j] is None else g_new[j].wkt)
        updated.add(iids[j])
    if (~same).any():
        geoms = tasks.geometry.to_numpy().copy()
        geoms[tpos[~same]] = g_new[~same]
        tasks = tasks.set_geometry(gpd.GeoSeries(geoms, index=tasks.index, crs=tasks.crs))
    return tasks, updated


def _bring_back(ledger: Ledger, tasks: gpd.GeoDataFrame, tpos: np.ndarray, iids: np.ndarray, roles: StatusRoles,
                log: Log, result: MergeResult) -> None:
    """Matched tasks marked disappeared get back their status before; finished ones are reported."""
    for j, t in enumerate(tpos):
        iid = iids[j]
        status = tasks.at[t, "status"]
        if status == roles.disappeared:
            before = status_before_disappearing(ledger, iid, roles)
            log(iid, "status", status, before)
            log(iid, "disappeared_date", tasks.at[t, "disappeared_date"], "")
            tasks.at[t, "status"] = before
            tasks.at[t, "disappeared_date"] = ""
            result.reappeared.append(iid)
        elif status in roles.finished:
            result.finished_but_found.append(iid)


def _new_tasks(ledger: Ledger, f: gpd.GeoDataFrame, found: pd.DataFrame, fresh: np.ndarray, prefix: str, run_date: date,
               roles: StatusRoles, log: Log) -> tuple[gpd.GeoDataFrame, np.ndarray, list[str]]:
    """The unmatched findings as new tasks, numbered in village / patch order: (tasks, finding rows, ids)."""
    nv = found.iloc[fresh]
    order = np.lexsort((nv["finding_key"].to_numpy(), nv["farmland_id"].to_numpy(), nv["patch_id"].to_numpy(), nv["village"].to_numpy()))
    fresh = fresh[order]
    ids = next_issue_ids(ledger, prefix, run_date.year, len(fresh))
    rows = found.iloc[fresh].copy()
    rows["issue_id"] = ids
    for c in PEOPLE_FIELDS:
        rows[c] = np.nan if c in NUMERIC_FIELDS else ""
    rows["measure"] = rows["suggested_measure"]
    rows["status"] = roles.new
    if "current_use" in f.columns:
        rows["current_use"] = text_values(f["current_use"].iloc[fresh])
    if "subject" in f.columns:  # 使用主体 (流入方 of transferred land): a first value, people may change it
        rows["subject"] = text_values(f["subject"].iloc[fresh])
    suggested = suggestions(f.iloc[fresh])
    for c in ("new_or_stock", "clue_id"):
        rows[c] = suggested[c]
    rows["first_seen"] = run_date.isoformat()
    rows["last_seen"] = run_date.isoformat()
    rows["disappeared_date"] = ""
    for iid, key in zip(ids, rows["finding_key"]):
        log(iid, "task", "", f"created (finding_key {key})")
    tasks = gpd.GeoDataFrame(rows.reset_index(drop=True), geometry=list(f.geometry.to_numpy()[fresh]), crs=ledger.tasks.crs)
    return tasks, fresh, ids


def _link_related(L: Ledger, T, f, found, geoms, orig_index, roles: StatusRoles, log: Log, result: MergeResult):
    """Leave out the findings that refer to a farmland task (`related.link_to_farmland`): each is logged
    on that task (field related_issue), fills its empty 使用主体 and is listed in `result.related`.
    Returns the rest (f, found, geoms, orig_index) and the linked findings' issue ids."""
    row = link_to_farmland(T, found, geoms, roles.disappeared)
    linked = np.flatnonzero(row >= 0)
    for i in linked:
        t, iid = int(row[i]), T.at[int(row[i]), "issue_id"]
        note = f"{found.at[i, 'problem_type']} {found.at[i, 'patch_id']} (finding_key {found.at[i, 'finding_key']})"
        h = L.history
        if not ((h["issue_id"] == iid) & (h["field"] == "related_issue") & (h["new"] == note)).any():
            log(iid, "related_issue", "", note)
        subject = str(f.at[i, "subject"]) if "subject" in f.columns else ""
        if subject and not T.at[t, "subject"]:
            log(iid, "subject", "", subject)
            T.at[t, "subject"] = subject
        result.related.append({"finding_key": found.at[i, "finding_key"], "issue_id": iid})
    ids = pd.Series([T.at[int(row[i]), "issue_id"] for i in linked], index=orig_index[linked], dtype="str")
    keep = row < 0
    return (f.loc[keep].reset_index(drop=True), found.loc[keep].reset_index(drop=True), geoms[keep],
            orig_index[keep], ids)


def merge_findings(ledger_path: str | Path, findings: gpd.GeoDataFrame, *, prefix: str, run_date: date | None = None,
                   source: str | None = None, checks: Iterable[str] | None = None,
                   scope: gpd.GeoSeries | None = None, meta: dict | None = None,
                   transfer_blocks: gpd.GeoDataFrame | None = None, complete: bool = True) -> MergeResult:
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
    about the rest). None: the run looked everywhere. `meta`: keys added to the ledger's meta
    (`store.update_meta`: a township or id prefix other than the ledger's is refused, nothing merged).
    `transfer_blocks`: the transfer check's block registry, saved with the tasks (layer transfer_blocks,
    in the ledger's CRS). `complete` False: the run warned about its inputs or dropped features in
    reading — its findings add and update tasks, but a task it did not find is left as it was (listed
    in `not_rechecked`), never marked 待复核（已消失）.
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
    result.backup = backup_older_format(path)
    with ledger_transaction(path, create=True, purpose=f"merge {','.join(sorted(checks))}") as L:
        update_meta(L, meta, path)
        if L.meta.get("format") != FORMAT_VERSION:
            L.meta["format"] = FORMAT_VERSION
        log: Log = functools.partial(L.log, origin=origin, when=now())
        if L.tasks.crs is None:
            L.tasks = L.tasks.set_crs(findings.crs if findings.crs is not None else units.CGCS2000_GEOGRAPHIC, allow_override=True)
        f = findings if findings.crs is None or len(findings) == 0 or findings.crs == L.tasks.crs else findings.to_crs(L.tasks.crs)
        orig_index = f.index
        f = f.reset_index(drop=True)
        found = tool_values(f, source)
        geoms = f.geometry.to_numpy()
        T = L.tasks
        # a transfer finding on a farmland task's ground refers to it (关联问题编号), no second task
        all_index = orig_index
        f, found, geoms, orig_index, linked_ids = _link_related(L, T, f, found, geoms, orig_index, roles, log, result)
        # candidates for matching: tasks of this run's checks and of any check in the findings; only
        # tasks of `checks` inside the scope can disappear
        cand = np.flatnonzero(T["check"].isin(checks | set(found["check"])).to_numpy()) if len(T) else np.array([], dtype=int)
        can_disappear, result.n_out_of_scope = may_disappear(T, checks, scope)

        m = Matches.none(len(f))
        match_by_key(m, T, cand, found)
        match_by_ids(m, T, cand, found, geoms)
        match_by_overlap(m, T, cand, found, geoms)

        matched = np.flatnonzero(m.assign >= 0)
        tpos = m.assign[matched]
        iids = T["issue_id"].to_numpy()[tpos]
        for i in matched:
            result.matched_by[m.how[int(i)]] += 1
        if len(matched):
            updated = _update_tool_fields(T, tpos, iids, found.iloc[matched], log)
            refreshed, result.kept_edits = refresh_suggestions(L, T, tpos, iids, suggestions(f.iloc[matched]), log)
            updated |= set(refreshed)
            T, moved = _update_geometry(T, tpos, iids, geoms[matched], log)
            result.updated = sorted(updated | moved)
            last = T["last_seen"].to_numpy().copy()
            last[tpos] = run_date.isoformat()
            T["last_seen"] = last
        _bring_back(L, T, tpos, iids, roles, log, result)
        result.matched = len(matched)

        ids_by_row: dict[int, str] = {}
        fresh = m.unmatched()
        if len(fresh):
            new_tasks, fresh, ids = _new_tasks(L, f, found, fresh, prefix, run_date, roles, log)
            T = normalise_tasks(pd.concat([T, normalise_tasks(new_tasks)], ignore_index=True)) if len(T) else normalise_tasks(new_tasks)
            ids_by_row = {int(r): iid for r, iid in zip(fresh, ids)}
            result.new = list(ids)

        gone = [t for t in cand if t not in m.used and t in can_disappear]
        if complete:
            result.disappeared = mark_disappeared(T, gone, roles, run_date.isoformat(), log)
        else:  # a run it should not trust says nothing about what it did not find
            result.not_rechecked = sorted(str(T.at[t, "issue_id"]) for t in gone
                                          if T.at[t, "status"] not in roles.finished and T.at[t, "status"] != roles.disappeared)
        L.tasks = T
        if transfer_blocks is not None:
            L.blocks = transfer_blocks.to_crs(T.crs) if transfer_blocks.crs != T.crs else transfer_blocks
        result.n_tasks = len(T)
        ids_all = [T.at[int(m.assign[i]), "issue_id"] if m.assign[i] >= 0 else ids_by_row.get(i, "") for i in range(len(f))]
        result.issue_ids = pd.concat([pd.Series(ids_all, index=orig_index, dtype="str"), linked_ids]).reindex(all_index).rename("issue_id")
    return result
