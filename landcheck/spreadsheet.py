"""The ledger as an Excel workbook, out and back in.

Out (`export_xlsx`, written with xlsxwriter):

* ``汇总`` — per village: tasks and mu in total and by problem type, tasks by status, overdue; a 合计 row
  (mu rounded once from unrounded sums);
* one sheet per village (legal, unique sheet name; the village's full name in the title row), Chinese
  headers, frozen header, filters, mu with two decimals, A4 landscape fitted to the page width, drop-down
  lists for 核查结论, 整改措施 and 整改状态 from the packaged vocabulary (kept on the hidden sheet
  ``lists`` because a literal list is limited to 255 characters), date and number validation;
* ``_landcheck`` (very hidden) — the ledger's id and the people-filled values as exported, so that an
  import applies only what officers changed in this copy (two copies edited by two people do not undo
  each other) and an export refuses to overwrite a workbook with edits not yet imported.

``template="county"`` writes the county's 土地执法遥感监测非农违法图斑清单 (14 columns and a 合计 row).

Every text goes in with ``write_string``: a value such as ``=HYPERLINK("http://x","y")`` stays text.

Back in (`import_xlsx`, read with openpyxl): the people-filled columns of every village sheet, rows matched
by 问题编号 (not by sheet), columns found by their header (officers may move or add columns). Everything is
validated first; one bad value raises `ImportValidationError` naming sheet, row and column of every bad
value, and nothing is applied.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from . import units
from .config import vocabulary
from .errors import LandcheckError
from .export import atomic_path
from .findings import village_label
from .ledger import (
    DATE_FIELDS, FORMAT_VERSION, HEADERS, PEOPLE_FIELDS, Ledger, apply_people_edits, ledger_transaction, load_ledger,
    overdue_mask, parse_iso_date, status_roles,
)

SUMMARY_SHEET = "汇总"
LISTS_SHEET = "lists"
RECORD_SHEET = "_landcheck"
COUNTY_SHEET = "非农违法图斑清单"
MARKER = "landcheck 整改台账 export"
RESERVED_SHEETS = (SUMMARY_SHEET, LISTS_SHEET, RECORD_SHEET, COUNTY_SHEET, "History")

#: Columns of a village sheet: (ledger key, kind, minimum width, maximum width). People-filled ones last.
VILLAGE_COLUMNS = (
    ("seq", "int", 4, 5), ("issue_id", "text", 12, 15), ("patch_id", "text", 8, 19), ("farmland_id", "text", 8, 18),
    ("problem_type", "text", 10, 12), ("description", "text", 16, 22), ("area_mu", "mu", 7, 8),
    ("lon", "coord", 10, 10), ("lat", "coord", 9, 9),
    ("verdict", "text", 7, 8), ("measure", "text", 10, 12), ("resp_unit", "text", 9, 12), ("resp_person", "text", 7, 10),
    ("deadline", "date", 10, 10), ("status", "text", 8, 10), ("remaining_mu", "mu", 8, 8), ("done_date", "date", 10, 10),
    ("remarks", "text", 12, 16),
)
#: Columns whose text wraps (rows grow) instead of widening the sheet beyond an A4 landscape page.
WRAPPED = ("problem_type", "description", "measure", "resp_unit", "status", "remarks")
#: People-filled columns an import reads (any of PEOPLE_FIELDS present as a column is read).
SHEET_PEOPLE = tuple(k for k, *_ in VILLAGE_COLUMNS if k in PEOPLE_FIELDS)

COUNTY_HEADERS = (
    "序号", "县名称", "监测批次", "线索编号", "项目名称", "项目主体", "非农违法土地用途", "非农违法面积（亩）",
    "非农违法耕地面积（亩）", "非农违法基本农田面积（亩）", "是否整改", "整改方式", "重大典型问题", "备注",
)
COUNTY_WIDTHS = (5, 10, 10, 14, 16, 14, 12, 10, 10, 12, 8, 10, 10, 36)

_ILLEGAL_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_PARENS = str.maketrans({"(": "（", ")": "）"})


# ------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------
def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _truncate(s: str, limit: int) -> str:
    while _utf16_len(s) > limit:
        s = s[:-1]
    return s


def legal_sheet_names(names, reserved=RESERVED_SHEETS) -> dict[str, str]:
    """A legal, unique Excel sheet name for each name: no ``[]:*?/\\``, no leading/trailing apostrophe,
    at most 31 characters (UTF-16 units, as Excel counts), unique ignoring case and not one of `reserved`."""
    taken = {r.casefold() for r in reserved}
    out: dict[str, str] = {}
    for name in dict.fromkeys(names):
        base = _ILLEGAL_SHEET_CHARS.sub("_", re.sub(r"[\x00-\x1f]", " ", str(name))).strip().strip("'").strip()
        base = _truncate(base or "未填行政村", 31).rstrip().rstrip("'")
        candidate, n = base, 1
        while candidate.casefold() in taken:
            n += 1
            suffix = f"({n})"
            candidate = _truncate(base, 31 - len(suffix)).rstrip().rstrip("'") + suffix
        taken.add(candidate.casefold())
        out[name] = candidate
    return out


def _display_width(text: str) -> float:
    """Rough width in Excel character units (7 px, Calibri 11's digit) of text in 宋体 10 pt: a CJK or
    full-width character is 13.3 px (1.9 units), a half-width one 6.7 px (0.95)."""
    w = 0.0
    for ch in text:
        w += 1.9 if ord(ch) > 0x2E7F else 0.95
    return w


LINE_HEIGHT = 13.5  # points, one line of 宋体 10 pt


def _lines(text: str, width: float) -> int:
    """Lines that `text` wraps to in a column `width` units wide (greedy by character)."""
    usable = max(width - 0.3, 1.0)
    lines, cur = 1, 0.0
    for ch in text:
        if ch == "\n":
            lines, cur = lines + 1, 0.0
            continue
        w = _display_width(ch)
        if cur + w > usable:
            lines, cur = lines + 1, w
        else:
            cur += w
    return lines


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def _office_lock_files(path: Path) -> list[Path]:
    """Owner files of LibreOffice (``.~lock.NAME#``) or Excel/WPS (``~$NAME``) beside `path`."""
    cands = [path.with_name(f".~lock.{path.name}#"), path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])]
    return [c for c in cands if c.exists()]


def canonical(key: str, value) -> str:
    """A people-filled value as comparable text ('' for blank): ISO dates, 2-decimal mu, trimmed text."""
    if _is_blank(value):
        return ""
    if key in DATE_FIELDS:
        d = value if isinstance(value, date) else parse_iso_date(str(value))
        if isinstance(d, datetime):
            d = d.date()
        return d.isoformat() if d else str(value).strip()
    if key == "remaining_mu":
        try:
            return f"{units.round_half_up(float(value), 2):.2f}"
        except (TypeError, ValueError):
            return str(value).strip()
    return str(value).strip()


# ------------------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------------------
class UnimportedEditsError(LandcheckError):
    """The target workbook holds officers' edits not yet imported (or is not landcheck's)."""


def export_xlsx(ledger_path: str | Path, out_path: str | Path, template: str = "default", *, county: str = "",
                today: date | None = None, force: bool = False) -> Path:
    """Write the ledger as an XLSX workbook, atomically. `template`: ``default`` (汇总 + one sheet per
    village) or ``county`` (非农违法图斑清单). Refuses (UnimportedEditsError) to replace a workbook that
    has edits not yet imported, or that landcheck did not write, unless `force`."""
    if template not in ("default", "county"):
        raise LandcheckError(f"unknown template '{template}': use default or county.")
    ledger_path, out_path = Path(ledger_path), Path(out_path)
    today = today or date.today()
    L = load_ledger(ledger_path)
    locks = _office_lock_files(out_path)
    if locks:
        raise LandcheckError(f"{out_path}: is open in a spreadsheet program ({locks[0].name} exists). Close it first.")
    if out_path.exists() and not force:
        reason = _unsafe_to_overwrite(L, out_path)
        if reason:
            raise UnimportedEditsError(
                f"{out_path}: {reason}. Import it first (landcheck ledger import {ledger_path} {out_path}), "
                f"export to another file, or use --force to overwrite it."
            )
    try:
        _write_workbook(L, out_path, template, county, today)
    except PermissionError as exc:
        raise LandcheckError(f"{out_path}: cannot be replaced ({exc}). Is it open in Excel or WPS? Close it and retry.") from None
    return out_path


def _write_workbook(L: Ledger, out_path: Path, template: str, county: str, today: date) -> None:
    import xlsxwriter

    with atomic_path(out_path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        try:
            fmt = _formats(wb)
            if template == "county":
                _county_sheet(wb, fmt, L, county, today)
                _record_sheet(wb, L, today, "county", [])
            else:
                names = _village_names(L.tasks)
                sheets = legal_sheet_names(names)
                _summary_sheet(wb, fmt, L, names, sheets, today)
                for v in names:
                    _village_sheet(wb, fmt, L, v, sheets[v], today)
                _lists_sheet(wb)
                _record_sheet(wb, L, today, "default", names)
        finally:
            wb.close()


def _village_names(tasks: pd.DataFrame) -> list[str]:
    return sorted(set(tasks["village"]), key=lambda v: (v == "", v))


def _formats(wb) -> dict:
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    cell = {**base, "border": 1}
    f = {
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
        "total_int": wb.add_format({**cell, "bold": True, "num_format": "0", "align": "center", "bg_color": "#F2F2F2"}),
        "total_mu": wb.add_format({**cell, "bold": True, "num_format": "0.00", "bg_color": "#F2F2F2"}),
        "link": wb.add_format({**cell, "font_color": "#1F4E79", "underline": 1}),
        "overdue": wb.add_format({"font_color": "#C00000", "bold": True}),
        "gone": wb.add_format({"bg_color": "#FCE4D6"}),
        "finished": wb.add_format({"font_color": "#808080"}),
    }
    return f


def _put(ws, r: int, c: int, value, kind: str, fmt: dict, text_fmt: str = "text") -> None:
    """Write one cell by kind; text always as a string (never a formula)."""
    if kind in ("mu", "coord", "int", "int0", "mu0"):
        if _is_blank(value):
            ws.write_blank(r, c, None, fmt[kind])
        else:
            ws.write_number(r, c, float(value), fmt[kind])
    elif kind == "date":
        d = parse_iso_date(value) if isinstance(value, str) else value
        if d:
            ws.write_datetime(r, c, datetime(d.year, d.month, d.day), fmt["date"])
        elif _is_blank(value):
            ws.write_blank(r, c, None, fmt["date"])
        else:
            ws.write_string(r, c, str(value), fmt[text_fmt])
    else:
        if _is_blank(value):
            ws.write_blank(r, c, None, fmt[text_fmt])
        else:
            ws.write_string(r, c, str(value), fmt[text_fmt])


def _title(ws, fmt, text: str, last_col: int, row: int = 0, style: str = "title") -> None:
    ws.merge_range(row, 0, row, last_col, "", fmt[style])
    ws.write_string(row, 0, text, fmt[style])


def _page_setup(ws, repeat_to: int) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.6)
    ws.repeat_rows(0, repeat_to)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _township(tasks: pd.DataFrame) -> str:
    names = [t for t in tasks["township"] if t]
    return Counter(names).most_common(1)[0][0] if names else ""


def _summary_sheet(wb, fmt, L: Ledger, names: list[str], sheets: dict[str, str], today: date) -> None:
    T = L.tasks
    vocab = vocabulary()
    statuses = vocab.statuses
    present = set(T["problem_type"])
    ptypes = [p for p in vocab.problem_types if p in present] + sorted(present - set(vocab.problem_types))
    ws = wb.add_worksheet(SUMMARY_SHEET)
    ncols = 1 + 2 + 2 * len(ptypes) + len(statuses) + 1
    last = ncols - 1
    town = _township(T)
    _title(ws, fmt, f"{town} 整改台账汇总".strip(), last)
    _title(ws, fmt, f"导出日期：{today.isoformat()}    面积单位：亩", last, row=1, style="subtitle")
    h1, h2 = 2, 3
    ws.merge_range(h1, 0, h2, 0, "", fmt["head"])
    ws.write_string(h1, 0, HEADERS["village"], fmt["head"])
    groups = [("合计", ["处", "亩"])] + [(p, ["处", "亩"]) for p in ptypes]
    c = 1
    for g, subs in groups:
        ws.merge_range(h1, c, h1, c + 1, "", fmt["head"])
        ws.write_string(h1, c, g, fmt["head"])
        for k, s in enumerate(subs):
            ws.write_string(h2, c + k, s, fmt["head"])
        c += 2
    if len(statuses) > 1:
        ws.merge_range(h1, c, h1, c + len(statuses) - 1, "", fmt["head"])
    ws.write_string(h1, c, f"{HEADERS['status']}（处）", fmt["head"])
    for k, s in enumerate(statuses):
        ws.write_string(h2, c + k, s, fmt["head"])
    c += len(statuses)
    ws.merge_range(h1, c, h2, c, "", fmt["head"])
    ws.write_string(h1, c, "逾期（处）", fmt["head"])
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
        label = village_label(v)
        target = sheets[v].replace("'", "''")
        ws.write_url(r, 0, f"internal:'{target}'!A1", fmt["link"], string=label)
        for k, (val, kind) in enumerate(zip(row_values(mask), kinds)):
            _put(ws, r, 1 + k, val, kind, fmt)
        r += 1
    ws.write_string(r, 0, "合计", fmt["total_text"])
    for k, (val, kind) in enumerate(zip(row_values(np.ones(len(T), dtype=bool)), kinds)):
        ws.write_number(r, 1 + k, float(val), fmt["total_mu" if kind.startswith("mu") else "total_int"])
    width = max([_display_width(village_label(v)) for v in names] + [8]) + 2
    ws.set_column(0, 0, min(width, 30))
    ws.set_column(1, last, 7)
    for k, st in enumerate(statuses):
        ws.set_column(last - len(statuses) + k, last - len(statuses) + k, max(7, min(10, _display_width(st) / 2 + 1)))
    ws.set_row(h1, 32)
    ws.set_row(h2, 30)
    ws.freeze_panes(h2 + 1, 1)
    _page_setup(ws, h2)
    ws.activate()


def _village_sheet(wb, fmt, L: Ledger, village: str, sheet: str, today: date) -> None:
    T = L.tasks
    rows = T[T["village"] == village].sort_values("issue_id")
    vocab = vocabulary()
    roles = status_roles()
    ws = wb.add_worksheet(sheet)
    last = len(VILLAGE_COLUMNS) - 1
    town = _township(rows)
    title = f"{town} {village_label(village)} 整改台账".strip()
    _title(ws, fmt, title, last)
    head_row, first = 1, 2
    for c, (key, *_rest) in enumerate(VILLAGE_COLUMNS):
        ws.write_string(head_row, c, HEADERS[key], fmt["head_people" if key in PEOPLE_FIELDS else "head"])
    widths = [max(lo, min(hi, _display_width(HEADERS[k]) / 2 + 1)) for k, _, lo, hi in VILLAGE_COLUMNS]
    texts: list[dict[int, str]] = []
    for i, (_, task) in enumerate(rows.iterrows()):
        r = first + i
        wrapped = {}
        for c, (key, kind, lo, hi) in enumerate(VILLAGE_COLUMNS):
            value = i + 1 if key == "seq" else task[key]
            _put(ws, r, c, value, kind, fmt, "text_wrap" if key in WRAPPED else "text")
            if kind == "text" and not _is_blank(value):
                widths[c] = max(widths[c], min(hi, _display_width(str(value)) + 1))
                if key in WRAPPED:
                    wrapped[c] = str(value)
        texts.append(wrapped)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    # neither Excel nor LibreOffice grows rows for wrapped text on opening a file: set the heights
    for i, wrapped in enumerate(texts):
        lines = max([1] + [_lines(t, widths[c]) for c, t in wrapped.items()])
        if lines > 1:
            ws.set_row(first + i, LINE_HEIGHT * lines + 2)
    ws.set_row(head_row, 30)
    n = len(rows)
    ws.freeze_panes(first, 2)
    if n:
        end = first + n - 1
        ws.autofilter(head_row, 0, end, last)
        col = {k: c for c, (k, *_r) in enumerate(VILLAGE_COLUMNS)}
        for key, letter, count in (("verdict", "A", len(vocab.verdicts)), ("measure", "B", len(vocab.all_measures)),
                                   ("status", "C", len(vocab.statuses))):
            ws.data_validation(first, col[key], end, col[key], {
                "validate": "list", "source": f"={LISTS_SHEET}!${letter}$2:${letter}${count + 1}",
                "error_title": HEADERS[key], "error_message": f"请从下拉列表中选择{HEADERS[key]}。",
            })
        for key in ("deadline", "done_date"):
            ws.data_validation(first, col[key], end, col[key], {
                "validate": "date", "criteria": "between", "minimum": date(2000, 1, 1), "maximum": date(2100, 12, 31),
                "error_title": HEADERS[key], "error_message": "请输入日期，例如 2026-09-30。",
            })
        ws.data_validation(first, col["remaining_mu"], end, col["remaining_mu"], {
            "validate": "decimal", "criteria": ">=", "value": 0,
            "error_title": HEADERS["remaining_mu"], "error_message": "请输入不小于 0 的面积（亩）。",
        })
        # colour: overdue deadline red, disappeared rows tinted, finished rows grey
        dl, st = _col_letter(col["deadline"]), _col_letter(col["status"])
        r1 = first + 1
        ws.conditional_format(first, col["deadline"], end, col["deadline"], {
            "type": "formula", "format": fmt["overdue"],
            "criteria": f'=AND(ISNUMBER(${dl}{r1}),${dl}{r1}<TODAY(),OR(${st}{r1}="{roles.new}",${st}{r1}="{roles.in_progress}"))',
        })
        ws.conditional_format(first, 0, end, last, {"type": "formula", "format": fmt["gone"],
                                                    "criteria": f'=${st}{r1}="{roles.disappeared}"'})
        ws.conditional_format(first, 0, end, last, {"type": "formula", "format": fmt["finished"],
                                                    "criteria": f'=OR(${st}{r1}="{roles.done}",${st}{r1}="{roles.closed}")'})
    _page_setup(ws, head_row)


def _col_letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def _lists_sheet(wb) -> None:
    vocab = vocabulary()
    ws = wb.add_worksheet(LISTS_SHEET)
    for c, (key, values) in enumerate((("verdict", vocab.verdicts), ("measure", vocab.all_measures), ("status", vocab.statuses))):
        ws.write_string(0, c, HEADERS[key])
        for r, v in enumerate(values, start=1):
            ws.write_string(r, c, v)
        ws.set_column(c, c, 22)
    ws.hide()


def _record_sheet(wb, L: Ledger, today: date, template: str, names: list[str]) -> None:
    """The export record: ledger id and the people-filled values as written (for a three-way import)."""
    ws = wb.add_worksheet(RECORD_SHEET)
    head = [MARKER, FORMAT_VERSION, L.meta.get("ledger_id", ""), datetime.now().isoformat(timespec="seconds"), template]
    for c, v in enumerate(head):
        ws.write_string(0, c, v)
    if template == "default":
        for c, k in enumerate(("issue_id",) + SHEET_PEOPLE):
            ws.write_string(1, c, k)
        T = L.tasks.sort_values("issue_id")
        for r, (_, task) in enumerate(T.iterrows(), start=2):
            ws.write_string(r, 0, task["issue_id"])
            for c, k in enumerate(SHEET_PEOPLE, start=1):
                v = canonical(k, task[k])
                if v:
                    ws.write_string(r, c, v)
    ws.very_hidden()


def county_rows(tasks: pd.DataFrame) -> pd.DataFrame:
    """Tasks for the 非农违法图斑清单: non-farm use (category non_farm, or a 非农化 / 新增建设占用 problem
    type) not verified as lawful or otherwise (核查结论 blank or 违法)."""
    vocab = vocabulary()
    illegal = vocab.verdicts[1]
    nonfarm = (tasks["category"] == "non_farm") | tasks["problem_type"].str.startswith("非农化") | tasks["problem_type"].str.startswith("新增建设占用")
    keep = nonfarm & tasks["verdict"].isin(["", illegal])
    return tasks[keep].sort_values(["village", "issue_id"])


def _county_measure(task) -> str:
    roles = status_roles()
    if task["status"] not in roles.finished:
        return roles.new
    m = task["measure"]
    if "拆除" in m or "复耕" in m or "还耕" in m or "恢复" in m:
        return "拆除复耕" if "补办" not in m else "拆补组合"
    if "补办" in m:
        return "补办手续"
    return m


def _county_sheet(wb, fmt, L: Ledger, county: str, today: date) -> None:
    T = county_rows(L.tasks)
    roles = status_roles()
    ws = wb.add_worksheet(COUNTY_SHEET)
    last = len(COUNTY_HEADERS) - 1
    _title(ws, fmt, "土地执法遥感监测非农违法图斑清单", last)
    town = _township(L.tasks)
    _title(ws, fmt, f"填报单位：{' '.join(x for x in (county, town) if x)}    导出日期：{today.isoformat()}    面积单位：亩", last, row=1, style="subtitle")
    head = 2
    for c, h in enumerate(COUNTY_HEADERS):
        ws.write_string(head, c, h, fmt["head"])
    kinds = ["int", "text", "text", "text", "text", "text", "text", "mu", "mu", "mu", "text", "text", "text", "text"]
    styles = {4: "text_wrap", 5: "text_wrap", 6: "text_wrap", 10: "center", 11: "center", 12: "center", 13: "text_wrap"}
    for i, (_, t) in enumerate(T.iterrows()):
        notes = []
        if not t["verdict"]:
            notes.append("未核查")
        if t["status"] == roles.disappeared:
            notes.append(t["status"])
        notes.append(f"{t['village']} 图斑 {t['patch_id']}".strip())
        if t["remarks"]:
            notes.append(t["remarks"])
        values = [
            i + 1, county, t["batch"], t["issue_id"], t["project_name"], t["subject"], t["current_use"] or t["dlmc"],
            t["area_mu"], t["cultivated_mu"], t["pbf_mu"], "是" if t["status"] in roles.finished else "否",
            _county_measure(t), t["major_case"] or "否", "；".join(notes),
        ]
        for c, (v, k) in enumerate(zip(values, kinds)):
            _put(ws, head + 1 + i, c, v, k, fmt, styles.get(c, "text"))
        lines = max(_lines(str(values[c]), COUNTY_WIDTHS[c]) for c in (4, 5, 6, 13))
        if lines > 1:
            ws.set_row(head + 1 + i, LINE_HEIGHT * lines + 2)
    r = head + 1 + len(T)
    ws.write_string(r, 0, "合计", fmt["total_text"])
    for c in range(1, last + 1):
        ws.write_blank(r, c, None, fmt["total_text"])
    ws.write_number(r, 7, units.total_mu(T["area_m2"].to_numpy()), fmt["total_mu"])
    ws.write_number(r, 8, units.total_mu(T["cultivated_m2"].to_numpy()), fmt["total_mu"])
    ws.write_number(r, 9, units.total_mu(T["pbf_m2"].to_numpy()), fmt["total_mu"])
    for c, w in enumerate(COUNTY_WIDTHS):
        ws.set_column(c, c, w)
    ws.set_row(head, 30)
    ws.freeze_panes(head + 1, 0)
    _page_setup(ws, head)


# ------------------------------------------------------------------------------------------
# Import
# ------------------------------------------------------------------------------------------
@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    header: str
    value: object
    message: str

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}', row {self.row}" + (f", column {self.column} ({self.header})" if self.column else "")
        return f"{where}: {self.message}"


class ImportValidationError(LandcheckError):
    """Bad values in a workbook: `problems` names each; nothing was applied."""

    def __init__(self, xlsx: Path, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        n = len(problems)
        super().__init__(f"{xlsx}: {n} bad value{'s' if n != 1 else ''}, nothing was imported:\n{lines}")


@dataclass
class ImportResult:
    """What an import changed. `changes`: dicts issue_id, field, old, new, sheet, row."""

    xlsx: Path
    changes: list[dict] = field(default_factory=list)
    n_rows: int = 0
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"xlsx": str(self.xlsx), "n_rows": self.n_rows, "n_changes": len(self.changes), "changes": self.changes,
                "sheets": self.sheets, "skipped_sheets": self.skipped_sheets, "conflicts": self.conflicts, "warnings": self.warnings}


@dataclass
class _Record:
    ledger_id: str
    template: str
    values: dict[str, dict[str, str]]


@dataclass
class _Parsed:
    cells: dict[str, dict[str, tuple[str, str, int, str]]]  # issue_id -> key -> (canonical, sheet, row, column)
    problems: list[Problem]
    warnings: list[str]
    n_rows: int
    sheets: list[str]
    skipped: list[str]


def _open_workbook(xlsx: Path):
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not xlsx.exists():
        raise LandcheckError(f"{xlsx}: file not found.")
    try:
        return load_workbook(xlsx, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LandcheckError(f"{xlsx}: cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc}).") from None


def _read_record(wb) -> _Record | None:
    if RECORD_SHEET not in wb.sheetnames:
        return None
    rows = list(wb[RECORD_SHEET].iter_rows(values_only=True))
    if not rows or not rows[0] or rows[0][0] != MARKER:
        return None
    head = list(rows[0]) + [None] * 5
    template = str(head[4] or "default")
    values: dict[str, dict[str, str]] = {}
    if template == "default" and len(rows) > 1:
        keys = [str(k) if k is not None else "" for k in rows[1]]
        for r in rows[2:]:
            if not r or r[0] is None:
                continue
            values[str(r[0])] = {k: "" if v is None else str(v) for k, v in zip(keys[1:], r[1:]) if k}
    return _Record(ledger_id=str(head[2] or ""), template=template, values=values)


def _header_key(text) -> str | None:
    if text is None:
        return None
    t = re.sub(r"\s+", "", str(text)).translate(_PARENS)
    for key in ("issue_id",) + PEOPLE_FIELDS:
        if re.sub(r"\s+", "", HEADERS[key]).translate(_PARENS) == t:
            return key
    return None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def _parse_date(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if float(v).is_integer() and 19000101 <= v <= 21001231:
            return _parse_date(str(int(v)))
        if 36526 <= v <= 73051:  # an Excel serial day number, 2000-01-01 … 2100-01-01
            return _EXCEL_EPOCH + timedelta(days=int(v))
        return None
    s = str(v).strip()
    for pat in _DATE_PATTERNS:
        m = pat.match(s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _cell_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    return str(v).strip()


def _validate(key: str, v) -> tuple[str | None, str | None]:
    """(canonical value, None) or (None, message)."""
    vocab = vocabulary()
    if key in ("verdict", "measure", "status"):
        allowed = {"verdict": vocab.verdicts, "measure": vocab.all_measures, "status": vocab.statuses}[key]
        if _is_blank(v):
            return (None, f"{HEADERS[key]} is empty; choose one of {', '.join(allowed)}") if key == "status" else ("", None)
        s = re.sub(r"\s+", "", _cell_text(v)).translate(_PARENS)
        if s in allowed:
            return s, None
        shown = ", ".join(allowed) if len(allowed) <= 8 else ", ".join(allowed[:8]) + ", … (the drop-down list)"
        return None, f"'{_cell_text(v)}' is not an allowed {HEADERS[key]} ({shown})"
    if _is_blank(v):
        return "", None
    if key in DATE_FIELDS:
        d = _parse_date(v)
        return (d.isoformat(), None) if d else (None, f"'{_cell_text(v)}' is not a date (write it like 2026-09-30)")
    if key == "remaining_mu":
        try:
            x = float(str(v).strip().removesuffix("亩")) if not isinstance(v, (int, float)) else float(v)
        except ValueError:
            return None, f"'{_cell_text(v)}' is not a number of mu"
        if not np.isfinite(x) or x < 0:
            return None, f"'{_cell_text(v)}' must be a number of mu not below 0"
        return f"{units.round_half_up(x, 2):.2f}", None
    if key == "major_case":
        s = _cell_text(v)
        return (s, None) if s in ("是", "否") else (None, f"'{s}' must be 是 or 否")
    return _cell_text(v), None


def _parse_workbook(wb, L: Ledger) -> _Parsed:
    from openpyxl.utils import get_column_letter

    known = set(L.tasks["issue_id"])
    cells: dict[str, dict[str, tuple[str, str, int, str]]] = {}
    first_seen: dict[str, tuple[str, int]] = {}
    problems: list[Problem] = []
    warnings: list[str] = []
    n_rows = 0
    sheets, skipped = [], []
    area = dict(zip(L.tasks["issue_id"], L.tasks["area_mu"]))
    roles = status_roles()
    for name in wb.sheetnames:
        if name in (SUMMARY_SHEET, LISTS_SHEET, RECORD_SHEET):
            continue
        ws = wb[name]
        rows = ws.iter_rows(values_only=True)
        header_row, colmap = None, {}
        buffered = []
        for r_no, row in enumerate(rows, start=1):
            buffered.append((r_no, row))
            keys = {c: _header_key(v) for c, v in enumerate(row or ())}
            if "issue_id" in keys.values():
                header_row = r_no
                colmap = {c: k for c, k in keys.items() if k}
                break
            if r_no >= 10:
                break
        if header_row is None:
            skipped.append(name)
            continue
        sheets.append(name)
        dup = [k for k, n in Counter(colmap.values()).items() if n > 1]
        for k in dup:
            problems.append(Problem(name, header_row, "", HEADERS[k], None, f"the column {HEADERS[k]} appears twice"))
        id_col = next(c for c, k in colmap.items() if k == "issue_id")
        for r_no, row in enumerate(rows, start=header_row + 1):
            row = tuple(row or ())
            get = lambda c: row[c] if c < len(row) else None  # noqa: E731
            raw_id = get(id_col)
            people = {c: get(c) for c, k in colmap.items() if k != "issue_id"}
            if _is_blank(raw_id) and all(_is_blank(v) for v in people.values()):
                continue
            if isinstance(row[0] if row else None, str) and row[0].strip() == "合计":
                continue
            n_rows += 1
            letter = get_column_letter(id_col + 1)
            if _is_blank(raw_id):
                problems.append(Problem(name, r_no, letter, HEADERS["issue_id"], None,
                                        "this row has values but no 问题编号 (new rows cannot be imported; tasks come from runs)"))
                continue
            iid = _cell_text(raw_id)
            if iid not in known:
                problems.append(Problem(name, r_no, letter, HEADERS["issue_id"], iid, f"unknown 问题编号 '{iid}' (not in the ledger)"))
                continue
            row_vals: dict[str, tuple[str, str, int, str]] = {}
            for c, v in people.items():
                key = colmap[c]
                canon, msg = _validate(key, v)
                col_letter = get_column_letter(c + 1)
                if msg:
                    problems.append(Problem(name, r_no, col_letter, HEADERS[key], v, msg))
                else:
                    row_vals[key] = (canon, name, r_no, col_letter)
            if iid in first_seen:
                prev_sheet, prev_row = first_seen[iid]
                for key, (canon, *_w) in row_vals.items():
                    if key in cells[iid] and cells[iid][key][0] != canon:
                        problems.append(Problem(name, r_no, letter, HEADERS["issue_id"], iid,
                                                f"问题编号 {iid} also on sheet '{prev_sheet}' row {prev_row} with a different {HEADERS[key]}"))
                        break
                continue
            first_seen[iid] = (name, r_no)
            cells[iid] = row_vals
            st = row_vals.get("status", ("",))[0]
            rem = row_vals.get("remaining_mu", ("",))[0]
            if st in roles.finished and rem and float(rem) > 0:
                warnings.append(f"sheet '{name}' row {r_no}: {iid} is {st} but 剩余未整改面积 is {rem} 亩")
            if rem and float(rem) > float(area.get(iid, np.inf)) + 0.005:
                warnings.append(f"sheet '{name}' row {r_no}: {iid} 剩余未整改面积 {rem} 亩 is more than its area {area[iid]:.2f} 亩")
    return _Parsed(cells, problems, warnings, n_rows, sheets, skipped)


def _edits(L: Ledger, parsed: _Parsed, record: _Record | None) -> tuple[list[tuple], list[dict], list[dict]]:
    """Three-way: a cell is applied when it differs from what was exported (officers changed it) and from
    the ledger now. Without an export record every difference from the ledger is applied."""
    T = L.tasks.set_index("issue_id", drop=False)
    edits, where, conflicts = [], [], []
    for iid, vals in parsed.cells.items():
        base_row = record.values.get(iid) if record else None
        for key, (new, sheet, row, col) in vals.items():
            cur = canonical(key, T.at[iid, key])
            base = base_row.get(key) if base_row is not None and key in base_row else None
            if base is not None and new == base:
                continue
            if new == cur:
                continue
            if base is not None and cur != base:
                conflicts.append({"issue_id": iid, "field": key, "exported": base, "ledger": cur, "workbook": new,
                                  "sheet": sheet, "row": row})
            value = (float(new) if new else None) if key == "remaining_mu" else new
            edits.append((iid, key, value))
            where.append({"sheet": sheet, "row": row, "column": col})
    return edits, where, conflicts


def import_xlsx(ledger_path: str | Path, xlsx_path: str | Path) -> ImportResult:
    """Read the people-filled columns of every village sheet and apply them to the ledger with history.
    Validates everything first: any bad value (unknown status, bad date, unknown 问题编号, …) raises
    ImportValidationError listing every one of them by sheet, row and column, and nothing is applied.
    Rows missing from the workbook leave their tasks unchanged."""
    ledger_path, xlsx = Path(ledger_path), Path(xlsx_path)
    wb = _open_workbook(xlsx)
    try:
        record = _read_record(wb)
        if record and record.template == "county":
            raise LandcheckError(f"{xlsx}: this is the county 非农违法图斑清单 layout, which has no 整改台账 columns to import. "
                                 f"Import the workbook written by `landcheck ledger export` (default template).")
        result = ImportResult(xlsx=xlsx)
        if _office_lock_files(xlsx):
            result.warnings.append(f"{xlsx.name} is open in a spreadsheet program: unsaved changes there are not imported.")
        if record is None:
            result.warnings.append("no landcheck export record in this workbook: every value that differs from the ledger is applied.")
        with ledger_transaction(ledger_path, purpose=f"import {xlsx.name}") as L:
            if record and record.ledger_id and record.ledger_id != L.meta.get("ledger_id"):
                raise LandcheckError(f"{xlsx}: was exported from another ledger (id {record.ledger_id}), not from {ledger_path} "
                                     f"(id {L.meta.get('ledger_id')}). Its 问题编号 may mean other tasks here; nothing was imported.")
            parsed = _parse_workbook(wb, L)
            if parsed.problems:
                raise ImportValidationError(xlsx, parsed.problems)
            edits, where, conflicts = _edits(L, parsed, record)
            changes = apply_people_edits(L, edits, origin=f"import {xlsx.name}")
            loc = {(e[0], e[1]): w for e, w in zip(edits, where)}
            result.changes = [{**c, **loc[(c["issue_id"], c["field"])]} for c in changes]
            result.n_rows, result.sheets, result.skipped_sheets = parsed.n_rows, parsed.sheets, parsed.skipped
            result.conflicts = conflicts
            result.warnings += parsed.warnings
            if not changes:
                L.touched = False
    finally:
        wb.close()
    return result


def pending_edits(ledger_path: str | Path, xlsx_path: str | Path) -> int:
    """How many cells of an exported workbook differ from both the export and the ledger (edits not yet
    imported), bad values included."""
    L = load_ledger(ledger_path)
    wb = _open_workbook(Path(xlsx_path))
    try:
        record = _read_record(wb)
        parsed = _parse_workbook(wb, L)
        edits, _, _ = _edits(L, parsed, record)
        return len(edits) + len(parsed.problems)
    finally:
        wb.close()


def _unsafe_to_overwrite(L: Ledger, xlsx: Path) -> str | None:
    """Why `xlsx` must not be replaced by an export (None when it may)."""
    try:
        wb = _open_workbook(xlsx)
    except LandcheckError:
        return "exists and is not a workbook landcheck wrote"
    try:
        record = _read_record(wb)
        if record is None:
            return "exists and was not written by landcheck"
        if record.template == "county":
            return None
        if record.ledger_id and record.ledger_id != L.meta.get("ledger_id"):
            return "was exported from another ledger"
        parsed = _parse_workbook(wb, L)
        edits, _, _ = _edits(L, parsed, record)
        n = len(edits) + len(parsed.problems)
        return f"has {n} edited cell{'s' if n != 1 else ''} not imported yet" if n else None
    finally:
        wb.close()


__all__ = ["export_xlsx", "import_xlsx", "pending_edits", "legal_sheet_names", "county_rows", "ImportResult",
           "ImportValidationError", "UnimportedEditsError", "Problem"]
