"""The export record: a very hidden sheet ``_landcheck`` holding the ledger's id and the people-filled
values as exported, so that an import applies only what officers changed in this copy (two copies
edited by two people do not undo each other) and an export refuses to overwrite unimported edits.

Writes and reads that one sheet; values are compared in their `canonical` text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .. import units
from ..ledger import DATE_FIELDS, FORMAT_VERSION, Ledger, is_blank, parse_iso_date
from .layout import RECORD_SHEET, SHEET_PEOPLE

#: First cell of the record sheet: a file-format marker (not a word for officers; never translate it).
MARKER = "landcheck 整改台账 export"


@dataclass
class Record:
    ledger_id: str
    template: str
    #: issue_id → people-filled key → canonical value as exported
    values: dict[str, dict[str, str]]


def canonical(key: str, value) -> str:
    """A people-filled value as comparable text ('' for blank): ISO dates, 2-decimal mu, trimmed text."""
    if is_blank(value):
        return ""
    if key in DATE_FIELDS:
        d = value if isinstance(value, date) else parse_iso_date(str(value))
        if isinstance(d, datetime):
            d = d.date()
        return d.isoformat() if d else str(value).strip()
    if key == "remaining_mu":
        try:
            return f"{units.round_half_up(float(value), 2):.2f}"
        except (TypeError, ValueError):
            return str(value).strip()
    return str(value).strip()


def write_record(wb, L: Ledger, template: str) -> None:
    """The record sheet: marker, format, ledger id, time and template; for the default template the
    people-filled values of every task as written."""
    ws = wb.add_worksheet(RECORD_SHEET)
    head = [MARKER, FORMAT_VERSION, L.meta.get("ledger_id", ""), datetime.now().isoformat(timespec="seconds"), template]
    for c, v in enumerate(head):
        ws.write_string(0, c, v)
    if template == "default":
        for c, k in enumerate(("issue_id",) + SHEET_PEOPLE):
            ws.write_string(1, c, k)
        T = L.tasks.sort_values("issue_id")
        for r, (_, task) in enumerate(T.iterrows(), start=2):
            ws.write_string(r, 0, task["issue_id"])
            for c, k in enumerate(SHEET_PEOPLE, start=1):
                v = canonical(k, task[k])
                if v:
                    ws.write_string(r, c, v)
    ws.very_hidden()


def read_record(wb) -> Record | None:
    """The record of an openpyxl workbook (None: not written by landcheck)."""
    if RECORD_SHEET not in wb.sheetnames:
        return None
    rows = list(wb[RECORD_SHEET].iter_rows(values_only=True))
    if not rows or not rows[0] or rows[0][0] != MARKER:
        return None
    head = list(rows[0]) + [None] * 5
    template = str(head[4] or "default")
    values: dict[str, dict[str, str]] = {}
    if template == "default" and len(rows) > 1:
        keys = [str(k) if k is not None else "" for k in rows[1]]
        for r in rows[2:]:
            if not r or r[0] is None:
                continue
            values[str(r[0])] = {k: "" if v is None else str(v) for k, v in zip(keys[1:], r[1:]) if k}
    return Record(ledger_id=str(head[2] or ""), template=template, values=values)
