"""The 汇总 sheet of the ledger workbook: per village, tasks and mu in total and by problem type, tasks by
status and overdue, each village linked to its sheet; a 合计 row with mu rounded once from unrounded sums.

Writes one sheet; computes nothing the ledger does not hold.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from .. import units
from ..config import vocabulary
from ..findings import village_label
from ..ledger import HEADERS, Ledger, overdue_mask
from .cells import page_setup, put, subtitle, title
from .layout import SUMMARY_SHEET, display_width, township_of


def summary_sheet(wb, fmt, L: Ledger, names: list[str], sheets: dict[str, str], today: date) -> None:
    T = L.tasks
    vocab = vocabulary()
    statuses = vocab.statuses
    total, places, mu = vocab.label("total"), vocab.label("places"), vocab.label("mu")
    count = vocab.label("spreadsheet_count")
    present = set(T["problem_type"])
    ptypes = [p for p in vocab.problem_types if p in present] + sorted(present - set(vocab.problem_types))
    ws = wb.add_worksheet(SUMMARY_SHEET)
    ncols = 1 + 2 + 2 * len(ptypes) + len(statuses) + 1
    last = ncols - 1
    title(ws, fmt, f"{township_of(T)} {vocab.label('spreadsheet_ledger')}{SUMMARY_SHEET}".strip(), last)
    title(ws, fmt, subtitle(today), last, row=1, style="subtitle")
    h1, h2 = 2, 3
    ws.merge_range(h1, 0, h2, 0, "", fmt["head"])
    ws.write_string(h1, 0, HEADERS["village"], fmt["head"])
    c = 1
    for group in [total] + ptypes:
        ws.merge_range(h1, c, h1, c + 1, "", fmt["head"])
        ws.write_string(h1, c, group, fmt["head"])
        ws.write_string(h2, c, places, fmt["head"])
        ws.write_string(h2, c + 1, mu, fmt["head"])
        c += 2
    if len(statuses) > 1:
        ws.merge_range(h1, c, h1, c + len(statuses) - 1, "", fmt["head"])
    ws.write_string(h1, c, count.format(what=HEADERS["status"]), fmt["head"])
    for k, s in enumerate(statuses):
        ws.write_string(h2, c + k, s, fmt["head"])
    c += len(statuses)
    ws.merge_range(h1, c, h2, c, "", fmt["head"])
    ws.write_string(h1, c, count.format(what=vocab.label("overdue")), fmt["head"])
    late = overdue_mask(T, today)
    m2 = T["area_m2"].to_numpy()

    def row_values(mask):
        vals = [int(mask.sum()), units.total_mu(m2[mask])]
        for p in ptypes:
            pm = mask & (T["problem_type"] == p).to_numpy()
            vals += [int(pm.sum()), units.total_mu(m2[pm])]
        vals += [int((mask & (T["status"] == s).to_numpy()).sum()) for s in statuses]
        vals.append(int((mask & late).sum()))
        return vals

    # totals show zeros; the breakdown leaves them blank so that the numbers stand out
    kinds = ["int", "mu"] + ["int0", "mu0"] * len(ptypes) + ["int0"] * (len(statuses) + 1)
    r = h2 + 1
    for v in names:
        mask = (T["village"] == v).to_numpy()
        target = sheets[v].replace("'", "''")
        ws.write_url(r, 0, f"internal:'{target}'!A1", fmt["link"], string=village_label(v))
        for k, (val, kind) in enumerate(zip(row_values(mask), kinds)):
            put(ws, r, 1 + k, val, kind, fmt)
        r += 1
    ws.write_string(r, 0, total, fmt["total_text"])
    for k, (val, kind) in enumerate(zip(row_values(np.ones(len(T), dtype=bool)), kinds)):
        ws.write_number(r, 1 + k, float(val), fmt["total_mu" if kind.startswith("mu") else "total_int"])
    width = max([display_width(village_label(v)) for v in names] + [8]) + 2
    ws.set_column(0, 0, min(width, 30))
    ws.set_column(1, last, 7)
    for k, st in enumerate(statuses):
        ws.set_column(last - len(statuses) + k, last - len(statuses) + k, max(7, min(10, display_width(st) / 2 + 1)))
    ws.set_row(h1, 32)
    ws.set_row(h2, 30)
    ws.freeze_panes(h2 + 1, 1)
    page_setup(ws, h2)
    ws.activate()
