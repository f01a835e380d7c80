"""Tasks a run no longer finds: which may disappear (tasks of the run's checks inside the area it looked
at), marking them 待复核（已消失）, and the status a task gets back when its problem is found again.

Works on the tasks and history given; no file access.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .schema import StatusRoles
from .store import Ledger


def outside_scope(geoms: gpd.GeoSeries, rows: list[int], scope: gpd.GeoSeries) -> set[int]:
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


def may_disappear(tasks: gpd.GeoDataFrame, checks: set[str], scope: gpd.GeoSeries | None) -> tuple[set[int], int]:
    """Rows of the tasks of `checks` that a run not finding them marks as disappeared, and how many were
    left out because they lie outside `scope` (None: the run looked everywhere)."""
    rows = set(np.flatnonzero(tasks["check"].isin(checks).to_numpy())) if len(tasks) else set()
    if scope is None or not rows:
        return rows, 0
    outside = outside_scope(tasks.geometry, sorted(rows), scope)
    return rows - outside, len(outside)


def mark_disappeared(tasks: pd.DataFrame, rows, roles: StatusRoles, run_iso: str,
                     log: Callable[[str, str, object, object], None]) -> list[str]:
    """Mark the tasks at `rows` 待复核（已消失） as of `run_iso`, unless finished or already so; their
    issue ids, sorted."""
    gone = []
    for t in rows:
        status = tasks.at[t, "status"]
        if status in roles.finished or status == roles.disappeared:
            continue
        iid = tasks.at[t, "issue_id"]
        log(iid, "status", status, roles.disappeared)
        log(iid, "disappeared_date", tasks.at[t, "disappeared_date"], run_iso)
        tasks.at[t, "status"] = roles.disappeared
        tasks.at[t, "disappeared_date"] = run_iso
        gone.append(iid)
    return sorted(gone)


def status_before_disappearing(ledger: Ledger, issue_id: str, roles: StatusRoles) -> str:
    """The status a task had before a run marked it 待复核（已消失） (未整改 when unknown)."""
    h = ledger.all_history()
    rows = h[(h["issue_id"] == issue_id) & (h["field"] == "status") & (h["new"] == roles.disappeared)]
    if len(rows):
        old = rows["old"].iloc[-1]
        if old and old != roles.disappeared:
            return old
    return roles.new
