"""The county's template (``--template county``): 土地执法遥感监测非农违法图斑清单, the county's 14 columns
(then 乡镇名称, 监测编号, 问题编号, 原地类, 现状地类, 种植属性), a 合计 row (the sums of the printed cells) and a
signature line, listing the non-farm tasks not verified as lawful; `county_selection` says which tasks it
leaves out and why.

Writes one sheet from the ledger's tasks.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .. import landuse, units
from ..config import vocabulary
from ..ledger import Ledger, status_roles
from .cells import page_setup, put, signature, subtitle, title
from .layout import COUNTY_COLUMNS, COUNTY_SHEET, LINE_HEIGHT, first_page_last_col, print_label, township_of, wrapped_lines


def _nonfarm(tasks: pd.DataFrame) -> pd.Series:
    prefixes = tuple(vocabulary().label("spreadsheet_county_problem_prefixes").split())
    return (tasks["category"] == "non_farm") | tasks["problem_type"].str.startswith(prefixes)


def county_rows(tasks: pd.DataFrame) -> pd.DataFrame:
    """Tasks for the 非农违法图斑清单: non-farm use (category non_farm, or a 非农化 / 新增建设占用 problem
    type) not verified as lawful or otherwise (核查结论 blank or 违法)."""
    illegal = vocabulary().verdicts[1]
    keep = _nonfarm(tasks) & tasks["verdict"].isin(["", illegal])
    return tasks[keep].sort_values(["village", "issue_id"])


def county_selection(tasks: pd.DataFrame) -> tuple[int, dict[str, int]]:
    """(tasks listed, {reason: tasks left out}): 非农化以外 first, then 核查结论为 each verdict other
    than 违法 (every verdict of the vocabulary, 0 included, then any other word found), in the
    vocabulary's words."""
    vocab = vocabulary()
    label = vocab.label
    nonfarm = _nonfarm(tasks)
    listed = len(county_rows(tasks))
    left = {label("spreadsheet_county_left_nonfarm", n=int((~nonfarm).sum())): int((~nonfarm).sum())}
    verdicts = tasks.loc[nonfarm, "verdict"]
    others = [v for v in vocab.verdicts if v != vocab.verdicts[1]]
    others += sorted(set(verdicts) - set(vocab.verdicts) - {""})
    for v in others:
        n = int((verdicts == v).sum())
        left[label("spreadsheet_county_left_verdict", verdict=v, n=n)] = n
    return listed, left


def _with_name(code: str) -> str:
    """A land-use code with its name (水田(0101)); a text that already names itself as it is."""
    name = landuse.name_of(code) if code else None
    return f"{name}({code})" if name else code


def _planting(code: str) -> str:
    """种植属性: the planting attribute's name with its code (粮食作物(LS)), else as stored."""
    name = vocabulary().planting_attributes.get(code.strip().upper()) if code else None
    return f"{name}({code})" if name else code


def _current_use(task) -> str:
    """现状地类: the officers' 现状地类, else the survey's class of a farmland or survey finding (a change
    patch's DLBM is the class before the change: not its present use)."""
    if task["current_use"] or task["check"] == "change_patch":
        return task["current_use"]
    return f"{task['dlmc']}({task['dlbm']})" if task["dlmc"] and task["dlbm"] else task["dlmc"] or task["dlbm"]


def county_measure(task) -> str:
    """整改方式 as the county counts it: 未整改 until finished, then 拆除复耕, 补办手续 or 拆补组合 by the
    words of the measure taken (else the measure itself)."""
    roles = status_roles()
    if task["status"] not in roles.finished:
        return roles.new
    label = vocabulary().label
    m = task["measure"]
    permit = label("spreadsheet_county_permit_word")
    if any(w in m for w in label("spreadsheet_county_restore_words").split()):
        return label("spreadsheet_county_restore") if permit not in m else label("spreadsheet_county_restore_and_permit")
    if permit in m:
        return label("spreadsheet_county_permit")
    return m


def county_sheet(wb, fmt, L: Ledger, county: str, today: date) -> None:
    T = county_rows(L.tasks)
    roles = status_roles()
    label = vocabulary().label
    yes, no = label("spreadsheet_yes"), label("spreadsheet_no")
    ws = wb.add_worksheet(COUNTY_SHEET)
    last = len(COUNTY_COLUMNS) - 1
    page_end = first_page_last_col([w for *_hks, w in COUNTY_COLUMNS])
    title(ws, fmt, label("spreadsheet_county_title"), page_end)
    township = township_of(L.tasks)
    unit = " ".join(x for x in (county, township) if x)
    title(ws, fmt, subtitle(today, label("spreadsheet_reporting_unit", unit=unit)), page_end, row=1, style="subtitle",
          first_col=1)
    head = 2
    head_lines = 2
    for c, (header, *_kinds, width) in enumerate(COUNTY_COLUMNS):  # a header breaks before its "（", not inside
        text = print_label(header, width)
        head_lines = max(head_lines, wrapped_lines(text, width))
        ws.write_string(head, c, text, fmt["head"])
    wrapping = [c for c, (_h, _k, style, _w) in enumerate(COUNTY_COLUMNS) if style == "text_wrap"]
    for i, (_, t) in enumerate(T.iterrows()):
        notes = []
        if not t["verdict"]:
            notes.append(label("spreadsheet_county_not_verified"))
        if t["status"] == roles.disappeared:
            notes.append(t["status"])
        notes.append(f"{t['village']} {label('patch')} {t['patch_id']}".strip())
        if t["remarks"]:
            notes.append(t["remarks"])
        values = [
            i + 1, county, t["batch"], t["clue_id"], t["project_name"], t["subject"], t["current_use"] or t["dlmc"],
            t["area_mu"], t["cultivated_mu"], t["pbf_mu"], yes if t["status"] in roles.finished else no,
            county_measure(t), t["major_case"] or no, "；".join(notes),
            t["township"] or township, t["monitor_id"], t["issue_id"], _with_name(t["orig_dlbm"]), _current_use(t),
            _planting(t["zzsx"]),
        ]
        for c, (v, (_h, kind, style, _w)) in enumerate(zip(values, COUNTY_COLUMNS)):
            put(ws, head + 1 + i, c, v, kind, fmt, style)
        lines = max(wrapped_lines(str(values[c]), COUNTY_COLUMNS[c][3]) for c in wrapping)
        if lines > 1:
            ws.set_row(head + 1 + i, LINE_HEIGHT * lines + 2)
    r = head + 1 + len(T)
    ws.write_string(r, 0, label("total"), fmt["total_text"])
    for c in range(1, last + 1):
        ws.write_blank(r, c, None, fmt["total_text"])
    for c, key in ((7, "area_mu"), (8, "cultivated_mu"), (9, "pbf_mu")):  # the sums of the printed cells
        printed = pd.to_numeric(T[key], errors="coerce").to_numpy(dtype="float64")
        ws.write_number(r, c, units.sum_printed(printed[np.isfinite(printed)]), fmt["total_mu"])
    for c, (*_hks, width) in enumerate(COUNTY_COLUMNS):
        ws.set_column(c, c, width)
    ws.set_row(head, LINE_HEIGHT * head_lines + 4)
    ws.freeze_panes(head + 1, 0)
    signature(ws, fmt, r + 2, 1, page_end, unit)
    page_setup(ws, head, 0, r + 2, last)
