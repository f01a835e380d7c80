"""Inspection maps: the HTML (escaping, compact coordinates, basemaps, offline assets), the WGS84 →
GCJ-02 transform, village pages and the `landcheck map` command; then the pages opened in headless
Chromium the way an officer would (skipped where Chromium or Playwright is absent)."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zlib
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from landcheck import maps, units
from landcheck.cli import cli
from landcheck.errors import LandcheckError
from landcheck.findings import make_findings
from tests.helpers import page_payloads

HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="window.__pwned=1">'
CATS = [("non_farm", "非农化（建设占用）", "拆除复耕", "0702", "农村宅基地"),
        ("non_grain", "非粮化（林果）", "退园还耕", "0201", "果园"),
        ("non_grain_crop", "种植非粮作物", "引导种粮", "0102", "水浇地"),
        ("abandoned", "未耕种（疑似撂荒）", "复耕复种", "0103", "旱地"),
        ("facility", "设施农用地（需核实备案）", "补办备案", "1202", "设施农用地"),
        ("other", "其他非耕地（需核实）", "核实举证", "1206", "裸土地")]


# ------------------------------------------------------------------------------------------
# Fixtures built in code: findings near 117.1°E 37.3°N (EPSG:4527), farmland and survey around them
# ------------------------------------------------------------------------------------------
def _origin():
    return Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)


def make_test_findings(n: int = 24, villages=("东村", "西村", "南村"), hostile: bool = False) -> gpd.GeoDataFrame:
    """`n` findings on a grid 120 m apart: squares (one with a hole, one a two-part multipolygon),
    categories and villages in turn; with `hostile`, the last one carries script in its texts."""
    x0, y0 = _origin()
    geoms, rows = [], []
    for i in range(n):
        x, y = x0 + (i % 6) * 120.0, y0 + (i // 6) * 120.0
        g = shapely.box(x, y, x + 40 + i, y + 30 + (i % 5) * 8)
        if i == 1:
            g = g.difference(shapely.box(x + 10, y + 10, x + 20, y + 20))
        if i == 2:
            g = shapely.MultiPolygon([g, shapely.box(x + 60, y, x + 80, y + 20)])
        geoms.append(g)
        cat, prob, meas, code, name = CATS[i % len(CATS)]
        rows.append({"check": "farmland", "category": cat, "problem_type": prob, "suggested_measure": meas,
                     "severity": "error", "dlbm": code, "dlmc": name, "village": villages[i % len(villages)],
                     "township": "示例镇", "patch_id": f"P{i + 1}", "farmland_id": f"F{i // 3 + 1}"})
    if hostile:
        rows[-1].update(village=HOSTILE, dlmc=HOSTILE_IMG, problem_type="</script><script>window.__pwned=2</script>",
                        category='<b onmouseover="window.__pwned=3">x</b>', patch_id="'\"><svg onload=window.__pwned=4>")
    area = units.ellipsoidal_area(np.asarray(geoms, dtype=object), 4527)
    data = {c: [r[c] for r in rows] for c in rows[0]} | {"area_m2": area}
    return make_findings(data, geoms, 4527)


def make_context(findings: gpd.GeoDataFrame):
    """Farmland: a block around the findings; survey: a 4 × 4 coverage of patches with codes."""
    x0, y0, x1, y1 = findings.total_bounds
    farmland = gpd.GeoDataFrame({"BSM": ["1", "2"]}, geometry=[shapely.box(x0 - 50, y0 - 50, (x0 + x1) / 2, y1 + 50),
                                                                shapely.box((x0 + x1) / 2, y0 - 50, x1 + 50, y1 + 50)], crs=4527)
    xs, ys = np.linspace(x0 - 100, x1 + 100, 5), np.linspace(y0 - 100, y1 + 100, 5)
    cells = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(4) for j in range(4)]
    codes = ["0101", "0201", "0301", "0702", "1101", "1003", "0103", "0404"] * 2
    survey = gpd.GeoDataFrame({"DLBM": codes}, geometry=cells, crs=4527)
    return farmland, survey


@pytest.fixture(scope="module")
def findings():
    return make_test_findings()


@pytest.fixture(scope="module")
def hostile():
    return make_test_findings(12, hostile=True)


def decode(geom: dict) -> list[dict]:
    """Python twin of the page's LC.decode: {polys, lines, pts} per geometry, lon/lat order."""
    s = 10 ** geom["d"]
    c, r, p, f, k = geom["c"], geom["r"], geom["p"], geom["f"], geom["k"]
    out, ci, ri, pi, x, y = [], 0, 0, 0, 0, 0
    for nparts in f:
        g = {"polys": [], "lines": [], "pts": []}
        for _ in range(nparts):
            rings = []
            for _ in range(p[pi]):
                ring = []
                for _ in range(r[ri]):
                    x += c[ci]
                    y += c[ci + 1]
                    ci += 2
                    ring.append((x / s, y / s))
                rings.append(ring)
                ri += 1
            if k[pi] == "A":
                g["polys"].append(rings)
            elif k[pi] == "L":
                g["lines"].append(rings[0])
            elif rings[0]:
                g["pts"].append(rings[0][0])
            pi += 1
        out.append(g)
    return out


# ------------------------------------------------------------------------------------------
# WGS84 → GCJ-02
# ------------------------------------------------------------------------------------------
def test_gcj02_matches_the_published_reference_and_leaves_other_countries_alone():
    # the reference pair printed by the widely used coordTransform_py (wandergis) and its ports
    lon, lat = maps.gcj02_from_wgs84(128.543, 37.065)
    assert lon == pytest.approx(128.54820547949757, abs=1e-12)
    assert lat == pytest.approx(37.065651049489816, abs=1e-12)
    lon, lat = maps.gcj02_from_wgs84(np.array([-0.1276, 117.1]), np.array([51.5072, 37.3]))
    assert (lon[0], lat[0]) == (-0.1276, 51.5072)  # London: outside China, unchanged
    # in the sample township the offset is the few hundred metres that misalign 高德 tiles
    dist = units.GEOD.inv(117.1, 37.3, lon[1], lat[1])[2]
    assert 100 < dist < 800


def test_gaode_map_shifts_every_coordinate_and_offers_no_wgs84_tiles(findings):
    farmland, survey = make_context(findings)
    page = maps.render_html(maps.inspection_map(findings, farmland=farmland, survey=survey, basemap="gaode"))
    assert "autonavi.com" in page and "GCJ-02" in page
    assert "openstreetmap.org" not in page and "arcgisonline" not in page, "WGS84 tiles under GCJ-02 data would be misaligned"
    assert "LC.shiftGeolocation(" in page  # GPS positions are shifted too
    got = decode(page_payloads(page)["findings"]["geom"])
    rings = [shapely.get_coordinates(g)[:-1] for g in shapely.get_rings(findings.to_crs(4326).geometry.values[:1])]
    ex, ey = maps.gcj02_from_wgs84(rings[0][:, 0], rings[0][:, 1])
    np.testing.assert_allclose(np.array(got[0]["polys"][0][0]), np.column_stack([ex, ey]), atol=1.5e-7)
    ctx = decode(page_payloads(page)["farmland"]["geom"])
    fx, fy = maps.gcj02_from_wgs84(*shapely.get_coordinates(farmland.to_crs(4326).geometry.values[0])[0])
    assert min(abs(px - fx) + abs(py - fy) for px, py in ctx[0]["polys"][0][0]) < 2e-6


# ------------------------------------------------------------------------------------------
# Compact coordinates
# ------------------------------------------------------------------------------------------
def test_encoding_round_trips_polygons_holes_multiparts_points_and_empties():
    geoms = np.array([shapely.Polygon([(117.1, 37.3), (117.2, 37.3), (117.2, 37.4), (117.1, 37.3)],
                                      holes=[[(117.15, 37.32), (117.16, 37.32), (117.16, 37.33)]]),
                      shapely.MultiPolygon([shapely.box(117.0, 37.0, 117.01, 37.01), shapely.box(117.02, 37.0, 117.03, 37.01)]),
                      shapely.Point(117.123456789, 37.987654321), shapely.Polygon()], dtype=object)
    text, nv = maps.encode_geometries(geoms, 7)
    got = decode(json.loads(text))
    assert [len(g["polys"]) for g in got] == [1, 2, 0, 0] and got[2]["pts"] == [(117.1234568, 37.9876543)]
    assert len(got[0]["polys"][0]) == 2, "the hole is kept"
    assert got[0]["polys"][0][0] == [(117.1, 37.3), (117.2, 37.3), (117.2, 37.4)], "closing vertex dropped, values exact"
    assert got[3] == {"polys": [], "lines": [], "pts": []}
    assert nv == 3 + 3 + 4 + 4 + 1


def test_findings_keep_their_shape_at_7_decimals_and_context_is_simplified_to_6(findings):
    x0, y0 = _origin()
    # a farmland boundary with a 2 cm wiggle every metre: display simplification removes it
    wiggly = shapely.Polygon([(x0 + i, y0 - 200 + (0.02 if i % 2 else 0)) for i in range(0, 300)] + [(x0 + 299, y0 - 100), (x0, y0 - 100)])
    farmland = gpd.GeoDataFrame(geometry=[wiggly], crs=4527)
    page = maps.render_html(maps.inspection_map(findings, farmland=farmland))
    p = page_payloads(page)
    got = decode(p["findings"]["geom"])
    want = findings.to_crs(4326).geometry.values
    for g, w in zip(got, want):
        ext = np.array(g["polys"][0][0])
        np.testing.assert_allclose(ext, np.round(shapely.get_coordinates(shapely.get_exterior_ring(
            w.geoms[0] if w.geom_type == "MultiPolygon" else w))[:-1], 7), atol=1e-9)
    assert p["findings"]["geom"]["d"] == 7 and p["farmland"]["geom"]["d"] == 6
    assert sum(p["farmland"]["geom"]["r"]) < 20, "a 300-vertex wiggly boundary simplifies to a handful of vertices"
    assert p["findings"]["renderer"] == "svg"


def test_text_columns_are_dictionary_coded_when_they_repeat():
    assert maps.encode_column(["甲", "乙", "甲", "甲"]) == {"v": ["甲", "乙"], "i": [0, 1, 0, 0]}
    assert maps.encode_column(["a", "b", "c"]) == ["a", "b", "c"]


# ------------------------------------------------------------------------------------------
# Escaping
# ------------------------------------------------------------------------------------------
def test_js_json_cannot_close_the_script_element():
    obj = {"v": HOSTILE + "&\u2028", "k": ["</SCRIPT>", "<!--"]}
    text = maps.js_json(obj)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == obj


def test_hostile_texts_never_reach_the_html_unescaped(hostile, tmp_path):
    page = maps.render_html(maps.inspection_map(hostile, title=HOSTILE))
    for raw in (HOSTILE, "<img src=x", "</script><script>window.__pwned", "<b onmouseover", "<svg onload"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the title and legend show it as text
    assert HOSTILE in json.dumps(page_payloads(page)["findings"]["props"], ensure_ascii=False)  # data kept intact
    out = maps.write_village_maps(hostile, tmp_path / "v", title=HOSTILE)
    for path in out.values():
        text = path.read_text(encoding="utf-8")
        for raw in (HOSTILE, "<img src=x", "<b onmouseover", "<svg onload"):
            assert raw not in text, path.name
    index = out["index"].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert all(re.fullmatch(r"[\w\-.]+", p.name) for p in out.values()), "file names carry no markup or path characters"


# ------------------------------------------------------------------------------------------
# Sources, contents, basemaps, offline
# ------------------------------------------------------------------------------------------
def test_read_source_tells_findings_from_a_ledger(findings, tmp_path):
    from landcheck.ledger import export_gpkg, merge_findings

    fpath = tmp_path / "findings.gpkg"
    findings.to_file(fpath, layer="findings", engine="pyogrio")
    src = maps.read_source(fpath)
    assert src.kind == "findings" and len(src.frame) == len(findings)
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, findings, prefix="SL", run_date=date(2026, 3, 1))
    src = maps.read_source(led)
    assert src.kind == "ledger" and src.frame["issue_id"].str.startswith("SL-2026-").all()
    exported = tmp_path / "tasks.gpkg"  # the tasks alone, as sent to the county
    export_gpkg(led, exported)
    src = maps.read_source(exported)
    assert src.kind == "ledger" and maps.prepare_findings(src.frame).table["id"].str.startswith("SL-2026-").all()
    other = tmp_path / "other.gpkg"
    findings.to_file(other, layer="DLTB", engine="pyogrio")
    with pytest.raises(LandcheckError, match="neither findings"):
        maps.read_source(other)
    with pytest.raises(LandcheckError, match="not found"):
        maps.read_source(tmp_path / "missing.gpkg")


def test_popup_ids_statuses_and_legend_follow_the_source(findings, tmp_path):
    from landcheck.ledger import merge_findings, read_tasks

    page = maps.render_html(maps.inspection_map(findings))
    p = page_payloads(page)["findings"]
    ids = p["props"]["id"]
    assert list(ids) == list(findings["finding_key"]) and p["idLabel"] == "问题标识"
    assert "status" not in [r[1] for r in p["rows"]]
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, findings, prefix="SL", run_date=date(2026, 3, 1))
    tasks = read_tasks(led)
    tasks.loc[0, "status"], tasks.loc[0, "deadline"] = "整改中", "2026-04-01"
    tasks.loc[1, "status"] = "已销号"
    view = maps.prepare_findings(tasks, today=date(2026, 5, 1))
    assert view.table.loc[0, "deadline"] == "2026-04-01（已逾期）" and view.table.loc[0, "overdue"]
    page = maps.render_html(maps.inspection_map(view))
    p = page_payloads(page)["findings"]
    assert p["idLabel"] == "问题编号" and maps.encode_column(tasks["issue_id"]) == p["props"]["id"]
    assert ["整改状态", "status", "", True] in p["rows"] and ["整改时限", "deadline", "", True] in p["rows"]
    styles = [p["styles"][maps_i] for maps_i in (p["style"]["i"] if isinstance(p["style"], dict) else p["style"])]
    assert "dashArray" not in styles[0] and styles[1]["dashArray"] == "8 6", "finished tasks are drawn dashed"
    legend = re.search(r"LC\.legend\(map, (\".*?\"), 'bottomright'\)", page).group(1)
    legend = json.loads(legend)
    assert "整改中" in legend and "已销号" in legend and f"问题图斑 {len(tasks)} 处" in legend
    total = units.printed_total_mu(tasks["area_m2"])
    assert f"问题图斑 {len(tasks)} 处，{total:.2f} 亩" in legend, "the total is the sum of the rows as printed"


def test_basemaps_controls_and_tianditu_key(findings):
    page = maps.render_html(maps.inspection_map(findings))
    assert "tile.openstreetmap.org" in page and "World_Imagery" in page and "tianditu" not in page
    for control in ("L.control.scale(", "L.control.fullscreen(", "L.Control.Measure(", "LC.locate(map)", "LC.search(map"):
        assert control in page, control
    with pytest.raises(LandcheckError, match="天地图 needs a key"):
        maps.inspection_map(findings, basemap="tianditu")
    page = maps.render_html(maps.inspection_map(findings, basemap="tianditu-img", tianditu_key="k&ey"))
    assert "tk=k%26ey" in page and "img_w" in page and "cia_w" in page and "vec_w" in page
    with pytest.raises(LandcheckError, match="unknown basemap"):
        maps.inspection_map(findings, basemap="bing")


def test_pages_carry_every_asset_by_default_and_refuse_unknown_ones(findings):
    online = maps.render_html(maps.inspection_map(findings, offline=False))
    assert len(re.findall(r'<script src="https://', online)) >= 4
    page = maps.render_html(maps.inspection_map(findings))
    assert not re.search(r'<script[^>]+src=', page) and not re.search(r'<link[^>]+stylesheet', page)
    assert "L.Control.Measure" in page and "L.Control.Search" in page and "L.Control.Locate" in page
    with pytest.raises(LandcheckError, match="no copy of https://example.org/x.js"):
        maps.inline_assets('<script src="https://example.org/x.js"></script>', {})


def test_empty_findings_still_make_a_map(findings):
    farmland, survey = make_context(findings)
    page = maps.render_html(maps.inspection_map(findings.iloc[:0], farmland=farmland, survey=survey))
    assert "无问题图斑" in page and "fitBounds" in page  # fitted to the context layers


def test_a_finding_without_shape_is_drawn_at_its_lon_lat(findings):
    f = findings.copy()
    f.loc[0, "geometry"] = None
    view = maps.prepare_findings(f)
    assert view.geoms[0].geom_type == "Point" and "drawn as a point" in view.warnings[0]
    got = decode(page_payloads(maps.render_html(maps.inspection_map(view)))["findings"]["geom"])
    assert got[0]["pts"][0] == pytest.approx((f.loc[0, "lon"], f.loc[0, "lat"]), abs=1e-7)


def test_village_pages_index_replacement_that_keeps_the_officers_files(findings, tmp_path):
    out = tmp_path / "villages"
    farmland, survey = make_context(findings)
    got = maps.write_village_maps(findings, out, farmland=farmland, survey=survey, title="示例镇")
    assert set(got) == {"index", "township", "东村", "西村", "南村"}
    index = got["index"].read_text(encoding="utf-8")
    for v in ("东村", "西村", "南村"):
        assert f'>{v}</a>' in index
        page = got[v].read_text(encoding="utf-8")
        n = int((findings["village"] == v).sum())
        assert page.count('onclick="LC.focus(') == n, "one task-table row per finding of the village"
        assert page.index("folium-map") < page.index("核查任务表"), "the table is under the map"
        assert len(page_payloads(page)["findings"]["geom"]["f"]) == n
        assert set(page_payloads(page)["farmland"]["geom"]["k"]) == {"A"}, "context is clipped to the village, polygons only"
    # an officer's photos and notes in the folder (issue 15: they used to be deleted with the old pages)
    (out / "photos").mkdir()
    (out / "photos" / "东村-整改前.jpg").write_bytes(b"\xff\xd8 photo")
    (out / "核查记录.html").write_text("mine", encoding="utf-8")
    fewer = findings[findings["village"] != "南村"]
    again = maps.write_village_maps(fewer, out)
    assert not got["南村"].exists() and "南村" not in again, "landcheck's own page of a village without tasks is gone"
    assert (out / "photos" / "东村-整改前.jpg").read_bytes() == b"\xff\xd8 photo"
    assert (out / "核查记录.html").read_text(encoding="utf-8") == "mine"
    assert not list(tmp_path.glob(".villages.*")), "no folder left behind"
    maps.write_village_maps(fewer, out)  # and again: still kept
    assert (out / "photos" / "东村-整改前.jpg").exists() and (out / "核查记录.html").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(LandcheckError, match="not written by landcheck"):
        maps.write_village_maps(findings, other)
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_cli_map_writes_the_default_file_and_folder_and_exits_2_on_bad_input(findings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fpath = tmp_path / "findings.gpkg"
    findings.to_file(fpath, layer="findings", engine="pyogrio")
    farmland, survey = make_context(findings)
    farmland.to_file(tmp_path / "farmland.gpkg", engine="pyogrio")
    run = CliRunner().invoke
    r = run(cli, ["map", str(fpath), "--farmland", str(tmp_path / "farmland.gpkg")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "maps" / "findings.html").exists() and "问题图斑 24 处" in r.output
    r = run(cli, ["map", str(fpath), "--by", "village", "--offline"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "maps" / "findings-villages" / "index.html").exists()
    for args, msg in ((["-o", "x.txt"], ".html"), (["--basemap", "tianditu"], "天地图 needs a key"),
                      (["--by", "village", "-o", "a.html"], "folder")):
        r = run(cli, ["map", str(fpath), *args], env={"TIANDITU_KEY": ""})
        assert r.exit_code == 2 and msg in r.output, (args, r.output)
    r = run(cli, ["map", str(tmp_path / "farmland.gpkg")])
    assert r.exit_code == 2 and "neither findings" in r.output
    r = run(cli, ["map", str(fpath), "--basemap", "tianditu", "-o", "t.html"], env={"TIANDITU_KEY": "abc"})
    assert r.exit_code == 0 and "tk=abc" in (tmp_path / "t.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------
# In a real browser (headless Chromium through Playwright)
# ------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]


def _png(rgb=(236, 236, 228), size=256) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def playwright():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="module")
def scrollbar_browser(playwright):
    """Chromium with scrollbars that take room, as an officer's browser has (Playwright hides them)."""
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, ignore_default_args=["--hide-scrollbars"])
    yield b
    b.close()


class Page:
    """A page as an officer meets it, recording console errors, script errors, dialogs and requests."""

    def __init__(self, browser, network: str = "cdn", phone: bool = False, geolocation=None):
        """network: "cdn" serves the CDN assets (from folium-offline's copies) and blank tiles, as the
        internet would; "blocked" aborts every request that is not a local file."""
        self.errors, self.dialogs, self.requests = [], [], []
        opts = {"viewport": {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800},
                "is_mobile": phone, "has_touch": phone, "locale": "zh-CN"}
        if geolocation:
            opts.update(geolocation=geolocation, permissions=["geolocation"])
        self.context = browser.new_context(**opts)
        assets = maps.offline_assets()
        tile = _png()

        def route(r):
            url = r.request.url
            if url.startswith("file:"):
                return r.continue_()
            self.requests.append(url)
            if network == "blocked":
                return r.abort()
            if url in assets:
                return r.fulfill(status=200, body=assets[url], content_type="text/css" if url.endswith(".css") else "application/javascript")
            return r.fulfill(status=200, body=tile, content_type="image/png")

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path: Path, wait_map: bool = True):
        self.page.goto(path.resolve().as_uri())
        if wait_map:
            self.page.wait_for_function("window.LC && LC.ready === true", timeout=30000)
        return self.page

    def click_finding(self, index: int):
        """Click the map where finding `index` lies (inside it, as a finger would)."""
        pt = self.page.evaluate("""(i) => {
            var s = LC.layers.findings.lcShapes[i], ll = s.getCenter ? s.getCenter() : s.getLatLng();
            LC.map.setView(ll, 18, {animate: false});
            var p = LC.map.latLngToContainerPoint(ll), r = LC.map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""", index)
        self.page.mouse.click(*pt)
        self.page.wait_for_selector(".lc-popup-id", timeout=5000)
        return self.page.inner_text(".lc-popup-id")

    def close(self):
        self.context.close()


#: A finding that is a plain rectangle (its centre lies inside it and in no other finding).
SQUARE = 3


def test_browser_map_draws_every_finding_and_opens_the_right_popup(browser, findings, tmp_path):
    farmland, survey = make_context(findings)
    path = maps.write_map(maps.inspection_map(findings, farmland=farmland, survey=survey, title="示例镇 核查"), tmp_path / "m.html")
    pg = Page(browser)
    try:
        page = pg.open(path)
        shapes = page.locator("path.lc-finding")
        assert shapes.count() == len(findings)
        ds = page.eval_on_selector_all("path.lc-finding", "els => els.map(e => e.getAttribute('d'))")
        assert all(d and len(d) > 10 for d in ds), "every finding has a drawn outline"
        legend = page.locator(".lc-legend")
        assert legend.is_visible() and "图例" in legend.inner_text() and "非农化" in legend.inner_text()
        box, vp = legend.bounding_box(), page.viewport_size
        assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= vp["width"] and box["y"] + box["height"] <= vp["height"]
        i = SQUARE
        assert pg.click_finding(i) == findings["finding_key"].iloc[i]
        popup = page.inner_text(".lc-popup")
        assert findings["village"].iloc[i] in popup and f"{findings['area_mu'].iloc[i]:.2f} 亩" in popup
        page.keyboard.press("Escape")
        # search by id: the found finding's popup opens
        page.click(".leaflet-control-search .search-button")
        target = findings["finding_key"].iloc[7]
        page.locator(".leaflet-control-search input.search-input").press_sequentially(target[:10])
        page.wait_for_selector(".leaflet-control-search .search-tip", timeout=5000)
        page.keyboard.press("Enter")
        page.wait_for_function("(id) => { var e = document.querySelector('.lc-popup-id'); return e && e.textContent === id; }",
                               arg=target, timeout=5000)
        assert page.get_attribute(".leaflet-control-measure-toggle", "title") == "测量距离和面积"
        page.screenshot(path=str(tmp_path / "map.png"))
        assert (tmp_path / "map.png").stat().st_size > 10_000
        assert pg.errors == [], pg.errors
        assert any("tile.openstreetmap.org" in u for u in pg.requests)
    finally:
        pg.close()


def test_browser_offline_map_renders_with_the_network_blocked(browser, findings, tmp_path):
    farmland, survey = make_context(findings)
    path = maps.write_map(maps.inspection_map(findings, farmland=farmland, survey=survey, offline=True), tmp_path / "off.html")
    pg = Page(browser, network="blocked", phone=True)
    try:
        page = pg.open(path)
        assert page.locator("path.lc-finding").count() == len(findings)
        assert page.evaluate("LC.layers.survey.getLayers().length") == 7, "the survey's land-use classes are the base"
        assert page.evaluate("map => !!L.Control.Measure && !!L.Control.Search && !!L.control.locate", None)
        assert page.locator(".lc-legend summary").is_visible()
        assert pg.click_finding(SQUARE) == findings["finding_key"].iloc[SQUARE]
        page.screenshot(path=str(tmp_path / "offline-phone.png"))
        hosts = {u.split("/")[2] for u in pg.requests}
        assert hosts <= {"tile.openstreetmap.org"}, f"only tiles may be fetched offline, not {hosts}"
        assert not [e for e in pg.errors if "Failed to load resource" not in e], pg.errors
        assert len([e for e in pg.errors if "Failed to load resource" in e]) <= len(pg.requests)
    finally:
        pg.close()


def test_browser_hostile_village_name_runs_nothing(browser, hostile, tmp_path):
    out = maps.write_village_maps(hostile, tmp_path / "v", title=HOSTILE)
    pg = Page(browser)
    try:
        page = pg.open(out["township"])
        n = len(hostile) - 1
        assert pg.click_finding(n) == hostile["finding_key"].iloc[n]
        popup = page.inner_text(".lc-popup")
        assert HOSTILE in popup and "</script><script>window.__pwned=2</script>" in popup
        page.hover(".lc-legend")
        assert HOSTILE in page.inner_text(".lc-legend") and '<b onmouseover="window.__pwned=3">x</b>' in page.inner_text(".lc-legend")
        village_page = out[HOSTILE]
        page = pg.open(village_page)
        assert page.inner_text(".lc-head h1") == HOSTILE
        page.click(".lc-tasks tbody tr")
        page.wait_for_selector(".lc-popup-id")
        page = pg.open(out["index"], wait_map=False)
        assert HOSTILE in page.inner_text("table")
        assert page.evaluate("window.__pwned === undefined")
        assert pg.dialogs == [] and pg.errors == [], (pg.dialogs, pg.errors)
    finally:
        pg.close()


def test_browser_village_page_row_focuses_its_finding(browser, findings, tmp_path):
    from landcheck.ledger import merge_findings, read_tasks

    led = tmp_path / "ledger.gpkg"
    merge_findings(led, findings, prefix="SL", run_date=date(2026, 3, 1))
    out = maps.write_village_maps(read_tasks(led), tmp_path / "v")
    pg = Page(browser, phone=True)
    try:
        page = pg.open(out["西村"])
        rows = page.locator(".lc-tasks tbody tr")
        assert rows.count() == int((findings["village"] == "西村").sum())
        assert page.locator("path.lc-finding").count() == rows.count()
        wanted = rows.nth(1).locator("td").nth(1).inner_text()
        assert wanted.startswith("SL-2026-")
        rows.nth(1).click()
        page.wait_for_function("(id) => { var e = document.querySelector('.lc-popup-id'); return e && e.textContent === id; }",
                               arg=wanted, timeout=5000)
        assert "整改状态" in page.inner_text(".lc-popup") and "未整改" in page.inner_text(".lc-popup")
        page.screenshot(path=str(tmp_path / "village-phone.png"), full_page=True)
        assert pg.errors == [], pg.errors
    finally:
        pg.close()


def test_browser_gaode_map_shifts_the_gps_position_like_the_data(browser, findings, tmp_path):
    path = maps.write_map(maps.inspection_map(findings, basemap="gaode"), tmp_path / "gaode.html")
    lon, lat = 117.1003, 37.3004
    pg = Page(browser, geolocation={"latitude": lat, "longitude": lon, "accuracy": 5})
    try:
        page = pg.open(path)
        page.click(".leaflet-control-locate a")
        page.wait_for_function("!!LC.lastLocation", timeout=5000)
        got = page.evaluate("[LC.lastLocation.lng, LC.lastLocation.lat]")
        want = maps.gcj02_from_wgs84(lon, lat)
        assert got == pytest.approx([float(want[0]), float(want[1])], abs=1e-9)
        assert "GCJ-02" in page.inner_text(".lc-legend")
        assert pg.errors == [] and pg.dialogs == [], (pg.errors, pg.dialogs)
    finally:
        pg.close()


def make_blocks(findings: gpd.GeoDataFrame, hostile: bool = False) -> gpd.GeoDataFrame:
    """Two transfer blocks west of the findings: one of 120 mu (a 400 m × 200 m rectangle) and one
    below 100 mu; with `hostile`, the small block's group is script."""
    x0, y0, _, _ = findings.total_bounds
    geoms = [shapely.box(x0 - 1000, y0, x0 - 600, y0 + 200), shapely.box(x0 - 500, y0, x0 - 300, y0 + 150)]
    area = units.ellipsoidal_area(np.asarray(geoms, dtype=object), 4527)
    return gpd.GeoDataFrame({
        "block_id": ["B0001", "B0002"], "group": ["禾丰合作社", HOSTILE if hostile else "李四家庭农场"],
        "n_parcels": [3, 1], "parcel_ids": ["D1,D2,D3", "D9"], "villages": ["东村", "西村"],
        "area_m2": area, "area_mu": area / units.MU_M2, "below_min": area / units.MU_M2 < 100,
    }, geometry=geoms, crs=4527)


def test_blocks_layer_carries_every_block_with_its_popup_values_and_legend(findings):
    blocks = make_blocks(findings)
    assert blocks["below_min"].tolist() == [False, True]
    m = maps.inspection_map(findings, blocks=blocks, block_min_mu=100)
    page = maps.render_html(m)
    payload = page_payloads(page)["blocks"]
    assert payload["group"] == [0, 1] and payload["idLabel"] == "流转连片地块"
    assert "达到100亩" in page and "不足100亩" in page
    legend_mu = f"{units.round_half_up(blocks['area_mu'].iat[0], 2):.2f} 亩"
    assert legend_mu in page
    # a village page keeps only the blocks within its reach, with their own popup values
    ctx = maps.prepare_context(blocks=blocks, block_min_mu=100)["blocks"]
    b = blocks.to_crs(4326).total_bounds
    part = ctx.clip((b[0] - 0.001, b[1] - 0.001, (b[0] + b[2]) / 2 - 0.0005, b[3] + 0.001))
    assert len(part.geoms) == 1 and part.props["id"] == ["B0001"] and part.group.tolist() == [0]


def test_browser_blocks_are_drawn_and_their_popup_is_escaped(browser, findings, tmp_path):
    blocks = make_blocks(findings, hostile=True)
    path = maps.write_map(maps.inspection_map(findings, blocks=blocks, block_min_mu=100), tmp_path / "blocks.html")
    pg = Page(browser)
    try:
        page = pg.open(path)
        assert page.locator("path.lc-block").count() == 2
        assert page.locator("path.lc-finding").count() == len(findings)
        for i, row in blocks.iterrows():
            pt = page.evaluate("""(i) => {
                var s = LC.layers.blocks.getLayers()[i], ll = s.getCenter();
                LC.map.setView(ll, 17, {animate: false});
                var p = LC.map.latLngToContainerPoint(ll), r = LC.map.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }""", i)
            page.mouse.click(*pt)
            page.wait_for_function("(id) => { var e = document.querySelector('.lc-popup-id'); return e && e.textContent === id; }",
                                   arg=row["block_id"], timeout=5000)
            popup = page.inner_text(".lc-popup")
            assert row["group"] in popup and row["parcel_ids"] in popup
            assert f"{units.round_half_up(row['area_mu'], 2):.2f} 亩" in popup
            assert ("不足 100 亩" if row["below_min"] else "达到 100 亩") in popup
            page.keyboard.press("Escape")
        assert "流转连片地块" in page.inner_text(".lc-legend")
        page.screenshot(path=str(tmp_path / "blocks.png"))
        assert pg.dialogs == [] and page.evaluate("window.__pwned === undefined")
        assert pg.errors == [], pg.errors
    finally:
        pg.close()


def test_page_script_and_styles_are_package_data_inlined_in_the_page(tmp_path):
    from importlib import resources

    folder = resources.files("landcheck.data").joinpath("map")
    js = folder.joinpath("runtime.js").read_text(encoding="utf-8")
    css = folder.joinpath("map.css").read_text(encoding="utf-8")
    assert "window.LC" in js and ".lc-legend" in css and folder.joinpath("page.css").is_file()
    page = maps.render_html(maps.inspection_map(make_findings(
        {"check": ["farmland"], "category": ["non_farm"], "area_m2": [10.0], "patch_id": ["P1"], "farmland_id": ["F1"]},
        [shapely.box(39_508_866, 4_129_810, 39_508_876, 4_129_820)], 4527)))
    assert js.strip()[:60] in page and css.strip()[:40] in page


def test_popup_says_new_or_existing_and_why():
    f = make_test_findings(3)
    f["origin"] = ["new", "existing", ""]
    f["origin_evidence"] = ["划定时地类 0103", "划定时地类 0702", ""]
    p = page_payloads(maps.render_html(maps.inspection_map(f)))["findings"]
    assert ["新增/存量", "origin", "", True] in p["rows"]
    values = p["props"]["origin"]
    texts = [values["v"][k] for k in values["i"]] if isinstance(values, dict) else values
    assert texts == ["新增（划定时地类 0103）", "存量（划定时地类 0702）", ""]


@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "phone"])
def test_browser_legend_labels_break_only_before_a_bracket_and_are_never_clipped(scrollbar_browser, findings, tmp_path, phone):
    """Every category's label in the legend (1280 px and a phone, the legend scrolling so that a scrollbar
    takes its width; four-digit mu as a township has): no cell wider than shown, and a label that wraps breaks only before "（" — never inside
    "其他非耕地" or inside "（需核实）"."""
    from landcheck.config import vocabulary

    cats = list(vocabulary().categories)
    many = findings.copy()
    many["category"] = [cats[i % len(cats)] for i in range(len(many))]
    many["area_m2"] = 1_234_567.0
    many["area_mu"] = 1851.85
    path = maps.write_map(maps.inspection_map(many, title="示例镇 核查"), tmp_path / "m.html")
    pg = Page(scrollbar_browser, network="blocked", phone=phone)
    try:
        page = pg.open(path)
        page.evaluate("document.querySelector('.lc-legend details').open = true")  # a phone opens it folded
        page.set_viewport_size({"width": page.viewport_size["width"], "height": 450})  # the legend scrolls: a scrollbar takes its width
        cells = page.eval_on_selector_all(".lc-legend td:nth-child(2)", """tds => tds.map(td => {
            const text = td.textContent, tops = [];
            const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode())
                for (let i = 0; i < n.length; i++) {
                    const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
                    tops.push(Math.round(r.getBoundingClientRect().top));
                }
            const breaks = [];
            for (let i = 1; i < tops.length; i++) if (tops[i] > tops[i - 1] + 2) breaks.push(text.slice(i));
            return {text, breaks, clipped: td.scrollWidth > td.clientWidth + 1 || td.getBoundingClientRect().right >
                    td.closest('.lc-legend').getBoundingClientRect().right + 1};
        })""")
        labels = [c["text"] for c in cells]
        assert "其他非耕地（需核实）" in labels and "设施农用地（需核实备案）" in labels
        assert [c["text"] for c in cells if c["clipped"]] == []
        assert [(c["text"], b) for c in cells for b in c["breaks"] if not b.startswith("（")] == []
    finally:
        pg.close()
