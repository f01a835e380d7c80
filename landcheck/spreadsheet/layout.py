"""The layout of the ledger workbook: sheet names, the columns of a village sheet and of the county
template, legal sheet names, and how wide a text is and how many lines it wraps to.

Facts and measurements only: writes no cell and reads no file.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from ..config import vocabulary
from ..ledger import HEADERS, PEOPLE_FIELDS

_WORDS = vocabulary()

SUMMARY_SHEET = _WORDS.label("spreadsheet_summary_sheet")
LISTS_SHEET = "lists"
RECORD_SHEET = "_landcheck"
COUNTY_SHEET = _WORDS.label("spreadsheet_county_sheet")
TRANSFER_SHEET = _WORDS.label("spreadsheet_transfer_sheet")
RESERVED_SHEETS = (SUMMARY_SHEET, LISTS_SHEET, RECORD_SHEET, COUNTY_SHEET, TRANSFER_SHEET, "History")

#: Columns of a village sheet: (ledger key, kind, minimum width, maximum width). People-filled ones last.
VILLAGE_COLUMNS = (
    ("seq", "int", 4, 5), ("issue_id", "text", 12, 15), ("patch_id", "text", 8, 19), ("farmland_id", "text", 8, 18),
    ("problem_type", "text", 10, 12), ("description", "text", 16, 22), ("area_mu", "mu", 7, 8),
    ("lon", "coord", 10, 10), ("lat", "coord", 9, 9),
    ("verdict", "text", 7, 8), ("new_or_stock", "text", 6, 7), ("measure", "text", 10, 12), ("resp_unit", "text", 9, 12), ("resp_person", "text", 7, 10),
    ("deadline", "date", 10, 10), ("status", "text", 8, 10), ("remaining_mu", "mu", 8, 8), ("done_date", "date", 10, 10),
    ("remarks", "text", 12, 16),
)
#: Columns whose text wraps (rows grow) instead of widening the sheet beyond an A4 landscape page.
WRAPPED = ("problem_type", "description", "measure", "resp_unit", "status", "remarks")
#: People-filled columns an import reads (any of PEOPLE_FIELDS present as a column is read).
SHEET_PEOPLE = tuple(k for k, *_ in VILLAGE_COLUMNS if k in PEOPLE_FIELDS)


def choices() -> dict[str, tuple[str, ...]]:
    """The columns officers fill from a drop-down list and their allowed values (the vocabulary's), in
    the order of the hidden ``lists`` sheet's columns."""
    vocab = vocabulary()
    return {"verdict": vocab.verdicts, "measure": vocab.all_measures, "status": vocab.statuses,
            "new_or_stock": tuple(vocab.origins.values())}


def _county(key: str) -> str:
    return _WORDS.label(f"spreadsheet_county_{key}")


#: The county's 非农违法图斑清单: (header, kind, cell style, width).
COUNTY_COLUMNS = (
    (HEADERS["seq"], "int", "text", 5), (_county("name"), "text", "text", 10), (HEADERS["batch"], "text", "text", 10),
    (_county("clue"), "text", "text", 14), (HEADERS["project_name"], "text", "text_wrap", 16),
    (_county("subject"), "text", "text_wrap", 14), (_county("use"), "text", "text_wrap", 12),
    (_county("area"), "mu", "text", 10), (_county("cultivated"), "mu", "text", 10), (_county("pbf"), "mu", "text", 12),
    (_county("rectified"), "text", "center", 8), (_county("method"), "text", "center", 10),
    (_county("major"), "text", "center", 10), (HEADERS["remarks"], "text", "text_wrap", 36),
)
COUNTY_HEADERS = tuple(h for h, *_ in COUNTY_COLUMNS)

LINE_HEIGHT = 13.5  # points, one line of 宋体 10 pt

_ILLEGAL_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _truncate(s: str, limit: int) -> str:
    while _utf16_len(s) > limit:
        s = s[:-1]
    return s


def legal_sheet_names(names, reserved=RESERVED_SHEETS) -> dict[str, str]:
    """A legal, unique Excel sheet name for each name: no ``[]:*?/\\``, no leading/trailing apostrophe,
    at most 31 characters (UTF-16 units, as Excel counts), unique ignoring case and not one of `reserved`.
    A blank name is the word for a missing 行政村 without its brackets (未填行政村)."""
    taken = {r.casefold() for r in reserved}
    no_village = vocabulary().label("no_village").strip("（）")
    out: dict[str, str] = {}
    for name in dict.fromkeys(names):
        base = _ILLEGAL_SHEET_CHARS.sub("_", re.sub(r"[\x00-\x1f]", " ", str(name))).strip().strip("'").strip()
        base = _truncate(base or no_village, 31).rstrip().rstrip("'")
        candidate, n = base, 1
        while candidate.casefold() in taken:
            n += 1
            suffix = f"({n})"
            candidate = _truncate(base, 31 - len(suffix)).rstrip().rstrip("'") + suffix
        taken.add(candidate.casefold())
        out[name] = candidate
    return out


def village_names(tasks: pd.DataFrame) -> list[str]:
    """The villages of the tasks in sheet order (by name, the tasks without a village last)."""
    return sorted(set(tasks["village"]), key=lambda v: (v == "", v))


def township_of(tasks: pd.DataFrame) -> str:
    """The township most tasks name ('' for none), for titles."""
    names = [t for t in tasks["township"] if t]
    return Counter(names).most_common(1)[0][0] if names else ""


def display_width(text: str) -> float:
    """Rough width in Excel character units (7 px, Calibri 11's digit) of text in 宋体 10 pt: a CJK or
    full-width character is 13.3 px (1.9 units), a half-width one 6.7 px (0.95)."""
    w = 0.0
    for ch in text:
        w += 1.9 if ord(ch) > 0x2E7F else 0.95
    return w


def wrapped_lines(text: str, width: float) -> int:
    """Lines that `text` wraps to in a column `width` units wide (greedy by character)."""
    usable = max(width - 0.3, 1.0)
    lines, cur = 1, 0.0
    for ch in text:
        if ch == "\n":
            lines, cur = lines + 1, 0.0
            continue
        w = display_width(ch)
        if cur + w > usable:
            lines, cur = lines + 1, w
        else:
            cur += w
    return lines


def col_letter(c: int) -> str:
    """The Excel column letters of a 0-based column number (0 → A, 26 → AA)."""
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s
