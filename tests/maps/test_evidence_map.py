"""Field photos on the ledger's map (landcheck evidence): the task's popup shows its thumbnails (embedded,
so the offline page keeps them) with stage and time, and each photo has a marker and a direction arrow."""

from __future__ import annotations

from landcheck import maps
from landcheck.config import vocabulary
from landcheck.evidence import evidence_settings
from landcheck.evidence.importer import import_folder

from ..evidence.conftest import write_photo
from ..evidence.test_core import ll
from ..evidence.test_import import make_ledger
from .test_maps import Page, browser, playwright  # noqa: F401 - fixtures


def ledger_with_photos(tmp_path):
    ledger = make_ledger(tmp_path / "ledger.gpkg")
    f = tmp_path / "field"
    write_photo(f / "a.jpg", *ll(50, 50), direction=45.0)
    write_photo(f / "b.jpg", *ll(-20, 50), direction=90.0, color=(5, 5, 5))
    import_folder(f, ledger, evidence_settings())
    return ledger


def test_ledger_map_payload_carries_thumbnails(tmp_path):
    src = maps.read_source(ledger_with_photos(tmp_path))
    view = maps.prepare_findings(src.frame)
    photos = view.table.set_index("id")["photos"]
    assert len(photos["SL-2026-0001"]) == 2 and photos["SL-2026-0002"] == []
    html = maps.render_html(maps.inspection_map(view))
    assert html.count('"photos":') == 1 and "/9j/" in html  # JPEG thumbnails as base64


def test_browser_popup_shows_the_thumbnails_and_markers(browser, tmp_path):  # noqa: F811
    src = maps.read_source(ledger_with_photos(tmp_path))
    pages = maps.write_village_maps(maps.prepare_findings(src.frame), tmp_path / "villages")
    pg = Page(browser, network="blocked")
    try:
        page = pg.open(pages["东村"])
        assert page.locator("path.lc-photo-mark").count() == 2 and page.locator("path.lc-photo-dir").count() == 2
        ids = page.evaluate("LC.layers.findings.lcShapes.map(s => s.options.lcid)")
        assert pg.click_finding(ids.index("SL-2026-0001")) == "SL-2026-0001"
        imgs = page.locator(".lc-popup .lc-photo img")
        assert imgs.count() == 2 and imgs.first.get_attribute("src").startswith("data:image/jpeg;base64,")
        assert page.evaluate("Array.from(document.querySelectorAll('.lc-popup .lc-photo img')).every(i => i.naturalWidth > 0)")
        assert vocabulary().label("evidence_stage_before") in page.inner_text(".lc-popup .lc-photos")
        script_errors = [e for e in pg.errors if not e.startswith("Failed to load resource")]  # tiles: no network
        assert script_errors == [], script_errors
    finally:
        pg.close()
