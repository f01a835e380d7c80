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
from .store import Ledger, load_ledger


def overdue_mask(tasks: pd.DataFrame, today: date) -> np.ndarray:
    """Tasks 未整改/整改中 whose deadline has passed."""
    roles = status_roles()
    open_ = tasks["status"].isin([roles.new, roles.in_progress]).to_numpy()
    late = np.array([(d is not None and d < today) for d in map(parse_iso_date, tasks["deadline"])], dtype=bool)
    return open_ & late if len(tasks) else np.zeros(0, dtype=bool)


def _progress(T: pd.DataFrame, mu: np.ndarray, open_: np.ndarray, late: np.ndarray, order: list[str],
              counts: np.ndarray | None = None) -> dict:
    """Tasks `T` (their printed mu `mu`): n and mu, by status, not finished, overdue, and the same by
    village in the order `order` (the totals are the sums of the village rows as printed). `counts`:
    1 where a row counts as a task (default every row); a piece of a task in another village counts 0."""
    statuses = vocabulary().statuses
    counts = np.ones(len(T), dtype=np.int64) if counts is None else counts

    def block(mask) -> dict:
        status = T["status"].to_numpy()[mask]
        n = counts[mask]
        return {
            "n": int(n.sum()), "mu": units.sum_printed(mu[mask]),
            "by_status": {s: {"n": int(n[status == s].sum()), "mu": units.sum_printed(mu[mask][status == s])} for s in statuses},
            "open": {"n": int(n[open_[mask]].sum()), "mu": units.sum_printed(mu[mask & open_])},
            "overdue": int(n[late[mask]].sum()),
        }

    out = block(np.ones(len(T), dtype=bool))
    villages = T["village"].to_numpy()
    out["by_village"] = {village_label(v): block(villages == v) for v in order if (villages == v).any()}
    return out


def by_land(T: pd.DataFrame, mu: np.ndarray, cross: list[dict]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The plan's tasks with each block over villages in one row per village (its share of the printed
    mu, `cross_village_tasks`), so that the village rows tell the land in each village as `landcheck
    transfer` does: (rows, their mu, counts — 1 on the row of the task's own village, 0 on the others)."""
    split = {c["issue_id"]: c["villages"] for c in cross}
    rows, mus, counts = [], [], []
    for (_, t), m in zip(T.iterrows(), mu):
        for v, share in split.get(t["issue_id"], {t["village"]: m}).items():
            piece = t.copy()
            if v != t["village"]:  # the task's village code is not this village's (village_order takes the least code)
                piece["village"], piece["village_code"] = v, ""
            rows.append(piece)
            mus.append(share)
            counts.append(int(v == t["village"]))
    frame = pd.DataFrame(rows, columns=T.columns).reset_index(drop=True) if rows else T.iloc[0:0]
    return frame, np.asarray(mus, dtype="float64"), np.asarray(counts, dtype=np.int64)


def ledger_status(ledger_path: str | Path, today: date | None = None, ledger: Ledger | None = None) -> dict:
    """Progress of the ledger's violations: tasks and mu by status, not yet finished (`open`: not
    已整改/已销号), per village in village-code order, and the overdue tasks (未整改/整改中 past their
    deadline, violations and plan gaps alike, `plan_gap` telling which). The transfer plan's gaps
    (blocks under the minimum) in `plan_gaps`, apart, with the same figures: a task counted in its own
    village, its mu shared by villages as the transfer check shares a block over villages (`by_land`;
    `plan_gaps.cross_village` lists those blocks). Areas in mu as printed. `ledger`: the ledger at
    `ledger_path` when the caller has already read it."""
    path = Path(ledger_path)
    today = today or date.today()
    L = ledger if ledger is not None else load_ledger(path)
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
    cross = cross_village_tasks(T, L.blocks)
    P, pmu, counts = by_land(T[plan], mu[plan], cross)
    p_open = ~P["status"].isin(status_roles().finished).to_numpy()
    out["plan_gaps"] = _progress(P, pmu, p_open, overdue_mask(P, today), village_order(pd.concat([T, P])), counts)
    out["plan_gaps"]["cross_village"] = cross
    for t in np.flatnonzero(late):
        r = T.iloc[t]
        out["overdue_tasks"].append({"issue_id": r["issue_id"], "village": village_label(r["village"]), "deadline": r["deadline"],
                                     "status": r["status"], "resp_person": r["resp_person"], "area_mu": float(mu[t]),
                                     "plan_gap": bool(plan[t])})
    out["unknown_statuses"] = sorted(set(T["status"]) - set(vocabulary().statuses))
    return out
