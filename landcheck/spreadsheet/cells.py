"""Writing cells with xlsxwriter: the workbook's formats, one cell by kind (text always as a string,
never a formula), merged titles, the printed page.

Knows nothing of the ledger's columns or sheets.
"""

from __future__ import annotations

from datetime import date, datetime

from ..config import vocabulary
from ..ledger import is_blank, parse_iso_date

#: Kinds written as numbers (blank when missing).
NUMBER_KINDS = ("mu", "coord", "int", "int0", "mu0")


def formats(wb) -> dict:
    """The named cell formats of a workbook (宋体 10 pt, bordered cells, header colours …)."""
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    cell = {**base, "border": 1}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
        "subtitle": wb.add_format({**base, "align": "left"}),
        "head": wb.add_format({**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}),
        "head_people": wb.add_format({**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#FFF2CC"}),
        "text": wb.add_format(cell),
        "text_wrap": wb.add_format({**cell, "text_wrap": True}),
        "int": wb.add_format({**cell, "align": "center", "num_format": "0"}),
        "int0": wb.add_format({**cell, "align": "center", "num_format": "0;-0;;@"}),
        "mu0": wb.add_format({**cell, "num_format": "0.00;-0.00;;@"}),
        "center": wb.add_format({**cell, "align": "center"}),
        "mu": wb.add_format({**cell, "num_format": "0.00"}),
        "coord": wb.add_format({**cell, "num_format": "0.000000"}),
        "date": wb.add_format({**cell, "num_format": "yyyy-mm-dd", "align": "center"}),
        "total_text": wb.add_format({**cell, "bold": True, "align": "center", "bg_color": "#F2F2F2"}),
        "total_wrap": wb.add_format({**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#F2F2F2"}),
        "total_int": wb.add_format({**cell, "bold": True, "num_format": "0", "align": "center", "bg_color": "#F2F2F2"}),
        "total_mu": wb.add_format({**cell, "bold": True, "num_format": "0.00", "bg_color": "#F2F2F2"}),
        "link": wb.add_format({**cell, "font_color": "#1F4E79", "underline": 1}),
        "overdue": wb.add_format({"font_color": "#C00000", "bold": True}),
        "gone": wb.add_format({"bg_color": "#FCE4D6"}),
        "finished": wb.add_format({"font_color": "#808080"}),
        "total_count": wb.add_format({**cell, "bold": True, "num_format": '0"' + vocabulary().label("places") + '"',
                                      "align": "center", "bg_color": "#F2F2F2"}),
        "sign": wb.add_format({**base, "align": "left"}),
    }


def put(ws, r: int, c: int, value, kind: str, fmt: dict, text_fmt: str = "text") -> None:
    """Write one cell by kind (a number kind, ``date`` or text in the format `text_fmt`); text always as
    a string (never a formula), a date that is not one as text, blanks as formatted blank cells."""
    style = kind if kind in NUMBER_KINDS else text_fmt
    if kind == "date":
        d = parse_iso_date(value) if isinstance(value, str) else value
        if d:
            ws.write_datetime(r, c, datetime(d.year, d.month, d.day), fmt["date"])
            return
        if is_blank(value):
            style = "date"
    if is_blank(value):
        ws.write_blank(r, c, None, fmt[style])
    elif kind in NUMBER_KINDS:
        ws.write_number(r, c, float(value), fmt[style])
    else:
        ws.write_string(r, c, str(value), fmt[style])


def title(ws, fmt, text: str, last_col: int, row: int = 0, style: str = "title", first_col: int = 0) -> None:
    """A title merged across columns `first_col` to `last_col` (those of the first printed page: a merged
    cell that runs over a page break is cut, and its part in the repeated columns shows on every page)."""
    if style == "title":
        ws.set_row(row, 24)  # room for 14 pt
    if last_col > first_col:
        ws.merge_range(row, first_col, row, last_col, "", fmt[style])
    ws.write_string(row, first_col, text, fmt[style])


def subtitle(today: date, *before: str) -> str:
    """The text under a title: `before` (填报单位 …), 导出日期 and 面积单位：亩, four spaces apart."""
    words = vocabulary()
    return "    ".join([*before, words.label("spreadsheet_export_date", date=today.isoformat()),
                        words.label("spreadsheet_area_unit")])


def page_setup(ws, repeat_to: int, key_to: int, last_row: int, last_col: int) -> None:
    """A4 landscape at 100 % (never shrunk to the page width: text stays at its size, ≥ 9 pt); a wide sheet
    splits over pages, across then down, with rows up to `repeat_to` and columns up to `key_to` repeated on
    each page; print area to `last_row`, `last_col`; page numbers in the footer."""
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.set_print_scale(100)
    ws.print_across()  # across, then down: a row's continuation follows it
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.repeat_rows(0, repeat_to)
    ws.repeat_columns(0, key_to)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_footer("&C&10" + vocabulary().label("spreadsheet_footer"))


def signature(ws, fmt, row: int, first_col: int, last_col: int, unit: str) -> None:
    """The signature line under a printed table: 填报单位 (`unit`), 填报人, 审核人, 日期, merged over columns
    `first_col` (after the repeated key columns) to `last_col` (an import skips it: no 问题编号, no people's cell)."""
    label = vocabulary().label
    blank = "\u3000" * 6
    words = [label("spreadsheet_reporting_unit", unit=unit or blank), label("spreadsheet_filled_by") + blank,
             label("spreadsheet_reviewed_by") + blank, label("spreadsheet_sign_date") + blank]
    ws.set_row(row, 24)
    title(ws, fmt, "    ".join(words), last_col, row, "sign", first_col)
