"""A village's sheet of the ledger workbook (its tasks, Chinese headers, people-filled columns tinted,
drop-down lists, date and number validation, colours for overdue, disappeared and finished tasks) and the
hidden ``lists`` sheet the drop-downs read (a literal list is limited to 255 characters).

Writes sheets; the words of the drop-downs come from the vocabulary.
"""

from __future__ import annotations

from datetime import date

from ..config import vocabulary
from ..findings import village_label
from ..ledger import HEADERS, PEOPLE_FIELDS, Ledger, is_blank, status_roles
from .cells import page_setup, put, title
from .layout import (
    LINE_HEIGHT, LISTS_SHEET, VILLAGE_COLUMNS, WRAPPED, choices, col_letter, display_width, township_of, wrapped_lines,
)


def village_sheet(wb, fmt, L: Ledger, village: str, sheet: str) -> None:
    T = L.tasks
    rows = T[T["village"] == village].sort_values("issue_id")
    vocab = vocabulary()
    roles = status_roles()
    ws = wb.add_worksheet(sheet)
    last = len(VILLAGE_COLUMNS) - 1
    title(ws, fmt, f"{township_of(rows)} {village_label(village)} {vocab.label('spreadsheet_ledger')}".strip(), last)
    head_row, first = 1, 2
    for c, (key, *_rest) in enumerate(VILLAGE_COLUMNS):
        ws.write_string(head_row, c, HEADERS[key], fmt["head_people" if key in PEOPLE_FIELDS else "head"])
    widths = [max(lo, min(hi, display_width(HEADERS[k]) / 2 + 1)) for k, _, lo, hi in VILLAGE_COLUMNS]
    texts: list[dict[int, str]] = []
    for i, (_, task) in enumerate(rows.iterrows()):
        r = first + i
        wrapped = {}
        for c, (key, kind, lo, hi) in enumerate(VILLAGE_COLUMNS):
            value = i + 1 if key == "seq" else task[key]
            put(ws, r, c, value, kind, fmt, "text_wrap" if key in WRAPPED else "text")
            if kind == "text" and not is_blank(value):
                widths[c] = max(widths[c], min(hi, display_width(str(value)) + 1))
                if key in WRAPPED:
                    wrapped[c] = str(value)
        texts.append(wrapped)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    # neither Excel nor LibreOffice grows rows for wrapped text on opening a file: set the heights
    for i, wrapped in enumerate(texts):
        lines = max([1] + [wrapped_lines(t, widths[c]) for c, t in wrapped.items()])
        if lines > 1:
            ws.set_row(first + i, LINE_HEIGHT * lines + 2)
    ws.set_row(head_row, 30)
    n = len(rows)
    ws.freeze_panes(first, 2)
    if n:
        end = first + n - 1
        ws.autofilter(head_row, 0, end, last)
        col = {k: c for c, (k, *_r) in enumerate(VILLAGE_COLUMNS)}
        for j, (key, values) in enumerate(choices().items()):
            letter = col_letter(j)
            ws.data_validation(first, col[key], end, col[key], {
                "validate": "list", "source": f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}",
                "error_title": HEADERS[key], "error_message": vocab.label("spreadsheet_pick_from_list", what=HEADERS[key]),
            })
        for key in ("deadline", "done_date"):
            ws.data_validation(first, col[key], end, col[key], {
                "validate": "date", "criteria": "between", "minimum": date(2000, 1, 1), "maximum": date(2100, 12, 31),
                "error_title": HEADERS[key], "error_message": vocab.label("spreadsheet_enter_date"),
            })
        ws.data_validation(first, col["remaining_mu"], end, col["remaining_mu"], {
            "validate": "decimal", "criteria": ">=", "value": 0,
            "error_title": HEADERS["remaining_mu"], "error_message": vocab.label("spreadsheet_enter_mu"),
        })
        # colour: overdue deadline red, disappeared rows tinted, finished rows grey
        dl, st = col_letter(col["deadline"]), col_letter(col["status"])
        r1 = first + 1
        ws.conditional_format(first, col["deadline"], end, col["deadline"], {
            "type": "formula", "format": fmt["overdue"],
            "criteria": f'=AND(ISNUMBER(${dl}{r1}),${dl}{r1}<TODAY(),OR(${st}{r1}="{roles.new}",${st}{r1}="{roles.in_progress}"))',
        })
        ws.conditional_format(first, 0, end, last, {"type": "formula", "format": fmt["gone"],
                                                    "criteria": f'=${st}{r1}="{roles.disappeared}"'})
        ws.conditional_format(first, 0, end, last, {"type": "formula", "format": fmt["finished"],
                                                    "criteria": f'=OR(${st}{r1}="{roles.done}",${st}{r1}="{roles.closed}")'})
    page_setup(ws, head_row)


def lists_sheet(wb) -> None:
    """The hidden sheet of the drop-down lists: a header and the allowed values in each column."""
    ws = wb.add_worksheet(LISTS_SHEET)
    for c, (key, values) in enumerate(choices().items()):
        ws.write_string(0, c, HEADERS[key])
        for r, v in enumerate(values, start=1):
            ws.write_string(r, c, v)
        ws.set_column(c, c, 22)
    ws.hide()
