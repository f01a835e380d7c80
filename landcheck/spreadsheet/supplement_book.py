"""补划地块清单.xlsx (issue 17): 汇总 (per village: need, proposed, shortfall, parcels, met, township used;
the total row the sum of the printed rows; the quality comparison) and 拟补划地块 (per village the
proposed parcels with area, slope grade, quality, adjacency, cumulative area, whether the need is met).
Every text with ``write_string``; written atomically; reads nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import units
from ..config import vocabulary
from ..export import atomic_path
from ..text import clean_text
from .cells import formats, put, title


def _yes(v: bool) -> str:
    return vocabulary().label("supplement_yes" if v else "supplement_no")


def _grade(v) -> str:
    return "" if v is None or not np.isfinite(float(v)) else f"{float(v):g}"


def _summary_sheet(wb, fmt, books: pd.DataFrame, summary: dict, township: str) -> None:
    L = vocabulary().label
    ws = wb.add_worksheet(L("supplement_sheet_summary"))
    heads = ["supplement_village", "supplement_need", "supplement_proposed", "supplement_shortfall",
             "supplement_n_parcels", "supplement_met", "supplement_township_used", "supplement_note"]
    title(ws, fmt, f"{township} {L('supplement_title')}".strip(), len(heads) - 1)
    for c, h in enumerate(heads):
        ws.write_string(1, c, L(h), fmt["head"])
    r = 2
    for b in books.itertuples(index=False):
        v = summary["by_village"][b.village]
        note = L("supplement_no_slope") if not np.isfinite(b.grade) else ""
        cells = [(clean_text(b.village) or L("supplement_township"), "text"), (b.need_mu, "mu"), (b.proposed_mu, "mu"),
                 (b.shortfall_mu, "mu"), (v["n_parcels"], "int"), (_yes(b.met), "center"),
                 (_yes(b.township_used), "center"), (note, "text")]
        for c, (value, kind) in enumerate(cells):
            put(ws, r, c, value, kind, fmt)
        r += 1
    put(ws, r, 0, vocabulary().label("total"), "text", fmt, "total_text")
    for c, key in ((1, "need_mu"), (2, "proposed_mu"), (3, "shortfall_mu")):
        ws.write_number(r, c, summary[key], fmt["total_mu"])
    ws.write_number(r, 4, summary["n_proposed"], fmt["total_int"])
    ws.write_string(r, 5, _yes(summary["all_met"]), fmt["total_text"])
    r += 2
    ws.write_string(r, 0, L("supplement_quality"), fmt["head"])
    ws.write_string(r, 1, L("supplement_grade"), fmt["head"])
    ws.write_string(r, 2, L("supplement_gddb"), fmt["head"])
    for side in ("leaving", "entering"):
        r += 1
        q = summary["quality"][side]
        ws.write_string(r, 0, L(f"supplement_{side}"), fmt["text"])
        put(ws, r, 1, q["gdpdjb"], "mu", fmt)
        put(ws, r, 2, q["gddb"], "mu", fmt)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 6, 13)
    ws.set_column(7, 7, 30)
    ws.set_landscape()
    ws.set_paper(9)


def _parcels_sheet(wb, fmt, cands: pd.DataFrame, proposal: pd.DataFrame, books: pd.DataFrame) -> None:
    L = vocabulary().label
    ws = wb.add_worksheet(L("supplement_sheet_parcels"))
    heads = ["supplement_for_village", "supplement_rank", "supplement_patch", "supplement_patch_village", "supplement_dlbm",
             "supplement_area", "supplement_grade", "supplement_gddb", "supplement_adjacent", "supplement_tier",
             "supplement_distance", "supplement_cumulative", "supplement_need", "supplement_met"]
    for c, h in enumerate(heads):
        ws.write_string(0, c, L(h), fmt["head"])
    need = dict(zip(books["village"], books["need_mu"]))
    r = 1
    for p in proposal.itertuples(index=False):
        k = int(p.candidate)
        mu = units.area_mu(float(cands["area_m2"].iat[k]))
        cells = [(clean_text(p.for_village) or L("supplement_township"), "text"), (p.rank, "int"),
                 (clean_text(cands["patch_id"].iat[k]), "text"), (clean_text(cands["village"].iat[k]), "text"),
                 (cands["dlbm"].iat[k], "text"), (mu, "mu"), (_grade(cands["gdpdjb"].iat[k]), "center"),
                 (_grade(cands["gddb"].iat[k]), "center"), (_yes(bool(cands["adjacent"].iat[k])), "center"),
                 (L(f"supplement_tier_{p.tier}"), "text"), (round(float(p.distance_m)), "int"), (p.cumulative_mu, "mu"),
                 (need[p.for_village], "mu"), (_yes(p.cumulative_mu >= need[p.for_village]), "center")]
        for c, (value, kind) in enumerate(cells):
            put(ws, r, c, value, kind, fmt)
        r += 1
    ws.set_column(0, len(heads) - 1, 12)
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    ws.set_landscape()
    ws.set_paper(9)


def write_supplement_book(cands: pd.DataFrame, proposal: pd.DataFrame, books: pd.DataFrame, summary: dict,
                          target: str | Path, township: str = "") -> Path:
    """Write 补划地块清单.xlsx atomically; returns its path."""
    import xlsxwriter

    target = Path(target)
    with atomic_path(target) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        fmt = formats(wb)
        _summary_sheet(wb, fmt, books, summary, township)
        _parcels_sheet(wb, fmt, cands, proposal, books)
        wb.close()
    return target
