"""The legend of an inspection map and the figures pages print: problems (violations only, by category,
each total the sum of the printed figures under it), the transfer plan in its own section (blocks, mu,
how many under the minimum), ledger statuses and the context layers. HTML text only; draws nothing."""

from __future__ import annotations

import html

import numpy as np

from .. import units
from ..config import vocabulary
from ..ledger import is_violation
from .style import CATEGORY_COLOUR, FARMLAND_COLOUR, LANDUSE_GROUP_STYLE, UNKNOWN_COLOUR
from .view import BLOCK_STYLE, ContextLayer, FindingsView


def category_label_colour(cat: str) -> tuple[str, str]:
    return vocabulary().category_label(cat), CATEGORY_COLOUR.get(cat, UNKNOWN_COLOUR)


def violations(view: FindingsView) -> np.ndarray:
    """Which rows are violations (`ledger.is_violation`: transfer blocks under the minimum are the plan's)."""
    return is_violation(view.table[["category"]]) if len(view) else np.zeros(0, dtype=bool)


def printed_mu(view: FindingsView, mask) -> float:
    """The sum of the rows' printed mu (each row's figure as the page prints it)."""
    mu = view.table["area_mu"].to_numpy(dtype="float64")[np.asarray(mask, dtype=bool)]
    return units.sum_printed(mu[np.isfinite(mu)])


def category_figures(view: FindingsView, mask=None) -> list[tuple[str, int, float]]:
    """(category, places, printed mu) of the rows in `mask` (default: all), in the vocabulary's order."""
    t = view.table
    mask = np.ones(len(t), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    known = list(vocabulary().categories)
    cats = known + sorted(set(t["category"][mask]) - set(known))
    out = []
    for cat in cats:
        sel = mask & (t["category"] == cat).to_numpy()
        if sel.any():
            out.append((cat, int(sel.sum()), printed_mu(view, sel)))
    return out


def problem_totals(view: FindingsView) -> tuple[int, float]:
    """(places, mu) of the violations: sums of the per-category figures as printed."""
    figs = category_figures(view, violations(view))
    return sum(n for _, n, _ in figs), units.sum_printed([mu for _, _, mu in figs])


def problems_line(view: FindingsView) -> str:
    n, mu = problem_totals(view)
    return vocabulary().label("map_problems", n=n, mu=f"{mu:.2f}") if n else vocabulary().label("map_no_problems")


def label_html(label: str) -> str:
    """A label's HTML that a narrow legend breaks only before a bracket: "其他非耕地（需核实）" wraps as
    "其他非耕地" / "（需核实）", never inside either part (the workbook's rule, spreadsheet.layout.print_label)."""
    parts = [p for p in label.replace("（", "\0（").split("\0") if p]
    return "".join(f'<span class="nb">{html.escape(p)}</span>' for p in parts) or html.escape(label)


def _swatch_row(colour: str, label: str, n: str, mu: float, border: str = "solid", alpha: str = "73") -> str:
    return (f'<tr><td><span class="sw" style="background:{colour}{alpha};border-color:{colour};border-style:{border}"></span></td>'
            f'<td>{label_html(label)}</td><td class="n">{n}</td><td class="n">{mu:.2f} 亩</td></tr>')


def _transfer_section(view: FindingsView, context: dict[str, ContextLayer]) -> str:
    rows = [_swatch_row(category_label_colour(cat)[1], category_label_colour(cat)[0], f"{n} 处", mu)
            for cat, n, mu in category_figures(view, ~violations(view))]
    if "blocks" in context:
        b = context["blocks"]
        figs = []
        for g, (label, (_, colour)) in enumerate(zip(b.groups, BLOCK_STYLE)):
            sel = b.group == g
            mu = units.sum_printed([float(a) for a, s in zip(b.props["area"], sel) if s])
            figs.append((int(sel.sum()), mu))
            if sel.any():
                rows.append(_swatch_row(colour, label, f"{int(sel.sum())} 块", mu, "dashed" if g else "solid", "1a"))
        verdicts = (b.props or {}).get("verdict") or [""]
        min_text = next((v.split()[1] for v in verdicts if len(v.split()) > 1), "")
        line = vocabulary().label("map_blocks_total", n=sum(n for n, _ in figs), below=figs[1][0] if len(figs) > 1 else 0,
                                  mu=f"{units.sum_printed([mu for _, mu in figs]):.2f}", min=min_text)
        rows.append(f'<tr><td></td><td colspan="3" class="lc-small">{html.escape(line)}</td></tr>')
    if not rows:
        return ""
    return f'<h4>{html.escape(vocabulary().label("map_transfer_section"))}</h4><table class="lc-transfer">' + "".join(rows) + "</table>"


def _status_section(view: FindingsView, status_line) -> str:
    present: dict[str, list[str]] = {}
    for s in view.table["status"]:
        present.setdefault(status_line(s), []).append(s)
    lines = []
    for line in ("solid", "dashed", "dotted"):
        if line in present:
            names = "、".join(dict.fromkeys(x or "（未填）" for x in present[line]))
            lines.append(f'<tr><td><span class="ln" style="border-top-style:{line}"></span></td><td colspan="3">{html.escape(names)}</td></tr>')
    return '<h4>整改状态（边线）</h4><table>' + "".join(lines) + '</table>'


def legend_html(view: FindingsView, title: str, context: dict[str, ContextLayer], gcj02: bool, offline: bool,
                survey_shown: bool, status_line) -> str:
    """The legend's HTML: title, problems (violations) by category with their total, the transfer
    section, statuses (ledger), context layers, notes. `status_line`: a status → line style."""
    e = html.escape
    viol = violations(view)
    rows = [_swatch_row(category_label_colour(cat)[1], category_label_colour(cat)[0], f"{n} 处", mu)
            for cat, n, mu in category_figures(view, viol)]
    parts = [f'<details open><summary>图例</summary><div class="lc-title">{e(title)}</div>'
             f'<div class="lc-total">{e(problems_line(view))}</div>']
    if rows:
        parts.append('<table class="lc-problems">' + "".join(rows) + '</table>')
    parts.append(_transfer_section(view, context))
    if view.from_ledger and len(view):
        parts.append(_status_section(view, status_line))
    ctx_rows = []
    if "farmland" in context:
        ctx_rows.append(f'<tr><td><span class="sw" style="background:transparent;border-color:{FARMLAND_COLOUR}"></span></td><td colspan="3">永久基本农田</td></tr>')
    if "survey" in context:
        if not survey_shown:
            ctx_rows.append('<tr><td></td><td colspan="3" class="lc-small">地类图斑（无底图时自动显示，或在图层控制中开启）：</td></tr>')
        for key in context["survey"].groups:
            label, colour = LANDUSE_GROUP_STYLE[key]
            ctx_rows.append(f'<tr><td><span class="sw" style="background:{colour};border-color:{colour}"></span></td><td colspan="3">{e(label)}（地类图斑）</td></tr>')
    if ctx_rows:
        parts.append('<h4>底图图层</h4><table>' + "".join(ctx_rows) + '</table>')
    if gcj02:
        parts.append('<div class="lc-note">已转换为 GCJ-02 坐标以对齐高德底图（与 CGCS2000 相差数百米），勿据此量取坐标；弹窗中的坐标为原始 CGCS2000。</div>')
    crs = "GCJ-02（高德）" if gcj02 else "CGCS2000"
    parts.append(f'<div class="lc-small">点击图斑查看详情 · 坐标系 {crs}' + (' · 离线版' if offline else '') + '</div></details>')
    return "".join(parts)
