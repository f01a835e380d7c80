"""Maps that work offline by default (assets inlined, `--online-assets` to link them), the page that falls
back to the survey's land use when tiles cannot load, legends and index pages that count violations only
(printed sums, transfer apart) with villages in village-code order, `[output] basemap`; then the
township page, a village page and the index opened in headless Chromium with the network blocked."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from landcheck import maps, units
from landcheck.cli import cli
from landcheck.config.run import load_run_config
from tests.maps.test_maps import Page, browser, make_blocks, make_context, make_test_findings, playwright  # noqa: F401 (fixtures)

EXTERNAL = re.compile(r'<script[^>]+src=|<link[^>]+stylesheet')


@pytest.fixture(scope="module")
def with_plan():
    """Findings of every category in turn, four of them transfer blocks under the minimum (plan, not violations),
    villages with codes that sort otherwise than their names."""
    f = make_test_findings(24, villages=("东村", "西村", "南村"))
    f["category"] = f["category"].where(np.arange(len(f)) % 6 != 5, "transfer_below_min")
    f["village_code"] = f["village"].map({"东村": "371426104203", "西村": "371426104201", "南村": "371426104202"})
    return f


def legend_of(page: str) -> str:
    return json.loads(re.search(r"LC\.legend\(map, (\".*?\"), 'bottomright'\)", page).group(1))


def test_legend_counts_violations_only_as_printed_and_shows_transfer_apart(with_plan):
    page = maps.render_html(maps.inspection_map(with_plan, blocks=make_blocks(with_plan)))
    legend = legend_of(page)
    viol = with_plan["category"] != "transfer_below_min"
    per_cat = [units.sum_printed(with_plan.loc[viol & (with_plan["category"] == c), "area_mu"])
               for c in with_plan.loc[viol, "category"].unique()]
    assert f"问题图斑 {int(viol.sum())} 处，{units.sum_printed(per_cat):.2f} 亩" in legend
    problems, transfer = legend.split("流转地块（规划缺口")[0], legend.split("流转地块（规划缺口")[1]
    assert "流转地块面积不足" not in problems
    plan_mu = units.sum_printed(with_plan.loc[~viol, "area_mu"])
    assert f"{int((~viol).sum())} 处</td><td class=\"n\">{plan_mu:.2f} 亩" in transfer
    assert "流转连片地块 2 块" in transfer and "其中不足 100 亩 1 块" in transfer


def test_village_pages_and_index_count_violations_in_village_code_order(with_plan, tmp_path):
    written = maps.write_village_maps(with_plan, tmp_path / "v")
    assert [p.name for k, p in written.items() if k not in ("index", "township")] == ["01-西村.html", "02-南村.html", "03-东村.html"]
    index = written["index"].read_text(encoding="utf-8")
    assert index.index("西村") < index.index("南村") < index.index("东村")
    rows = re.findall(r'<tr><td><a href="[^"]+">(.+?)</a></td><td class="n">(\d+)</td><td class="n">([\d.]+)</td>', index)
    viol = with_plan[with_plan["category"] != "transfer_below_min"]
    for name, n, mu in rows:
        mine = viol[viol["village"] == name]
        assert int(n) == len(mine) and float(mu) == units.sum_printed(mine["area_mu"])
    total = re.search(r'<tfoot><tr><th>合计</th><td class="n">(\d+)</td><td class="n">([\d.]+)</td>', index)
    assert int(total.group(1)) == len(viol) and float(total.group(2)) == units.sum_printed([float(r[2]) for r in rows])
    assert "流转不足(处)" in index
    for path in written.values():
        assert not EXTERNAL.search(path.read_text(encoding="utf-8")), f"{path.name} needs the internet"


def test_map_command_inlines_assets_unless_online_assets(with_plan, tmp_path):
    src = tmp_path / "f.gpkg"
    with_plan.to_file(src, layer="findings")
    r = CliRunner().invoke(cli, ["map", str(src), "-o", str(tmp_path / "a.html")])
    assert r.exit_code == 0, r.output
    assert not EXTERNAL.search((tmp_path / "a.html").read_text(encoding="utf-8"))
    r = CliRunner().invoke(cli, ["map", str(src), "-o", str(tmp_path / "b.html"), "--online-assets"])
    assert r.exit_code == 0, r.output
    assert EXTERNAL.search((tmp_path / "b.html").read_text(encoding="utf-8"))
    r = CliRunner().invoke(cli, ["map", str(src), "-o", str(tmp_path / "c.html"), "--online-assets", "--offline"])
    assert r.exit_code == 2


def test_check_map_option_offers_online_assets():
    for check in ("farmland", "transfer", "survey"):
        r = CliRunner().invoke(cli, [check, "--help"])
        assert "--online-assets" in r.output, check


def test_the_page_carries_the_tile_fallback_with_its_notice(with_plan):
    farmland, survey = make_context(with_plan)
    page = maps.render_html(maps.inspection_map(with_plan, survey=survey))
    assert "LC.tileFallback(" in page and "底图无法加载（无网络），仅显示地类图斑" in page
    page = maps.render_html(maps.inspection_map(with_plan))
    assert "LC.tileFallback(map, null" in page and "仅显示问题图斑" in page


def test_run_config_reads_the_basemap(tmp_path):
    cfg = tmp_path / "landcheck.toml"
    cfg.write_text('[layers.survey]\npath = "x.shp"\n[output]\nbasemap = "none"\n', encoding="utf-8")
    assert load_run_config(cfg).basemap == "none"
    cfg.write_text('[layers.survey]\npath = "x.shp"\n', encoding="utf-8")
    assert load_run_config(cfg).basemap == "osm"


# ------------------------------------------------------------------------------------------
# In headless Chromium, network blocked (skipped without Chromium/Playwright)
# ------------------------------------------------------------------------------------------
def test_browser_pages_show_map_legend_and_survey_when_tiles_cannot_load(browser, with_plan, tmp_path):
    farmland, survey = make_context(with_plan)
    written = maps.write_village_maps(with_plan, tmp_path / "v", farmland=farmland, survey=survey,
                                      blocks=make_blocks(with_plan))
    for name in ("township", "西村"):
        pg = Page(browser, network="blocked")
        try:
            page = pg.open(written[name])
            page.wait_for_selector(".lc-tiles-note", timeout=10000)
            assert page.inner_text(".lc-tiles-note") == "底图无法加载（无网络），仅显示地类图斑"
            assert page.evaluate("LC.map.hasLayer(LC.layers.survey)"), "the survey's land use is the base"
            assert page.locator("path.lc-finding").count() > 0
            legend = page.locator(".lc-legend")
            assert legend.is_visible() and "问题图斑" in legend.inner_text() and "流转地块" in legend.inner_text()
            page.screenshot(path=str(tmp_path / f"{name}.png"))
            assert not [e for e in pg.errors if "Failed to load resource" not in e], pg.errors
            assert {u.split("/")[2] for u in pg.requests} <= {"tile.openstreetmap.org"}
        finally:
            pg.close()
    pg = Page(browser, network="blocked")
    try:
        page = pg.open(written["index"], wait_map=False)
        assert page.locator("table tbody tr").count() == 3 and "合计" in page.inner_text("tfoot")
        assert pg.requests == []
    finally:
        pg.close()


def test_browser_tiles_that_load_keep_the_page_quiet(browser, with_plan, tmp_path):
    farmland, survey = make_context(with_plan)
    path = maps.write_map(maps.inspection_map(with_plan, survey=survey), tmp_path / "m.html")
    pg = Page(browser)  # tiles served
    try:
        page = pg.open(path)
        page.wait_for_function("LC.tileState.loaded > 0", timeout=10000)
        assert page.locator(".lc-tiles-note").count() == 0
        assert not page.evaluate("LC.map.hasLayer(LC.layers.survey)"), "over tiles the survey stays off"
    finally:
        pg.close()
