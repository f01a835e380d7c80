"""The 调出补划 map in Chromium: without a network each pane says in one line that the basemap did not load;
with tiles served it stays quiet."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from landcheck.maps.supplement_map import write_supplement_map
from tests.maps.test_maps import Page, browser, playwright  # noqa: F401 (fixtures)


@pytest.fixture
def page_path(tmp_path):
    needs = gpd.GeoDataFrame({"issue_id": ["SL-1"], "village": ["西村"], "need_mu": [1.5]},
                             geometry=[box(500000, 4000000, 500050, 4000050)], crs=4547)
    cands = gpd.GeoDataFrame({"rank": [1], "patch_id": ["P1"], "area_mu": [2.0], "gdpdjb": ["2"],
                              "for_village": ["西村"], "proposed": [True]},
                             geometry=[box(500100, 4000000, 500160, 4000060)], crs=4547)
    farmland = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(500060, 4000000, 500090, 4000050)], crs=4547)
    return write_supplement_map(needs, cands, tmp_path / "s.html", farmland=farmland)


def test_supplement_map_says_the_basemap_did_not_load_in_each_pane(browser, page_path):
    pg = Page(browser, network="blocked")
    try:
        page = pg.open(page_path, wait_map=False)
        page.wait_for_function("document.querySelectorAll('.lc-tiles-note').length === 2", timeout=10000)
        assert page.inner_text(".lc-tiles-note") == "底图无法加载（无网络），仅显示调出地块、拟补划地块和永久基本农田"
        assert page.locator("path.leaflet-interactive").count() >= 3  # need, proposal, farmland
        assert not [e for e in pg.errors if "Failed to load resource" not in e], pg.errors
    finally:
        pg.close()


def test_supplement_map_with_tiles_stays_quiet(browser, page_path):
    pg = Page(browser)  # blank tiles served
    try:
        page = pg.open(page_path, wait_map=False)
        page.wait_for_function("document.querySelectorAll('img.leaflet-tile-loaded').length > 0", timeout=10000)
        page.wait_for_timeout(300)
        assert page.locator(".lc-tiles-note").count() == 0
    finally:
        pg.close()
