"""Which existing task a new finding is: one function per matcher, tried in this order on the findings
still unmatched, each task taken at most once:

1. `match_by_key` — the same `finding_key` (and check);
2. `match_by_ids` — the same check, 图斑编号 and 永久基本农田图斑编号 (stable ids only, not ``#n``);
3. `match_by_overlap` — the same check, covering at least half of the smaller of the two shapes.

Pure: reads the tasks and the findings, writes only into `Matches`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


@dataclass
class Matches:
    """The task row (position in the tasks) of each finding, -1 while unmatched, and how it was found."""

    assign: np.ndarray
    how: dict[int, str] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    @classmethod
    def none(cls, n: int) -> Matches:
        return cls(assign=np.full(n, -1, dtype=int))

    def take(self, finding: int, task: int, how: str) -> None:
        self.assign[finding] = task
        self.used.add(int(task))
        self.how[int(finding)] = how

    def unmatched(self) -> np.ndarray:
        return np.flatnonzero(self.assign < 0)


def overlap_ratio(a, b) -> np.ndarray:
    """Area of a ∩ b divided by the smaller of the two areas (arrays of geometries)."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    inter = shapely.area(shapely.intersection(a, b))
    smaller = np.minimum(shapely.area(a), shapely.area(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(smaller > 0, inter / smaller, 0.0)
    return np.nan_to_num(r)


def match_by_key(m: Matches, tasks: pd.DataFrame, cand, found: pd.DataFrame) -> None:
    """The same finding_key and check (the first task by issue id when two share a key)."""
    by_key: dict[str, int] = {}
    for t in sorted(cand, key=lambda i: tasks.at[i, "issue_id"]):
        by_key.setdefault(tasks.at[t, "finding_key"], t)
    for i, k in enumerate(found["finding_key"]):
        t = by_key.get(k)
        if t is not None and t not in m.used and tasks.at[t, "check"] == found.at[i, "check"]:
            m.take(i, t, "finding_key")


def match_by_ids(m: Matches, tasks: gpd.GeoDataFrame, cand, found: pd.DataFrame, geoms: np.ndarray) -> None:
    """The same check, patch_id and farmland_id; ``#n`` feature numbers are not stable across deliveries
    and never match. Several tasks with the same ids: the one the finding overlaps most."""
    by_ids: dict[tuple, list[int]] = {}
    for t in cand:
        if t in m.used or tasks.at[t, "patch_id"].startswith("#") or not tasks.at[t, "patch_id"]:
            continue
        by_ids.setdefault((tasks.at[t, "check"], tasks.at[t, "patch_id"], tasks.at[t, "farmland_id"]), []).append(t)
    for i in m.unmatched():
        k = (found.at[i, "check"], found.at[i, "patch_id"], found.at[i, "farmland_id"])
        if k[1].startswith("#"):
            continue
        options = [t for t in by_ids.get(k, []) if t not in m.used]
        if not options:
            continue
        if len(options) > 1:
            r = overlap_ratio([geoms[i]] * len(options), tasks.geometry.to_numpy()[options])
            options = [options[j] for j in np.lexsort(([tasks.at[t, "issue_id"] for t in options], -r))]
        m.take(i, options[0], "ids")


def match_by_overlap(m: Matches, tasks: gpd.GeoDataFrame, cand, found: pd.DataFrame, geoms: np.ndarray) -> None:
    """The same check and shapes overlapping by at least half of the smaller one, best overlap first."""
    rest_f = m.unmatched()
    rest_t = np.array([t for t in cand if t not in m.used], dtype=int)
    if not (len(rest_f) and len(rest_t)):
        return
    task_geoms = tasks.geometry.to_numpy()
    fi, tj = shapely.STRtree(task_geoms[rest_t]).query(geoms[rest_f], predicate="intersects")
    if not len(fi):
        return
    fidx, tidx = rest_f[fi], rest_t[tj]
    same_check = found["check"].to_numpy()[fidx] == tasks["check"].to_numpy()[tidx]
    fidx, tidx = fidx[same_check], tidx[same_check]
    ratio = overlap_ratio(geoms[fidx], task_geoms[tidx])
    ok = ratio >= 0.5
    order = np.argsort(-ratio[ok], kind="stable")
    for i, t in zip(fidx[ok][order], tidx[ok][order]):
        if m.assign[i] < 0 and t not in m.used:
            m.take(i, t, "overlap")
