"""Reading photos (EXIF GPS, time, direction, DJI XMP, limits), matching them to task grounds (inside,
nearest within a tolerance, facing), their stage, and GPX tracks passing tasks."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from landcheck.evidence import Limits, evidence_settings, match_photos, read_gpx, read_photo, stage_of, stage_times, tasks_passed

TO_GK = Transformer.from_crs(4326, 4527, always_xy=True)
TO_LL = Transformer.from_crs(4527, 4326, always_xy=True)
X0, Y0 = TO_GK.transform(117.1, 37.3)


def ll(dx: float, dy: float) -> tuple[float, float]:
    """lon/lat of the point dx, dy metres from the origin."""
    return TO_LL.transform(X0 + dx, Y0 + dy)


def tasks() -> gpd.GeoDataFrame:
    """Three 100 m squares in a row, 200 m apart: T1 at 0, T2 at 300, T3 at 600 (metres east)."""
    return gpd.GeoDataFrame({"issue_id": ["T1", "T2", "T3"], "done_date": ["", "2026-06-10", ""]},
                            geometry=[shapely.box(X0 + x, Y0, X0 + x + 100, Y0 + 100) for x in (0, 300, 600)], crs=4527)


def records(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"lon": ll(dx, dy)[0], "lat": ll(dx, dy)[1], "direction": d, "drone": drone, "gimbal_pitch": p}
                         for dx, dy, d, drone, p in rows])


def test_read_photo_exif_and_xmp(tmp_path, photo):
    lon, lat = ll(50, 50)
    r = read_photo(photo(tmp_path / "a.jpg", lon, lat, direction=91.25))
    assert (round(r.lon, 6), round(r.lat, 6)) == (round(lon, 6), round(lat, 6))
    assert r.taken_at == "2026-06-12T09:30:00+08:00" and r.direction == 91.25 and r.altitude == 35.5
    assert r.device == "HUAWEI P60" and not r.drone and r.reason == "" and len(r.sha256) == 64
    assert 100 < len(r.thumbnail) < 8000
    d = read_photo(photo(tmp_path / "d.jpg", lon, lat, yaw=-95.5, make="DJI", model="M3E", offset="+07:00"))
    assert d.drone and d.direction == 264.5 and d.relative_altitude == 80.2 and d.gimbal_pitch == -30.0
    assert d.taken_at == "2026-06-12T09:30:00+07:00"
    other = read_photo(photo(tmp_path / "o.jpg", lon, lat), Limits(default_offset="+09:00"))
    assert other.taken_at.endswith("+09:00")


def test_unusable_files_are_reasons_not_crashes(tmp_path, photo, bomb):
    assert read_photo(photo(tmp_path / "n.jpg")).reason == "evidence_reason_no_position"
    (tmp_path / "c.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    assert read_photo(tmp_path / "c.jpg").reason == "evidence_reason_unreadable"
    b = read_photo(bomb(tmp_path / "b.jpg"))
    assert b.reason == "evidence_reason_bomb" and b.thumbnail == ""
    big = photo(tmp_path / "big.jpg", *ll(0, 0), size=(1200, 1000))
    assert read_photo(big, Limits(max_megapixels=1.0)).reason == "evidence_reason_bomb"
    assert read_photo(big, Limits(max_file_mb=0.000001)).reason == "evidence_reason_too_large"
    (tmp_path / "h.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    assert read_photo(tmp_path / "h.heic").reason in ("evidence_reason_heic", "evidence_reason_unreadable")


def test_match_inside_nearest_facing_and_drone():
    s = evidence_settings()
    # inside T1; 20 m west of T1 facing east (it); 20 m west of T1 facing west (away); 20 m south of T2
    # without direction; a drone 80 m north of T3 looking south; a handheld 80 m north of T3; far away
    m = match_photos(records((50, 50, None, False, None), (-20, 50, 90.0, False, None), (-20, 50, 270.0, False, None),
                             (350, -20, None, False, None), (650, 180, 180.0, True, -30.0), (650, 180, None, False, None),
                             (5000, 0, None, False, None)), tasks(), s)
    assert list(m["issue_id"]) == ["T1", "T1", "", "T2", "T3", "", ""]
    assert list(m["reason"]) == ["", "", "evidence_reason_facing_away", "", "", "evidence_reason_too_far", "evidence_reason_too_far"]
    assert m["distance_m"][0] == 0 and abs(m["distance_m"][1] - 20) < 0.5 and abs(m["distance_m"][4] - 80) < 0.5
    # a nadir drone photo's yaw is no direction: it matches even "facing away"
    nadir = match_photos(records((650, 180, 0.0, True, -90.0)), tasks(), s)
    assert list(nadir["issue_id"]) == ["T3"]


def test_stage_from_history_and_done_date():
    hist = pd.DataFrame({"time": ["2026-05-01T10:00:00", "2026-05-20T08:00:00"], "issue_id": ["T1", "T1"],
                         "field": ["status", "status"], "old": ["未整改", "整改中"], "new": ["整改中", "已整改"], "origin": ["import"] * 2})
    times = stage_times(hist, tasks())
    assert stage_of(datetime(2026, 4, 30), times["T1"]) == "before"
    assert stage_of(datetime(2026, 5, 10), times["T1"]) == "during"
    assert stage_of(datetime(2026, 5, 20, 8), times["T1"]) == "after"
    assert stage_of(datetime(2026, 6, 9), times["T2"]) == "before" and stage_of(datetime(2026, 6, 10), times["T2"]) == "after"
    assert stage_of(datetime(2026, 6, 9), times.get("T3", (None, None))) == "before"


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>{name}</name><trkseg>
{points}</trkseg></trk></gpx>"""


def write_gpx(path, name, metres, when="2026-06-12T01:00:00Z"):
    pts = "".join(f'<trkpt lat="{ll(x, y)[1]:.7f}" lon="{ll(x, y)[0]:.7f}"><time>{when}</time></trkpt>\n' for x, y in metres)
    path.write_text(GPX.format(name=name, points=pts), encoding="utf-8")
    return path


def test_gpx_track_passes_two_of_three_tasks(tmp_path):
    # along y = 120 (20 m north of the squares) from T1 to T2, then turning north before T3
    p = write_gpx(tmp_path / "walk.gpx", "东村巡查", [(-50, 120), (200, 120), (450, 120), (450, 400)])
    (track,), reason = read_gpx(p)
    assert reason == "" and track.name == "东村巡查" and track.date == "2026-06-12"
    passed = tasks_passed(track, tasks(), 30.0)
    assert [i for i, _ in passed] == ["T1", "T2"] and all(abs(d - 20) < 0.5 for _, d in passed)
    (tmp_path / "bad.gpx").write_text("<gpx><trk>", encoding="utf-8")
    assert read_gpx(tmp_path / "bad.gpx")[0] == [] and read_gpx(tmp_path / "bad.gpx")[1].startswith("evidence_reason_unreadable")
