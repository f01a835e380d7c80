"""The ledger's progress: tasks and mu by status and by village, and the overdue tasks (未整改/整改中
past their deadline).

Problem totals count violations only (`schema.is_violation`); the tasks of the transfer plan's gaps
(PLAN_CATEGORIES: a transfer block under the minimum, domain.md §3.7) are counted apart in
`plan_gaps`. Areas as printed (domain.md §9.8): a task's mu is its m² rounded half-up once, and every
figure above it (a status, a village, the total) is the sum of the printed figures of its tasks, so the
village rows add up to the total row exactly. Reads the ledger; never changes it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import units
from ..config import vocabulary
from ..findings import village_label, village_order
from .cross_village import cross_village_tasks
from .schema import is_violation, parse_iso_date, status_roles
from .store import load_ledger


def overdue_mask(tasks: pd.DataFrame, today: date) -> np.ndarray:
    """Tasks 未整改/整改中 whose deadline has passed."""
    roles = status_roles()
    open_ = tasks["status"].isin([roles.new, roles.in_progress]).to_numpy()
    late = np.array([(d is not None and d < today) for d in map(parse_iso_date, tasks["deadline"])], dtype=bool)
    return open_ & late if len(tasks) else np.zeros(0, dtype=bool)


def _progress(T: pd.DataFrame, mu: np.ndarray, open_: np.ndarray, late: np.ndarray, order: list[str]) -> dict:
    """Tasks `T` (their printed mu `mu`): n and mu, by status, not finished, overdue, and the same by
    village in the order `order` (the totals are the sums of the village rows as printed)."""
    statuses = vocabulary().statuses

    def block(mask) -> dict:
        status = T["status"].to_numpy()[mask]
        return {
            "n": int(mask.sum()), "mu": units.sum_printed(mu[mask]),
            "by_status": {s: {"n": int((status == s).sum()), "mu": units.sum_printed(mu[mask][status == s])} for s in statuses},
            "open": {"n": int(open_[mask].sum()), "mu": units.sum_printed(mu[mask & open_])},
            "overdue": int(late[mask].sum()),
        }

    out = block(np.ones(len(T), dtype=bool))
    villages = T["village"].to_numpy()
    out["by_village"] = {village_label(v): block(villages == v) for v in order if (villages == v).any()}
    return out


def ledger_status(ledger_path: str | Path, today: date | None = None) -> dict:
    """Progress of the ledger's violations: tasks and mu by status, not yet finished (`open`: not
    已整改/已销号), per village in village-code order, and the overdue tasks (未整改/整改中 past their
    deadline, violations and plan gaps alike, `plan_gap` telling which). The transfer plan's gaps
    (blocks under the minimum) in `plan_gaps`, apart, with the same figures, each under its task's village;
    `plan_gaps.cross_village`: the blocks over more than one village with their land in each (the block
    registry's split). Areas in mu as printed."""
    path = Path(ledger_path)
    today = today or date.today()
    L = load_ledger(path)
    T = L.tasks.reset_index(drop=True)
    late = overdue_mask(T, today)
    open_ = ~T["status"].isin(status_roles().finished).to_numpy()
    mu = units.area_mu_array(T["area_m2"].to_numpy(dtype="float64"))
    mu = np.where(np.isfinite(mu), mu, 0.0)
    violation = is_violation(T)
    plan = ~violation
    order = village_order(T)  # village codes from every task (transfer tasks may carry none)
    out = {"ledger": str(path), "as_of": today.isoformat(),
           **_progress(T[violation], mu[violation], open_[violation], late[violation], order), "overdue_tasks": []}
    out["plan_gaps"] = _progress(T[plan], mu[plan], open_[plan], late[plan], order)
    out["plan_gaps"]["cross_village"] = cross_village_tasks(T, L.blocks)
    for t in np.flatnonzero(late):
        r = T.iloc[t]
        out["overdue_tasks"].append({"issue_id": r["issue_id"], "village": village_label(r["village"]), "deadline": r["deadline"],
                                     "status": r["status"], "resp_person": r["resp_person"], "area_mu": float(mu[t]),
                                     "plan_gap": bool(plan[t])})
    out["unknown_statuses"] = sorted(set(T["status"]) - set(vocabulary().statuses))
    return out
