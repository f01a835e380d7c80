"""The ledger's progress: tasks and mu by status and by village, and the overdue tasks (未整改/整改中
past their deadline).

Reads the ledger; never changes it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import units
from ..config import vocabulary
from ..findings import village_label
from .schema import parse_iso_date, status_roles
from .store import load_ledger


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
    T = load_ledger(path).tasks
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
