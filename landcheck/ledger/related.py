"""One piece of ground is one task: a transfer finding of farmland use (流转地块非粮化 / 非农化) whose
piece lies mostly in the ground of a farmland-check task refers to that task (关联问题编号) instead of
opening a second task for the same ground.

The rule: the piece lies at least `LINK_SHARE` (half) of its area inside one farmland task that has
not disappeared (the largest share wins, then the smaller issue id). Pure: tasks and findings in,
the task row of each linked finding (-1 when not linked) out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

#: Categories of transfer findings that describe the ground itself (the farmland check's ground too).
LINKED_CATEGORIES = ("transfer_non_grain", "transfer_non_farm")
#: The check whose tasks own the ground.
OWNER_CHECK = "farmland"
#: The least share of the piece's area inside the farmland task.
LINK_SHARE = 0.5


def link_to_farmland(tasks: pd.DataFrame, found: pd.DataFrame, geoms: np.ndarray, disappeared: str) -> np.ndarray:
    """The row (position in `tasks`) of the farmland task each finding refers to; -1 when none."""
    out = np.full(len(found), -1, dtype=int)
    if not len(found) or not len(tasks):
        return out
    mine = np.flatnonzero(found["category"].isin(LINKED_CATEGORIES).to_numpy())
    owners = np.flatnonzero(((tasks["check"] == OWNER_CHECK) & (tasks["status"] != disappeared)).to_numpy())
    if not (len(mine) and len(owners)):
        return out
    task_geoms = tasks.geometry.to_numpy()
    fi, tj = shapely.STRtree(task_geoms[owners]).query(geoms[mine], predicate="intersects")
    if not len(fi):
        return out
    f, t = mine[fi], owners[tj]
    piece = shapely.area(geoms[f])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.nan_to_num(np.where(piece > 0, shapely.area(shapely.intersection(geoms[f], task_geoms[t])) / piece, 0.0))
    ok = share >= LINK_SHARE
    f, t, share = f[ok], t[ok], share[ok]
    order = np.lexsort((tasks["issue_id"].to_numpy()[t], -share))
    for i, row in zip(f[order], t[order]):
        if out[i] < 0:
            out[i] = row
    return out
