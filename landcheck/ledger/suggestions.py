"""Suggestions a run makes in people-filled fields: 整改措施 (`measure`, from the finding's suggested
measure), 新增/存量 (`new_or_stock`, from the finding's `origin`) and 线索编号 (`clue_id`, from the
卫片 layer's XSBH; officers fill it when the layer has none). A task whose field still holds
landcheck's untouched suggestion follows the new judgment (with a history row); one a person edited
(an edit or import in the history) is kept, and listed as 建议已变化，保留人工填写.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import text_values
from ..config import vocabulary
from .store import Ledger

#: people field → the finding column its suggestion comes from
SUGGESTED = {"measure": "suggested_measure", "new_or_stock": "origin", "clue_id": "clue_id"}


def suggestions(findings: pd.DataFrame) -> dict[str, np.ndarray]:
    """The suggestion of each people field for each finding ('' when the finding makes none)."""
    n = len(findings)
    origins = vocabulary().origins
    out = {}
    for field, src in SUGGESTED.items():
        values = text_values(findings[src]) if src in findings.columns else np.array([""] * n, dtype=object)
        if field == "new_or_stock":
            own = text_values(findings["new_or_stock"]) if "new_or_stock" in findings.columns else [""] * n
            values = [o or origins.get(v, v) for o, v in zip(own, values)]
        out[field] = np.asarray(values, dtype=object)
    return out


def edited_by_people(ledger: Ledger) -> set[tuple[str, str]]:
    """(issue_id, field) pairs a person changed: history rows whose origin is not a run."""
    h = ledger.all_history()
    if not len(h):
        return set()
    people = h[~h["origin"].astype(str).str.startswith("run ")]
    return set(zip(people["issue_id"].astype(str), people["field"].astype(str)))


def refresh_suggestions(ledger: Ledger, tasks: pd.DataFrame, tpos: np.ndarray, iids: np.ndarray,
                        suggested: dict[str, np.ndarray], log) -> tuple[list[str], list[dict]]:
    """Matched tasks (rows `tpos`) take the new suggestions where untouched; returns (updated issue ids,
    kept edits [{issue_id, field, kept, suggested}])."""
    edited = edited_by_people(ledger)
    updated, kept = [], []
    for field, values in suggested.items():
        col = tasks[field].to_numpy().copy()
        for j, t in enumerate(tpos):
            new = values[j]
            if not new or col[t] == new:
                continue
            iid = str(iids[j])
            if (iid, field) in edited:
                kept.append({"issue_id": iid, "field": field, "kept": col[t], "suggested": new})
                continue
            log(iid, field, col[t], new)
            col[t] = new
            updated.append(iid)
        tasks[field] = col
    return updated, kept
