"""The 汇总 sheet of the ledger workbook: per village, tasks and mu in total and by problem type, tasks by
status and overdue, each village linked to its sheet; a 合计 row; the violations only (not the plan's transfer
blocks), every total the sum of the printed figures it totals; a signature line.

Writes one sheet; computes nothing the ledger does not hold.
"""

from __future__ import annotations

from datetime import date

from .. import units
from ..config import vocabulary
from ..findings import village_label
from ..ledger import HEADERS, Ledger, is_violation, overdue_mask
from .cells import page_setup, put, signature, subtitle, title
from .layout import (
    LINE_HEIGHT, SUMMARY_SHEET, display_width, first_page_last_col, label_width, print_label, township_of, wrapped_lines,
)

#: Width of the 汇总's figure columns (a problem type's 处 and 亩 together hold its bracketed part).
COLUMN = 7.5


def summary_sheet(wb, fmt, L: Ledger, names: list[str], sheets: dict[str, str], today: date) -> None:
    """汇总 of the violations (the plan's transfer blocks are not problems, PLAN_CATEGORIES): every figure
    the sum of the printed figures it totals — a row's 合计 of its problem types', a column's 合计 of its
    villages' — from each task's printed mu."""
    T = L.tasks[is_violation(L.tasks)]
    vocab = vocabulary()
    statuses = vocab.statuses
    total, places, mu = vocab.label("total"), vocab.label("places"), vocab.label("mu")
    count = vocab.label("spreadsheet_count")
    present = set(T["problem_type"])
    ptypes = [p for p in vocab.problem_types if p in present] + sorted(present - set(vocab.problem_types))
    ws = wb.add_worksheet(SUMMARY_SHEET)
    ncols = 1 + 2 + 2 * len(ptypes) + len(statuses) + 1
    last = ncols - 1
    status_widths = [max(COLUMN, label_width(st)) for st in statuses]
    widths = [min(30, max([display_width(village_label(v)) for v in names] + [8]) + 2)]
    widths += [COLUMN] * (last - len(statuses)) + status_widths
    page_end = first_page_last_col(widths)
    title(ws, fmt, f"{township_of(L.tasks)} {vocab.label('spreadsheet_ledger')}{SUMMARY_SHEET}".strip(), page_end)
    title(ws, fmt, subtitle(today), page_end, row=1, style="subtitle", first_col=1)
    h1 = 2
    pbf = pbf_line(L.meta)
    if pbf:
        title(ws, fmt, pbf, page_end, row=2, style="subtitle", first_col=1)
        h1 = 3
    h2 = h1 + 1
    ws.merge_range(h1, 0, h2, 0, "", fmt["head"])
    ws.write_string(h1, 0, HEADERS["village"], fmt["head"])
    c = 1
    group_lines = 1
    for group in [total] + ptypes:
        text = print_label(group, 2 * COLUMN)
        group_lines = max(group_lines, wrapped_lines(text, 2 * COLUMN))
        ws.merge_range(h1, c, h1, c + 1, "", fmt["head"])
        ws.write_string(h1, c, text, fmt["head"])
        ws.write_string(h2, c, places, fmt["head"])
        ws.write_string(h2, c + 1, mu, fmt["head"])
        c += 2
    if len(statuses) > 1:
        ws.merge_range(h1, c, h1, c + len(statuses) - 1, "", fmt["head"])
    ws.write_string(h1, c, count.format(what=HEADERS["status"]), fmt["head"])
    status_lines = 1
    for k, (s, w) in enumerate(zip(statuses, status_widths)):
        text = print_label(s, w)
        status_lines = max(status_lines, wrapped_lines(text, w))
        ws.write_string(h2, c + k, text, fmt["head"])
    c += len(statuses)
    ws.merge_range(h1, c, h2, c, "", fmt["head"])
    ws.write_string(h1, c, count.format(what=vocab.label("overdue")), fmt["head"])
    late = overdue_mask(T, today)
    printed = T["area_mu"].to_numpy(dtype="float64")

    def row_values(mask):
        vals = []
        for p in ptypes:
            pm = mask & (T["problem_type"] == p).to_numpy()
            vals += [int(pm.sum()), units.sum_printed(printed[pm])]
        head = [sum(vals[0::2]), units.sum_printed(vals[1::2])]  # the row's 合计: the sum of its printed cells
        vals = head + vals
        vals += [int((mask & (T["status"] == s).to_numpy()).sum()) for s in statuses]
        vals.append(int((mask & late).sum()))
        return vals

    # totals show zeros; the breakdown leaves them blank so that the numbers stand out
    kinds = ["int", "mu"] + ["int0", "mu0"] * len(ptypes) + ["int0"] * (len(statuses) + 1)
    r = h2 + 1
    table = []
    for v in names:
        mask = (T["village"] == v).to_numpy()
        target = sheets[v].replace("'", "''")
        ws.write_url(r, 0, f"internal:'{target}'!A1", fmt["link"], string=village_label(v))
        vals = row_values(mask)
        table.append(vals)
        for k, (val, kind) in enumerate(zip(vals, kinds)):
            put(ws, r, 1 + k, val, kind, fmt)
        r += 1
    ws.write_string(r, 0, total, fmt["total_text"])
    for k, kind in enumerate(kinds):  # a column's 合计: the sum of its printed cells
        column = [row[k] for row in table]
        val = units.sum_printed(column) if kind.startswith("mu") else sum(column)
        ws.write_number(r, 1 + k, float(val), fmt["total_mu" if kind.startswith("mu") else "total_int"])
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_row(h1, max(32, LINE_HEIGHT * group_lines + 4))
    ws.set_row(h2, max(30, LINE_HEIGHT * status_lines + 4))
    ws.freeze_panes(h2 + 1, 1)
    signature(ws, fmt, r + 2, 1, page_end, township_of(L.tasks))
    page_setup(ws, h2, 0, r + 2, last)
    ws.activate()


def pbf_line(meta: dict) -> str:
    """The line under the 汇总's title with the 永久基本农田 area gross and net of 田坎 (domain.md §9.8),
    from the ledger's meta `pbf_gross_m2` and `pbf_net_m2`; '' when either is absent (an older ledger)."""
    try:
        gross, net = float(meta["pbf_gross_m2"]), float(meta["pbf_net_m2"])
    except (KeyError, TypeError, ValueError):
        return ""
    return vocabulary().label("spreadsheet_pbf_area", gross=f"{units.area_mu(gross):.2f}", net=f"{units.area_mu(net):.2f}")
