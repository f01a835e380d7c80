"""The 流转地块台账 sheet of the ledger workbook: the transfer check's blocks as the ledger's registry holds
them (this run's blocks only): block, 流入方, villages with the area in each (a block over villages
shared by its parcels' areas, as in the transfer summary), parcels, mu, 达到/不足 the minimum, a 合计
row summing the printed figures and the progress against the transfer target.

Writes one sheet; computes nothing the registry does not hold.
"""

from __future__ import annotations

import json
from datetime import date


from .. import units
from ..checks.transfer.parcels import natural_key
from ..config import vocabulary
from ..ledger import HEADERS, Ledger
from .cells import page_setup, put, signature, subtitle, title
from .layout import TRANSFER_SHEET, first_page_last_col, township_of


def current_blocks(L: Ledger):
    """The registry's blocks of the last transfer run, in block-number order (None when there are none)."""
    b = L.blocks
    if b is None or not len(b):
        return None
    b = b.loc[b["current"].astype(bool).to_numpy()] if "current" in b.columns else b
    if not len(b):
        return None
    return b.iloc[sorted(range(len(b)), key=lambda i: natural_key(str(b["block_id"].iat[i])))]


def villages_text(villages_json: str) -> str:
    """'白坊村 224.35、熊家铺村 3.21' from the registry's {village: mu}."""
    try:
        d = json.loads(villages_json or "{}")
    except ValueError:
        return str(villages_json)
    return "、".join(f"{v} {float(mu):.2f}" for v, mu in d.items())


def transfer_sheet(wb, fmt, L: Ledger, today: date) -> None:
    b = current_blocks(L)
    if b is None:
        return
    w = vocabulary()
    lab = w.label
    min_mu = float(b["min_mu"].iat[0]) if "min_mu" in b.columns else 100.0
    target = float(b["target_mu"].iat[0]) if "target_mu" in b.columns else 5000.0
    heads = [HEADERS["seq"], lab("spreadsheet_transfer_block"), lab("spreadsheet_transfer_subject"),
             lab("spreadsheet_transfer_villages"), lab("spreadsheet_transfer_parcels"), lab("spreadsheet_transfer_n_parcels"),
             lab("spreadsheet_transfer_mu"), lab("spreadsheet_transfer_reached", min_mu=f"{min_mu:g}")]
    kinds = ["int", "text", "text", "text", "text", "int", "mu", "text"]
    widths = [5, 12, 24, 26, 40, 7, 10, 10]
    last = len(heads) - 1
    ws = wb.add_worksheet(TRANSFER_SHEET)
    title(ws, fmt, f"{township_of(L.tasks)} {TRANSFER_SHEET}".strip(), last)
    title(ws, fmt, subtitle(today), last, row=1, style="subtitle")
    for c, h in enumerate(heads):
        ws.write_string(2, c, h, fmt["head"])
    mu = [float(x) for x in b["area_mu"]]
    below = b["below_min"].astype(bool).to_numpy()
    r = 3
    for k, row in enumerate(b.itertuples()):
        values = [k + 1, row.block_id, row.subject, villages_text(row.villages), str(row.parcel_ids).replace(",", "、"),
                  int(row.n_parcels), mu[k], lab("spreadsheet_transfer_no" if below[k] else "spreadsheet_transfer_yes")]
        for c, (v, kind) in enumerate(zip(values, kinds)):
            put(ws, r, c, v, kind, fmt, text_fmt="text_wrap" if c in (3, 4) else "text")
        r += 1
    done = units.sum_printed(mu)
    ws.merge_range(r, 0, r, 4, "", fmt["total_text"])
    ws.write_string(r, 0, lab("total"), fmt["total_text"])
    ws.write_number(r, 5, float(int(b["n_parcels"].astype("int64").sum())), fmt["total_int"])
    ws.write_number(r, 6, done, fmt["total_mu"])
    ws.write_string(r, 7, lab("spreadsheet_transfer_count", yes=int((~below).sum()), no=int(below.sum())), fmt["total_text"])
    left = units.sum_printed([max(target - done, 0.0)])
    pct = units.round_half_up(done / target * 100.0, 2) if target > 0 else 0.0
    title(ws, fmt, lab("spreadsheet_transfer_progress", target=f"{target:g}", done=f"{done:.2f}", pct=f"{pct:.2f}",
                       left=f"{left:.2f}"), last, row=r + 1, style="subtitle")
    for c, wdt in enumerate(widths):
        ws.set_column(c, c, wdt)
    ws.freeze_panes(3, 0)
    signature(ws, fmt, r + 3, 1, first_page_last_col(widths), township_of(L.tasks))
    page_setup(ws, 2, 1, r + 3, last)


