"""The layout of the ledger workbook: sheet names, the columns of a village sheet and of the county
template, legal sheet names, and how wide a text is and how many lines it wraps to.

Facts and measurements only: writes no cell and reads no file.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from ..config import vocabulary
from ..findings import village_order
from ..ledger import HEADERS, PEOPLE_FIELDS

_WORDS = vocabulary()

SUMMARY_SHEET = _WORDS.label("spreadsheet_summary_sheet")
LISTS_SHEET = "lists"
RECORD_SHEET = "_landcheck"
COUNTY_SHEET = _WORDS.label("spreadsheet_county_sheet")
TRANSFER_SHEET = _WORDS.label("spreadsheet_transfer_sheet")
PHOTOS_SHEET = _WORDS.label("evidence_photos_sheet")
RESERVED_SHEETS = (SUMMARY_SHEET, LISTS_SHEET, RECORD_SHEET, COUNTY_SHEET, TRANSFER_SHEET, PHOTOS_SHEET, "History")

#: Columns of a village sheet: (ledger key, kind, minimum width, maximum width). People-filled ones last.
VILLAGE_COLUMNS = (
    ("seq", "int", 4, 5), ("issue_id", "text", 12, 21), ("patch_id", "text", 8, 19), ("farmland_id", "text", 8, 18),
    ("problem_type", "text", 10, 18), ("description", "text", 16, 22), ("area_mu", "mu", 7, 8),
    ("lon", "coord", 10, 10), ("lat", "coord", 9, 9), ("photo_count", "int0", 5, 6), ("last_visit", "date", 10, 10),
    ("verdict", "text", 7, 8), ("new_or_stock", "text", 6, 7), ("measure", "text", 10, 20), ("resp_unit", "text", 9, 12), ("resp_person", "text", 7, 10),
    ("deadline", "date", 10, 10), ("status", "text", 8, 16), ("remaining_mu", "mu", 8, 8), ("done_date", "date", 10, 10),
    # 卫片 and 违法用地 cases (the county's 非农违法图斑清单 reads them)
    ("project_name", "text", 10, 14), ("subject", "text", 8, 12), ("build_time", "date", 10, 10),
    ("case_filed", "text", 5, 5), ("clue_id", "text", 10, 19),
    ("remarks", "text", 12, 16),
)
#: Columns whose text wraps (rows grow) instead of widening the sheet beyond an A4 landscape page.
WRAPPED = ("problem_type", "description", "measure", "resp_unit", "status", "project_name", "subject", "remarks")
#: People-filled columns an import reads (any of PEOPLE_FIELDS present as a column is read).
SHEET_PEOPLE = tuple(k for k, *_ in VILLAGE_COLUMNS if k in PEOPLE_FIELDS)


def choices() -> dict[str, tuple[str, ...]]:
    """The columns officers fill from a drop-down list and their allowed values (the vocabulary's), in
    the order of the hidden ``lists`` sheet's columns."""
    vocab = vocabulary()
    return {"verdict": vocab.verdicts, "measure": vocab.all_measures, "status": vocab.statuses,
            "new_or_stock": tuple(vocab.origins.values()),
            "case_filed": (vocab.label("spreadsheet_yes"), vocab.label("spreadsheet_no"))}


def _county(key: str) -> str:
    return _WORDS.label(f"spreadsheet_county_{key}")


#: The county's 非农违法图斑清单: (header, kind, cell style, width). Its 14 columns in the county's order
#: (domain.md §5.3), then what the county needs to find each case: 乡镇名称, 监测编号, landcheck's own
#: 问题编号 (never in 线索编号), 原地类, 现状地类, 种植属性.
COUNTY_COLUMNS = (
    (HEADERS["seq"], "int", "text", 5), (_county("name"), "text", "text", 10), (HEADERS["batch"], "text", "text", 10),
    (_county("clue"), "text", "text", 14), (HEADERS["project_name"], "text", "text_wrap", 16),
    (_county("subject"), "text", "text_wrap", 14), (_county("use"), "text", "text_wrap", 12),
    (_county("area"), "mu", "text", 10), (_county("cultivated"), "mu", "text", 10), (_county("pbf"), "mu", "text", 12),
    (_county("rectified"), "text", "center", 8), (_county("method"), "text", "center", 10),
    (_county("major"), "text", "center", 10), (HEADERS["remarks"], "text", "text_wrap", 30),
    (_county("township"), "text", "text_wrap", 10), (HEADERS["monitor_id"], "text", "text", 14),
    (HEADERS["issue_id"], "text", "text", 20), (HEADERS["orig_dlbm"], "text", "text_wrap", 12),
    (HEADERS["current_use"], "text", "text_wrap", 12), (HEADERS["zzsx"], "text", "text_wrap", 10),
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
    """The villages of the tasks in sheet order (village-code order, then name; no village last)."""
    return village_order(tasks)


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


#: A half-width character's width when wrapping: a printer's fallback for Latin digits (DejaVu Sans, 1.2
#: units at 10 pt) is wider than 宋体's half-width (0.95); a row then rather has room to spare.
HALF_WIDTH_WRAP = 1.2


def wrap(text: str, width: float) -> list[str]:
    """The lines `text` wraps to in a column `width` units wide (greedy by character, as Excel and
    LibreOffice wrap Chinese; a newline always breaks)."""
    usable = max(width - 0.3, 1.0)
    lines, cur, w_cur = [], "", 0.0
    for ch in text:
        if ch == "\n":
            lines, cur, w_cur = lines + [cur], "", 0.0
            continue
        w = display_width(ch) if ord(ch) > 0x2E7F else HALF_WIDTH_WRAP
        if cur and w_cur + w > usable:
            lines, cur, w_cur = lines + [cur], ch, w
        else:
            cur, w_cur = cur + ch, w_cur + w
    return lines + [cur]


def wrapped_lines(text: str, width: float) -> int:
    """Lines that `text` wraps to in a column `width` units wide (greedy by character)."""
    return len(wrap(text, width))


#: Room left beside a label so that a printer's wider glyphs do not push its last character over.
LABEL_MARGIN = 0.8


def bracket_tail(text: str) -> str:
    """The part of a label from its first full-width bracket on ('' for none): 非农化（建设占用） → （建设占用）."""
    i = text.find("（")
    return text[i:] if i > 0 else ""


def label_width(text: str, one_line: bool = False) -> float:
    """The narrowest column that prints a label without breaking inside its brackets: its own width
    (`one_line`, for a value that must stay as it is, such as a drop-down's) or its bracketed part's
    (the label then breaks before "（", see `print_label`)."""
    if one_line or not bracket_tail(text):
        return display_width(text) + LABEL_MARGIN if one_line or "（" in text else 0.0
    return display_width(bracket_tail(text)) + LABEL_MARGIN


def print_label(text: str, width: float) -> str:
    """A label as printed in a column `width` wide: itself when it fits on one line, else broken before
    its "（" so that the brackets stay on one line (the cell is a display: nothing reads it back)."""
    tail = bracket_tail(text)
    if not tail or wrapped_lines(text, width - LABEL_MARGIN + 0.3) == 1:
        return text
    return text[: len(text) - len(tail)] + "\n" + tail


def col_letter(c: int) -> str:
    """The Excel column letters of a 0-based column number (0 → A, 26 → AA)."""
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def village_widths(rows: pd.DataFrame) -> list[float]:
    """The column widths of a village sheet holding `rows` (tasks): each column as wide as its header and
    values within its minimum and maximum, wider where a label would break inside its brackets — a
    problem type breaks before "（" (its bracketed part fits), a drop-down's values fit on one line."""
    lists = choices()
    widths = []
    for key, kind, lo, hi in VILLAGE_COLUMNS:
        w = max(lo, min(hi, display_width(HEADERS[key]) / 2 + 1))
        if kind == "text" and key in rows.columns:
            values = [str(v) for v in rows[key] if isinstance(v, str) and v.strip()]
            w = max([w] + [min(hi, display_width(v) + 1) for v in values])
            if key == "problem_type":
                w = max([w] + [label_width(v) for v in values])
        if key in lists:
            w = max([w] + [label_width(v, one_line=True) for v in lists[key]])
        widths.append(round(w, 2))
    return widths


#: Printable width of an A4 landscape page inside the margins of `cells.page_setup`, in points.
PAGE_WIDTH_PT = 841.9 - 2 * 0.4 * 72


def first_page_last_col(widths: list[float]) -> int:
    """The last column (0-based) printed on a sheet's first page across, at 100 %: a column `w` units
    wide is w × 7 + 5 pixels of ¾ point."""
    used, last = 0.0, 0
    for c, w in enumerate(widths):
        used += int(w * 7 + 5) * 0.75
        if used > PAGE_WIDTH_PT:
            break
        last = c
    return last
