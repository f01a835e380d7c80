"""One page per village with a printable task table, the township map and an index.html, written into a
folder that is replaced as a whole (files the user put there are kept)."""

from __future__ import annotations


import html
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import folium
import folium.plugins
import numpy as np
from branca.element import Element

from .. import units
from ..config import vocabulary
from ..findings import village_label, village_order
from ..errors import LandcheckError
from ..export import TMP_PREFIX
from ..text import file_stem
from ..manifest import clean_stale
from .style import BASEMAP_CHOICES, CATEGORY_COLOUR, GCJ02_BASEMAPS, LANDUSE_GROUP_STYLE
from .gcj02 import gcj02_from_wgs84, gcj02_geoms, out_of_china
from .encode import encode_geometries, js_json
from .view import ContextLayer, FindingsView, MapSource, prepare_context, prepare_findings, read_source
from .elements import AfterMap, PAGE_CSS
from .legend import category_figures, problem_totals, problems_line, violations
from .page import as_context, as_view, bounds_latlng, check_basemap, inspection_map, status_line
from .write import inline_assets, render_html, write_map

def _task_table_html(view: FindingsView) -> str:
    e = html.escape
    t = view.table
    heads = ["序号", "问题编号" if view.from_ledger else "问题标识", "地类", "面积(亩)", "问题类型",
             "整改措施" if view.from_ledger else "建议整改措施"]
    if view.from_ledger:
        heads += ["整改状态", "整改时限"]
    heads += ["坐标"]
    order = np.argsort(t["id"].to_numpy(dtype=str), kind="stable")
    body = []
    for n, i in enumerate(order, 1):
        r = t.iloc[i]
        cells = [f'<td class="n">{n}</td>', f'<td class="nw">{e(r["id"])}</td>', f"<td>{e(r['landuse'])}</td>",
                 f'<td class="n">{e(r["area"])}</td>', f"<td>{e(r['problem_type'])}</td>", f"<td>{e(r['measure'])}</td>"]
        if view.from_ledger:
            cls = ' class="lc-overdue"' if r["overdue"] else ""
            cells += [f"<td>{e(r['status'])}</td>", f"<td{cls}>{e(r['deadline'])}</td>"]
        cells += [f'<td class="nw">{e(r["coord"])}</td>', '<td class="blank print-only"></td>']
        body.append(f'<tr data-i="{int(i)}" onclick="LC.focus({int(i)})">' + "".join(cells) + "</tr>")
    n, mu = problem_totals(view)
    total = (f'<tr><th colspan="3">{e(vocabulary().label("total"))}（问题图斑） {n} 处</th><td class="n">{mu:.2f}</td>'
             f'<td colspan="{len(heads) - 4}"></td><td class="print-only"></td></tr>')
    for cat, k, plan_mu in category_figures(view, ~violations(view)):
        total += (f'<tr><th colspan="3">{e(vocabulary().category_label(cat))} {k} 处</th><td class="n">{plan_mu:.2f}</td>'
                  f'<td colspan="{len(heads) - 4}"></td><td class="print-only"></td></tr>')
    return ('<section class="lc-tasks"><h2>核查任务表</h2><div class="lc-scroll"><table><thead><tr>'
            + "".join(f"<th>{e(h)}</th>" for h in heads) + '<th class="print-only">现场核查情况</th></tr></thead><tbody>' + "".join(body)
            + "</tbody><tfoot>" + total + "</tfoot></table></div></section>")


def _village_page(view: FindingsView, village: str, context: dict[str, ContextLayer], title: str, **kw) -> folium.Map:
    e = html.escape
    label = village_label(village)
    page_title = f"{label} {title}".strip()
    m = inspection_map(view, farmland=context.get("farmland"), survey=context.get("survey"), blocks=context.get("blocks"),
                       title=page_title, height="70vh", **kw)
    root = m.get_root()
    summary = problems_line(view)
    plan = category_figures(view, ~violations(view))
    if plan:
        summary += "；" + "，".join(f"{vocabulary().category_label(c)} {k} 处，{mu:.2f} 亩" for c, k, mu in plan)
    head = (f'<header class="lc-head"><a href="index.html">← 全部村</a><h1>{e(label)}</h1>'
            f'<span class="lc-sum">{e(summary)}</span><button type="button" onclick="window.print()">打印</button></header>'
            f'<div id="lc-map-anchor"></div>')
    # the header goes before the map (the map's element is added when it renders), the task table after it
    root.html.add_child(Element(head), name="lc_head", index=0)
    m.add_child(AfterMap(_task_table_html(view)))
    m.landcheck_page.css = PAGE_CSS
    m.landcheck_page.code = "document.body.className += ' lc-page';"
    return m


def _index_html(rows: list[dict], title: str, from_ledger: bool, overview: str | None) -> str:
    """The index: per village its problems (violations) in places and printed mu, open and overdue tasks,
    and transfer tasks under the minimum when there are any; each total the sum of the column."""
    e = html.escape
    plan = any(r["plan"] for r in rows)
    heads = ["行政村", "问题图斑(处)", "面积(亩)"] + (["未完成(处)", "已逾期(处)"] if from_ledger else [])
    heads += [vocabulary().label("map_plan_col")] if plan else []
    body = []
    for r in rows:
        cells = [f'<td><a href="{e(quote(r["file"]))}">{e(r["label"])}</a></td>', f'<td class="n">{r["n"]}</td>',
                 f'<td class="n">{r["mu"]:.2f}</td>']
        if from_ledger:
            cells += [f'<td class="n">{r["open"]}</td>', f'<td class="n">{r["overdue"]}</td>']
        if plan:
            cells += [f'<td class="n">{r["plan"]}</td>']
        body.append("<tr>" + "".join(cells) + "</tr>")
    tot_n = sum(r["n"] for r in rows)
    tot = [f"<th>{e(vocabulary().label('total'))}</th>", f'<td class="n">{tot_n}</td>',
           f'<td class="n">{units.sum_printed([r["mu"] for r in rows]):.2f}</td>']
    if from_ledger:
        tot += [f'<td class="n">{sum(r["open"] for r in rows)}</td>', f'<td class="n">{sum(r["overdue"] for r in rows)}</td>']
    if plan:
        tot += [f'<td class="n">{sum(r["plan"] for r in rows)}</td>']
    link = f'<p><a href="{e(quote(overview))}">全镇总图</a></p>' if overview else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="landcheck maps"><title>{e(title)} · 分村核查图</title>
<style>{PAGE_CSS}
.lc-index {{ padding: 8px 12px; }} .lc-index table {{ border-collapse: collapse; }}
.lc-index th, .lc-index td {{ border: 1px solid #999; padding: 4px 8px; }} .lc-index td.n {{ text-align: right; }}
.lc-index th {{ background: #eee; }}</style></head>
<body class="lc-page"><header class="lc-head"><h1>{e(title)} · 分村核查图</h1><span class="lc-sum">{len(rows)} 个村，问题图斑 {tot_n} 处</span></header>
<main class="lc-index">{link}<table><thead><tr>{''.join(f'<th>{e(h)}</th>' for h in heads)}</tr></thead>
<tbody>{''.join(body)}</tbody><tfoot><tr>{''.join(tot)}</tr></tfoot></table>
<p class="lc-small">每个村一页：地图（可打印）与核查任务表。点击任务表的一行可在地图上定位。</p></main></body></html>
"""


MARKER = ".landcheck-maps"


def own_files(folder: Path) -> set[str]:
    """The files landcheck wrote in a village-maps folder: listed in its marker (a marker of an older
    version lists none: then its .html pages), and the marker itself."""
    marker = folder / MARKER
    listed = [x.strip() for x in marker.read_text(encoding="utf-8").splitlines()[1:] if x.strip()] if marker.exists() else []
    return set(listed or [p.name for p in folder.glob("*.html")]) | {MARKER}


def _replace_dir(tmp: Path, target: Path) -> None:
    """Put the freshly written folder `tmp` in place of `target` (two renames), then move into it what
    an officer put in the old one (a photos/ folder, notes): only landcheck's own files are replaced."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)
        raise
    ours = own_files(old)
    for p in sorted(old.iterdir()):
        if p.name not in ours and not (target / p.name).exists():
            os.replace(p, target / p.name)
    if not any(p.name not in ours for p in old.iterdir()):  # nothing of the officer's left behind
        shutil.rmtree(old, ignore_errors=True)


def write_village_maps(findings, out_dir: str | Path, *, farmland=None, survey=None, blocks=None,
                       block_min_mu: float = 100.0, title: str = "现场核查图", offline: bool = True, tianditu_key: str | None = None, basemap: str = "osm",
                       overview: bool = True, margin_deg: float = 0.01) -> dict[str, Path]:
    """One page per village (zoomed to its findings, with a printable task table), an `index.html`
    listing villages with counts, mu and links, and (with `overview`) `township.html` of all
    findings. landcheck's files in the folder are replaced as a whole (the files listed in its marker);
    files an officer added there are kept; a folder that landcheck did not write is refused.
    Returns {"index": …, "township": …, village label: page path}."""
    check_basemap(basemap, tianditu_key)
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise LandcheckError(f"{out}: exists and was not written by landcheck map; choose another output folder "
                             f"(village pages replace the whole folder).")
    gcj02 = basemap in GCJ02_BASEMAPS
    view = as_view(findings)
    context = as_context(farmland, survey, gcj02, blocks, block_min_mu)
    kw = dict(offline=offline, tianditu_key=tianditu_key, basemap=basemap)
    geoms = view.geoms if not gcj02 else gcj02_geoms(view.geoms)
    villages = village_order(view.table)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the pages are meant to be shared
    result: dict[str, Path] = {}
    try:
        marker = "written by landcheck map; these files are replaced by the next run, any other file is kept:\n"
        rows = []
        used: set[str] = set()
        for n, v in enumerate(villages, 1):
            mask = (view.table["village"] == v).to_numpy()
            sub = view.subset(mask)
            ctx = {}
            b = bounds_latlng(geoms[mask])
            if b is not None:
                bbox = (b[0][1] - margin_deg, b[0][0] - margin_deg, b[1][1] + margin_deg, b[1][0] + margin_deg)
                ctx = {k: layer.clip(bbox) for k, layer in context.items()}
            fname = f"{n:02d}-{file_stem(village_label(v), 40, 'village')}.html"
            while fname in used:
                fname = f"{n:02d}-{len(used)}-{file_stem(village_label(v), 40, 'village')}.html"
            used.add(fname)
            m = _village_page(sub, v, ctx, title, **kw)
            write_map(m, tmp / fname)
            label = village_label(v)
            result[label] = out / fname
            viol = violations(sub)
            n_viol, mu_viol = problem_totals(sub)
            rows.append({"label": label, "file": fname, "n": n_viol, "mu": mu_viol,
                         "open": int(((sub.table["status"].map(status_line) == "solid").to_numpy() & viol).sum()),
                         "overdue": int((sub.table["overdue"].to_numpy(dtype=bool) & viol).sum()),
                         "plan": int((~viol).sum())})
        overview_name = None
        if overview:
            overview_name = "township.html"
            m = inspection_map(view, farmland=context.get("farmland"), survey=context.get("survey"),
                               blocks=context.get("blocks"), title=title, **kw)
            write_map(m, tmp / overview_name)
            result["township"] = out / overview_name
        (tmp / "index.html").write_text(_index_html(rows, title, view.from_ledger, overview_name), encoding="utf-8")
        result["index"] = out / "index.html"
        (tmp / MARKER).write_text(marker + "".join(f"{p.name}\n" for p in sorted(tmp.iterdir())), encoding="utf-8")
        _replace_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return {"index": result.pop("index"), **result}


__all__ = [
    "read_source", "MapSource", "prepare_findings", "FindingsView", "prepare_context", "ContextLayer", "inspection_map",
    "render_html", "write_map", "write_village_maps", "gcj02_from_wgs84", "out_of_china", "encode_geometries",
    "js_json", "inline_assets", "CATEGORY_COLOUR", "LANDUSE_GROUP_STYLE", "BASEMAP_CHOICES",
]
