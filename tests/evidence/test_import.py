"""evidence import into a ledger: the photos layer and history rows, re-import changes nothing, every photo
attached or listed with its reason, GPX site checks, --copy-to copies named by task."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landcheck.config import vocabulary
from landcheck.errors import LandcheckError
from landcheck.evidence import evidence_settings
from landcheck.evidence.importer import import_folder, report_frame
from landcheck.evidence.store import read_photos
from landcheck.ledger import ledger_lock, load_ledger, new_ledger, save_ledger
from landcheck.ledger.schema import normalise_tasks

from .test_core import X0, Y0, ll, write_gpx

LABEL = vocabulary().label


def make_ledger(path, done_date=""):
    """A ledger with three 100 m squares T1, T2, T3 (200 m apart, EPSG:4527); T2 done on `done_date`."""
    tasks = gpd.GeoDataFrame({"issue_id": ["SL-2026-0001", "SL-2026-0002", "SL-2026-0003"], "status": ["未整改", "已整改" if done_date else "未整改", "未整改"],
                              "done_date": ["", done_date, ""], "village": ["东村"] * 3,
                              "area_m2": [10000.0] * 3, "area_mu": [15.0] * 3},
                             geometry=[shapely.box(X0 + x, Y0, X0 + x + 100, Y0 + 100) for x in (0, 300, 600)], crs=4527)
    led = new_ledger(4527)
    led.tasks = normalise_tasks(tasks)
    with ledger_lock(path):
        save_ledger(led, path)
    return path


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def field_folder(tmp_path, photo, bomb):
    f = tmp_path / "photos"
    photo(f / "inside.jpg", *ll(50, 50))
    photo(f / "phone2" / "facing.jpg", *ll(-20, 50), direction=90.0, color=(10, 20, 30))
    photo(f / "phone2" / "away.jpg", *ll(-20, 50), direction=270.0, color=(30, 20, 10))
    photo(f / "nogps.jpg", color=(200, 0, 0))
    photo(f / "DJI" / "DJI_0001.JPG", *ll(650, 180), yaw=180.0, make="DJI", model="M3E", when="2026:06:15 10:00:00",
          color=(0, 0, 200))
    (f / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0broken")
    bomb(f / "bomb.jpg")
    write_gpx(f / "track.gpx", "东村巡查", [(-50, 120), (200, 120), (450, 120), (450, 400)])
    return f


def test_import_attaches_lists_and_is_idempotent(tmp_path, field_folder):
    ledger = make_ledger(tmp_path / "out" / "ledger.gpkg", done_date="2026-06-01")
    s = evidence_settings()
    r = import_folder(field_folder, ledger, s)
    rep = r.report.set_index("file")
    assert rep.loc["inside.jpg", "issue_id"] == "SL-2026-0001" and rep.loc["inside.jpg", "status"] == "attached"
    assert rep.loc["phone2/facing.jpg", "issue_id"] == "SL-2026-0001"
    assert rep.loc["phone2/away.jpg", "reason"] == "evidence_reason_facing_away"
    assert rep.loc["nogps.jpg", "reason"] == "evidence_reason_no_position"
    assert rep.loc["DJI/DJI_0001.JPG", "issue_id"] == "SL-2026-0003"
    assert rep.loc["corrupt.jpg", "reason"] == "evidence_reason_unreadable"
    assert rep.loc["bomb.jpg", "reason"] == "evidence_reason_bomb"
    assert r.count("attached") == 3 and r.count("listed") == 4 and len(r.report) == 7
    assert sorted(v[0] for v in r.visits) == ["SL-2026-0001", "SL-2026-0002"]
    photos = read_photos(ledger)
    assert len(photos) == 3 and set(photos["stage"]) == {LABEL("evidence_stage_before")}
    assert set(photos["path"]) == {"../photos/inside.jpg", "../photos/phone2/facing.jpg", "../photos/DJI/DJI_0001.JPG"}
    assert all(0 < len(t) < 8000 for t in photos["thumbnail"]) and photos.crs.to_epsg() == 4326
    hist = load_ledger(ledger).history
    assert (hist["field"] == "photo").sum() == 3 and (hist["field"] == "site_check").sum() == 2
    assert "2026-06-12 东村巡查" in set(hist["new"])
    csv = report_frame(r)
    assert LABEL("evidence_reason_bomb") in set(csv["reason"])
    # the same folder again: nothing changes, the ledger file is not even rewritten
    before = sha(ledger)
    again = import_folder(field_folder, ledger, s)
    assert sha(ledger) == before and again.count("known") == 3 and again.count("attached") == 0 and again.visits == []
    # the originals are only read
    assert (field_folder / "corrupt.jpg").read_bytes() == b"\xff\xd8\xff\xe0broken"


def test_stage_override_and_after(tmp_path, photo):
    ledger = make_ledger(tmp_path / "ledger.gpkg", done_date="2026-06-01")
    f = tmp_path / "p"
    photo(f / "t2.jpg", *ll(350, 50))
    assert read_after(import_folder(f, ledger, evidence_settings())) == LABEL("evidence_stage_after")
    ledger2 = make_ledger(tmp_path / "l2" / "ledger.gpkg")
    assert read_after(import_folder(f, ledger2, evidence_settings(), stage="during")) == LABEL("evidence_stage_during")


def read_after(result):
    return result.report["stage"].iloc[0]


def test_copy_to_names_by_task_and_never_twice(tmp_path, photo):
    ledger = make_ledger(tmp_path / "ledger.gpkg")
    f = tmp_path / "p"
    photo(f / "a.jpg", *ll(50, 50))
    photo(f / "b.jpg", *ll(60, 50), color=(1, 2, 3))
    r = import_folder(f, ledger, evidence_settings(), copy_to=tmp_path / "by_task")
    names = sorted(p.name for p in r.copies)
    assert names == ["SL-2026-0001_整改前_1.jpg", "SL-2026-0001_整改前_2.jpg"]
    again = import_folder(f, ledger, evidence_settings(), copy_to=tmp_path / "by_task")
    assert again.copies == [] and len(list((tmp_path / "by_task").iterdir())) == 2
    with pytest.raises(LandcheckError, match="inside the ledger's folder"):
        import_folder(f, ledger, evidence_settings(), copy_to=tmp_path / "by_task" / ".." / ".." / "elsewhere")
    assert not (tmp_path.parent / "elsewhere").exists()
