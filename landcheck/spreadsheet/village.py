"""A village's sheet of the ledger workbook (its tasks, Chinese headers, people-filled columns tinted,
drop-down lists, date and number validation, colours for overdue, disappeared and finished tasks) and the
hidden ``lists`` sheet the drop-downs read (a literal list is limited to 255 characters).

Writes sheets; the words of the drop-downs come from the vocabulary.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from .. import units
from ..config import vocabulary
from ..findings import village_label
from ..ledger import (
    HEADERS, PEOPLE_FIELDS, PLAN_CATEGORIES, Ledger, cross_village_line, cross_village_tasks, is_blank, is_violation, status_roles,
    touching,
)
from .cells import page_setup, put, signature, title
from .layout import (
    LINE_HEIGHT, LISTS_SHEET, VILLAGE_COLUMNS, WRAPPED, choices, col_letter, first_page_last_col, print_label, township_of, village_widths,
    wrapped_lines,
)


def village_sheet(wb, fmt, L: Ledger, village: str, sheet: str, cross: list[dict] | None = None) -> None:
    """A village's sheet: its tasks, 合计 rows, the cross-village blocks covering it, the signature line.
    `cross`: the ledger's cross-village blocks (`ledger.cross_village_tasks`), worked out once per workbook."""
    T = L.tasks
    rows = T[T["village"] == village]
    plan = ~is_violation(rows)
    rows = rows.assign(_plan=plan).sort_values(["_plan", "issue_id"]).drop(columns="_plan")
    plan = ~is_violation(rows)  # the plan's transfer blocks after the violations, totalled apart
    vocab = vocabulary()
    roles = status_roles()
    ws = wb.add_worksheet(sheet)
    last = len(VILLAGE_COLUMNS) - 1
    widths = village_widths(rows)
    page_end = first_page_last_col(widths)
    title(ws, fmt, f"{township_of(rows)} {village_label(village)} {vocab.label('spreadsheet_ledger')}".strip(), page_end)
    head_row, first = 1, 2
    for c, (key, *_rest) in enumerate(VILLAGE_COLUMNS):
        ws.write_string(head_row, c, HEADERS[key], fmt["head_people" if key in PEOPLE_FIELDS else "head"])
    for i, (_, task) in enumerate(rows.iterrows()):
        r = first + i
        wrapped = {}
        for c, (key, kind, lo, hi) in enumerate(VILLAGE_COLUMNS):
            value = i + 1 if key == "seq" else task[key]
            if key == "problem_type" and isinstance(value, str):
                value = print_label(value, widths[c])
            put(ws, r, c, value, kind, fmt, "text_wrap" if key in WRAPPED else "text")
            if kind == "text" and not is_blank(value) and key in WRAPPED:
                wrapped[c] = str(value)
        # neither Excel nor LibreOffice grows rows for wrapped text on opening a file: set the heights
        lines = max([1] + [wrapped_lines(t, widths[c]) for c, t in wrapped.items()])
        if lines > 1:
            ws.set_row(r, LINE_HEIGHT * lines + 2)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_row(head_row, 30)
    col = {k: c for c, (k, *_r) in enumerate(VILLAGE_COLUMNS)}
    n = len(rows)
    r = first + n
    key_width = sum(widths[: col["issue_id"] + 1])
    total_row(ws, fmt, r, vocab.label("total"), rows[~plan]["area_mu"].to_numpy(), col)
    if plan.any():
        category = vocab.category_label(PLAN_CATEGORIES[0])
        r += 1
        text = print_label(vocab.label("spreadsheet_plan_total", category=category), key_width)
        total_row(ws, fmt, r, text, rows[plan]["area_mu"].to_numpy(), col)
        ws.set_row(r, LINE_HEIGHT * wrapped_lines(text, key_width) + 2)
    note_width = sum(widths[: page_end + 1])
    cross = cross_village_tasks(T, L.blocks) if cross is None else cross
    for c in touching(cross, village):  # its land here, wherever the task is listed
        r += 1
        text = cross_village_line(c)
        ws.merge_range(r, 0, r, page_end, "", fmt["text_wrap"])  # on the first page, not cut at its edge
        ws.write_string(r, 0, text, fmt["text_wrap"])
        ws.set_row(r, LINE_HEIGHT * wrapped_lines(text, note_width) + 2)
    signature(ws, fmt, r + 2, col["issue_id"] + 1, page_end, township_of(rows))
    page_setup(ws, head_row, col["issue_id"], r + 2, last)
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


def total_row(ws, fmt, r: int, text: str, area_mu, col: dict[str, int]) -> None:
    """A total under a village's tasks: `text` over 序号 and 问题编号 (an import skips the row), the count
    of tasks and the sum of their printed mu (`area_mu`, the rows' figures as printed)."""
    c_count = col["issue_id"] + 1
    ws.merge_range(r, 0, r, col["issue_id"], "", fmt["total_wrap"])
    ws.write_string(r, 0, text, fmt["total_wrap"])
    for c in range(c_count, max(col.values()) + 1):
        ws.write_blank(r, c, None, fmt["total_text"])
    ws.write_number(r, c_count, len(area_mu), fmt["total_count"])
    ws.write_number(r, col["area_mu"], units.sum_printed(area_mu[np.isfinite(area_mu.astype(float))]), fmt["total_mu"])


def lists_sheet(wb) -> None:
    """The hidden sheet of the drop-down lists: a header and the allowed values in each column."""
    ws = wb.add_worksheet(LISTS_SHEET)
    for c, (key, values) in enumerate(choices().items()):
        ws.write_string(0, c, HEADERS[key])
        for r, v in enumerate(values, start=1):
            ws.write_string(r, c, v)
        ws.set_column(c, c, 22)
    ws.hide()
