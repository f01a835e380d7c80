"""Reading officers' cells from a workbook (openpyxl): columns found by their header wherever they are,
rows matched by 问题编号, every value validated and written in its canonical text (dates as the many ways
officers type them, mu, the vocabulary's words). Each bad value is a `Problem` naming sheet, row and column.

Reads only; applies nothing to the ledger.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .. import units
from ..config import vocabulary
from ..ledger import DATE_FIELDS, HEADERS, PEOPLE_FIELDS, Ledger, is_blank, status_roles
from .layout import COUNTY_HEADERS, LISTS_SHEET, PHOTOS_SHEET, RECORD_SHEET, SHEET_PEOPLE, SUMMARY_SHEET, choices

_PARENS = str.maketrans({"(": "（", ")": "）"})

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})$"), re.compile(r"^(\d{4})/(\d{1,2})$"), re.compile(r"^(\d{4})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"), re.compile(r"^(\d{4})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Formula:
    """A formula cell as read (its text, e.g. ``=B3*2``): an import takes no formula."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    header: str
    value: object
    message: str

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}', row {self.row}" + (f", column {self.column} ({self.header})" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class Parsed:
    cells: dict[str, dict[str, tuple[str, str, int, str]]]  # issue_id -> key -> (canonical, sheet, row, column)
    problems: list[Problem]
    warnings: list[str]
    n_rows: int
    sheets: list[str]
    skipped: list[str]


def _norm(text) -> str:
    return re.sub(r"\s+", "", str(text)).translate(_PARENS)


def _header_key(text) -> str | None:
    if text is None:
        return None
    t = _norm(text)
    for key in ("issue_id",) + PEOPLE_FIELDS:
        if _norm(HEADERS[key]) == t:
            return key
    return None


def _known_header(text) -> bool:
    """Is `text` a header landcheck writes (any ledger column, the county template's)?"""
    return _norm(text) in {_norm(h) for h in (*HEADERS.values(), *COUNTY_HEADERS)}


def _values(ws):
    """The rows of a worksheet as value tuples, formula cells as `Formula` (the workbook is read with
    formulas, not their cached values: an import must not take a value a formula computed)."""
    for row in ws.iter_rows():
        yield tuple(Formula(str(c.value)) if getattr(c, "data_type", None) == "f" else c.value for c in row)


def _parse_date(v) -> date | None:
    """A date as officers write it: a date cell, 2026-09-30, 2026/9/30, 2026.9.30, 2026年9月30日,
    20260930 (text or number), or an Excel day number (2000–2100). None when it is none of these."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if float(v).is_integer() and 19000101 <= v <= 21001231:
            return _parse_date(str(int(v)))
        if 36526 <= v <= 73051:  # an Excel serial day number, 2000-01-01 … 2100-01-01
            return _EXCEL_EPOCH + timedelta(days=int(v))
        return None
    s = str(v).strip()
    for pat in _DATE_PATTERNS:
        m = pat.match(s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _parse_build_time(v) -> str | None:
    """建设（发现）时间: a date (as `_parse_date`, written 2020-05-01) or, when officers know only the
    month, a year and month (2020-05, 2020/5, 2020.5, 2020年5月, 202005: written 2020-05). None otherwise
    (a year alone is not enough to tell 新增 from 存量)."""
    d = _parse_date(v)
    if d:
        return d.isoformat()
    s = _cell_text(v) if not isinstance(v, str) else v.strip()
    for pat in _MONTH_PATTERNS:
        m = pat.match(s)
        if m and 1900 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2)) <= 12:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def _cell_text(v) -> str:
    """A cell's value as text: whole numbers without '.0', midnight datetimes as dates, stripped."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    return str(v).strip()


def _validate(key: str, v) -> tuple[str | None, str | None]:
    """(canonical value, None) or (None, message)."""
    if isinstance(v, Formula):
        return None, f"'{v.text[:40]}' is a formula; type the value itself (an import takes no formula)"
    words = vocabulary()
    allowed = choices().get(key)
    if allowed is not None:
        if is_blank(v):
            return (None, f"{HEADERS[key]} is empty; choose one of {', '.join(allowed)}") if key == "status" else ("", None)
        s = re.sub(r"\s+", "", _cell_text(v)).translate(_PARENS)
        if s in allowed:
            return s, None
        shown = ", ".join(allowed) if len(allowed) <= 8 else ", ".join(allowed[:8]) + ", … (the drop-down list)"
        return None, f"'{_cell_text(v)}' is not an allowed {HEADERS[key]} ({shown})"
    if is_blank(v):
        return "", None
    if key in DATE_FIELDS:
        d = _parse_date(v)
        return (d.isoformat(), None) if d else (None, f"'{_cell_text(v)}' is not a date (write it like 2026-09-30)")
    if key == "build_time":
        t = _parse_build_time(v)
        return (t, None) if t else (None, f"'{_cell_text(v)}' is not a date or a month (write it like 2020-05-01 or 2020-05)")
    if key == "remaining_mu":
        try:
            x = float(str(v).strip().removesuffix(words.label("mu"))) if not isinstance(v, (int, float)) else float(v)
        except ValueError:
            return None, f"'{_cell_text(v)}' is not a number of mu"
        if not np.isfinite(x) or x < 0:
            return None, f"'{_cell_text(v)}' must be a number of mu not below 0"
        return f"{units.round_half_up(x, 2):.2f}", None
    if key == "major_case":
        s = _cell_text(v)
        yes, no = words.label("spreadsheet_yes"), words.label("spreadsheet_no")
        return (s, None) if s in (yes, no) else (None, f"'{s}' must be {yes} or {no}")
    return _cell_text(v), None


def _header(rows) -> tuple[int | None, dict[int, str], dict[int, str]]:
    """The header row among the first ten (the one with a 问题编号 column), its columns' keys and its
    headers that landcheck does not write (by column). Without a 问题编号 column: (None, {}, {}), or
    (-row, its keys, {}) when a row has people's columns (a sheet whose 问题编号 header was renamed)."""
    people_row = None
    for r_no, row in enumerate(rows, start=1):
        keys = {c: _header_key(v) for c, v in enumerate(row or ())}
        if "issue_id" in keys.values():
            unknown = {c: str(v).strip() for c, v in enumerate(row) if not is_blank(v) and not keys[c]
                       and not isinstance(v, Formula) and not _known_header(v)}
            return r_no, {c: k for c, k in keys.items() if k}, unknown
        if people_row is None and sum(1 for k in keys.values() if k) >= 2:
            people_row = (-r_no, {c: k for c, k in keys.items() if k}, {})
        if r_no >= 10:
            break
    return people_row or (None, {}, {})


def _unknown_columns(sheet: str, header_row: int, unknown: dict[int, str], filled: dict[int, int], colmap: dict,
                     problems: list, warnings: list) -> None:
    """Columns under a header landcheck did not write that hold values. While one of the people's columns
    is missing from the sheet, such a column may be it renamed (整改状态 → 状态): an error, as its values
    would be silently left out. Otherwise it is the officers' own column (kept out, with a warning)."""
    from openpyxl.utils import get_column_letter

    missing = [HEADERS[k] for k in SHEET_PEOPLE if k not in colmap.values()]
    for c, first in filled.items():
        letter, text = get_column_letter(c + 1), unknown[c]
        if missing:
            problems.append(Problem(sheet, header_row, letter, text, None,
                                    f"the header '{text}' is not a column landcheck wrote and this sheet has no column "
                                    f"{', '.join(missing)}: its values (e.g. row {first}) would not be imported; give the "
                                    f"column back its exported header, or clear it"))
        else:
            warnings.append(f"sheet '{sheet}' column {letter} ('{text}'): not a column landcheck wrote; not imported")


def parse_workbook(wb, L: Ledger) -> Parsed:
    """The people-filled cells of every sheet with a 问题编号 column, validated, by issue id."""
    from openpyxl.utils import get_column_letter

    known = set(L.tasks["issue_id"])
    issue_id = HEADERS["issue_id"]
    total = vocabulary().label("total")
    remaining, mu = vocabulary().label("spreadsheet_remaining"), vocabulary().label("mu")
    cells: dict[str, dict[str, tuple[str, str, int, str]]] = {}
    first_seen: dict[str, tuple[str, int]] = {}
    problems: list[Problem] = []
    warnings: list[str] = []
    n_rows = 0
    sheets, skipped = [], []
    area = dict(zip(L.tasks["issue_id"], L.tasks["area_mu"]))
    roles = status_roles()
    for name in wb.sheetnames:
        if name in (SUMMARY_SHEET, LISTS_SHEET, RECORD_SHEET, PHOTOS_SHEET):
            continue
        rows = _values(wb[name])
        header_row, colmap, unknown = _header(rows)
        filled: dict[int, int] = {}  # unknown column → first row with a value
        if header_row is not None and header_row < 0:
            problems.append(Problem(name, -header_row, "", issue_id, None,
                                    f"this sheet has the columns {', '.join(HEADERS[k] for k in colmap.values())} but no "
                                    f"{issue_id} column, so its rows cannot be matched to tasks; give the column back its "
                                    f"header {issue_id}"))
            continue
        if header_row is None:
            skipped.append(name)
            continue
        sheets.append(name)
        dup = [k for k, n in Counter(colmap.values()).items() if n > 1]
        for k in dup:
            problems.append(Problem(name, header_row, "", HEADERS[k], None, f"the column {HEADERS[k]} appears twice"))
        id_col = next(c for c, k in colmap.items() if k == "issue_id")
        for r_no, row in enumerate(rows, start=header_row + 1):
            row = tuple(row or ())
            get = lambda c: row[c] if c < len(row) else None  # noqa: E731
            raw_id = get(id_col)
            people = {c: get(c) for c, k in colmap.items() if k != "issue_id"}
            if is_blank(raw_id) and all(is_blank(v) for v in people.values()):
                continue
            if isinstance(row[0] if row else None, str) and row[0].strip() == total:
                continue
            n_rows += 1
            letter = get_column_letter(id_col + 1)
            for c in unknown:
                if c not in filled and not is_blank(raw_id) and not is_blank(get(c)):
                    filled[c] = r_no
            if isinstance(raw_id, Formula):
                problems.append(Problem(name, r_no, letter, issue_id, raw_id, f"'{raw_id.text[:40]}' is a formula; "
                                        f"an import takes no formula, type the {issue_id} itself"))
                continue
            if is_blank(raw_id):
                problems.append(Problem(name, r_no, letter, issue_id, None,
                                        f"this row has values but no {issue_id} (new rows cannot be imported; tasks come from runs)"))
                continue
            iid = _cell_text(raw_id)
            if iid not in known:
                problems.append(Problem(name, r_no, letter, issue_id, iid, f"unknown {issue_id} '{iid}' (not in the ledger)"))
                continue
            row_vals: dict[str, tuple[str, str, int, str]] = {}
            for c, v in people.items():
                key = colmap[c]
                canon, msg = _validate(key, v)
                col_letter = get_column_letter(c + 1)
                if msg:
                    problems.append(Problem(name, r_no, col_letter, HEADERS[key], v, msg))
                else:
                    row_vals[key] = (canon, name, r_no, col_letter)
            if iid in first_seen:
                prev_sheet, prev_row = first_seen[iid]
                for key, (canon, *_w) in row_vals.items():
                    if key in cells[iid] and cells[iid][key][0] != canon:
                        problems.append(Problem(name, r_no, letter, issue_id, iid,
                                                f"{issue_id} {iid} also on sheet '{prev_sheet}' row {prev_row} with a different {HEADERS[key]}"))
                        break
                continue
            first_seen[iid] = (name, r_no)
            cells[iid] = row_vals
            st = row_vals.get("status", ("",))[0]
            rem = row_vals.get("remaining_mu", ("",))[0]
            if st in roles.finished and rem and float(rem) > 0:
                warnings.append(f"sheet '{name}' row {r_no}: {iid} is {st} but {remaining} is {rem} {mu}")
            if rem and float(rem) > float(area.get(iid, np.inf)) + 0.005:
                rem_col = row_vals["remaining_mu"][3]
                problems.append(Problem(name, r_no, rem_col, HEADERS["remaining_mu"], rem,
                                        f"{remaining} {rem} {mu} is more than the task's area {float(area[iid]):.2f} {mu}"))
        _unknown_columns(name, header_row, unknown, filled, colmap, problems, warnings)
    return Parsed(cells, problems, warnings, n_rows, sheets, skipped)
