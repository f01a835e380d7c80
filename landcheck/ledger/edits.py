"""People's edits: applying (issue_id, field, value) to the people-filled fields of a loaded ledger, each
change recorded in its history. Used by the spreadsheet import, which validates the values first.

Never touches tool-filled fields and never reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .schema import NUMERIC_FIELDS, PEOPLE_FIELDS, history_text, is_blank, now, same_value
from .store import Ledger


def apply_people_edits(ledger: Ledger, edits: Iterable[tuple[str, str, object]], origin: str) -> list[dict]:
    """Apply (issue_id, field, value) to people-filled fields of a loaded ledger, with history. Returns
    the changes made (issue_id, field, old, new). Unknown ids or tool fields raise ValueError: validate first."""
    T = ledger.tasks
    pos = {iid: i for i, iid in enumerate(T["issue_id"])}
    when = now()
    changes = []
    for iid, fname, value in edits:
        if fname not in PEOPLE_FIELDS:
            raise ValueError(f"{fname} is not a people-filled field")
        t = pos[iid]
        old = T.at[t, fname]
        new = (np.nan if is_blank(value) else float(value)) if fname in NUMERIC_FIELDS else ("" if is_blank(value) else str(value))
        if same_value(fname, old, new):
            continue
        ledger.log(iid, fname, old, new, origin, when)
        T.at[t, fname] = new
        changes.append({"issue_id": iid, "field": fname, "old": history_text(old), "new": history_text(new)})
    return changes
