"""findings.xlsx: a check's findings for officers, beside findings.csv (the machine format).

Chinese headers (`findings.HEADERS_ZH`, the ledger's HEADERS) and Chinese words for coded values
(category, severity, origin, check, 种植属性, from the vocabulary); codes and ids (DLBM 0201, an
18-digit BSM, patch ids) written as text so that a spreadsheet keeps them exact; numbers as numbers
(mu and m² with 2 decimals, lon/lat with 6). Every text goes in with ``write_string`` (a value such
as ``=cmd`` stays text); an empty text is no cell, its column's text format draws it (a county's
findings leave a seventh of the cells empty). A4 landscape at 10 pt, never shrunk to fit: a wide
sheet prints over pages, the header row repeated on each. Written atomically; reads nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import vocabulary
from ..export import atomic_path
from ..ledger import HEADERS
from ..text import clean_frame

#: Sheet name of findings.xlsx.
SHEET = "问题清单"

#: Headers of findings columns that the ledger names differently or not at all.
_OWN_HEADERS = {"origin": HEADERS["new_or_stock"], "origin_evidence": HEADERS["origin_evidence"]}

#: Number formats of the numeric columns, by the column's name ending.
_NUMBER_FORMATS = (("_m2", "0.00"), ("_mu", "0.00"), ("lon", "0.000000"), ("lat", "0.000000"))


def header(column: str) -> str:
    """The Chinese header of a findings column (the English key when there is none)."""
    return _OWN_HEADERS.get(column) or HEADERS.get(column) or column


def value_labels(column: str, values: pd.Series) -> pd.Series:
    """The values of a coded column as officers read them (other columns unchanged, as text)."""
    vocab = vocabulary()
    text = values.fillna("").astype(str)
    if column == "category":
        return text.map(lambda v: vocab.category_label(v) if v else "")
    if column == "severity":
        return text.map(lambda v: vocab.labels.get(f"cli_severity_{v}", v))
    if column == "origin":
        return text.map(lambda v: vocab.origins.get(v, v))
    if column == "check":
        return text.map(lambda v: vocab.labels.get(f"ledger_source_{v}", v))
    if column == "zzsx":
        return text.map(lambda v: f"{vocab.planting_attributes[v]}（{v}）" if v in vocab.planting_attributes else v)
    return text


def _width(header_text: str, texts: list[str]) -> float:
    def w(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
    longest = max([w(header_text)] + [w(s) for s in texts[:500]])
    return float(min(max(longest + 2, 6), 50))


def write_findings_book(findings: pd.DataFrame, target: str | Path) -> Path:
    """Write `findings` (without geometry; areas as findings.csv has them) as findings.xlsx, atomically."""
    import xlsxwriter

    frame, _ = clean_frame(findings.drop(columns=[c for c in findings.columns if c == "geometry"]))
    target = Path(target)
    with atomic_path(target) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
        head = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#F2F2F2"})
        text = wb.add_format({**base, "num_format": "@"})
        numbers = {fmt: wb.add_format({**base, "num_format": fmt}) for _, fmt in _NUMBER_FORMATS}
        ws = wb.add_worksheet(SHEET)
        for c, column in enumerate(frame.columns):
            h = header(str(column))
            ws.write_string(0, c, h, head)
            values = frame[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                fmt = next((numbers[f] for end, f in _NUMBER_FORMATS if str(column).endswith(end)), numbers["0.00"])
                arr = values.to_numpy(dtype="float64")  # Python floats and their finiteness, not numpy scalars one by one
                for r, (v, finite) in enumerate(zip(arr.tolist(), np.isfinite(arr).tolist()), start=1):
                    if finite:
                        ws.write_number(r, c, v, fmt)
                    else:
                        ws.write_blank(r, c, None, fmt)
                ws.set_column(c, c, max(_width(h, []), 12))
            else:
                labels = value_labels(str(column), values).tolist()
                for r, v in enumerate(labels, start=1):
                    if v:  # an empty text is no cell: the column's format gives it its border
                        ws.write_string(r, c, v, text)
                ws.set_column(c, c, _width(h, labels), text)
        ws.freeze_panes(1, 0)
        if len(frame.columns):
            ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.repeat_rows(0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        wb.close()
    return target
