"""Filed 设施农用地 records judged by type, filing date and plough layer (landcheck.checks.facilities):
each type × date, every date form through the records, keyword precedence, field aliases, overlaps
(strictest verdict wins), the verdicts' words, the counts, and the bundled sample township."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landcheck import units
from landcheck.checks.facilities import (REACHABLE, allowed_union, classify_records, record_counts, record_verdict,
                                         split_pieces, verdict_rule, verdict_zones)
from landcheck.config import FACILITY_VERDICTS, facility_rules, load_rules, vocabulary
from landcheck.layers import read_layer
from tests.helpers import LAYERS, origin_xy, write_layer
from tests.helpers import facility_records as records

RULES = load_rules()
CUTOFF = dt.date(2021, 11, 27)
DATES = {"before": "2021-11-26", "on": "2021-11-27", "after": "2022-03-01", "missing": "", "unreadable": "去年秋天"}


def one(**fields):
    out, notes = classify_records(records(fields), RULES)
    return out.iloc[0], notes


# ---------------------------------------------------------------- type × date × plough layer
VERDICT_TABLE = {
    # (type, plough value): verdict by date before / on / after / missing / unreadable
    ("种植设施", ""): ("allowed",) * 5,
    ("种植设施", "否"): ("allowed",) * 5,
    ("种植设施", "是"): ("allowed", "planting_breaking_new", "planting_breaking_new", "undated", "undated"),
    ("畜禽养殖设施", ""): ("animal_before", "animal_new", "animal_new", "undated", "undated"),
    ("畜禽养殖设施", "否"): ("animal_before", "animal_new", "animal_new", "undated", "undated"),
    ("水产养殖设施", ""): ("animal_before", "animal_new", "animal_new", "undated", "undated"),
    ("", ""): ("unknown_type",) * 5,
    ("厂房", "是"): ("unknown_type",) * 5,
}


@pytest.mark.parametrize("type_value,plough", list(VERDICT_TABLE))
@pytest.mark.parametrize("when", list(DATES))
def test_each_type_by_date(type_value, plough, when):
    row, _ = one(备案编号="A1", 设施类型=type_value, 备案日期=DATES[when], 是否破坏耕作层=plough)
    assert row["verdict"] == VERDICT_TABLE[(type_value, plough)][list(DATES).index(when)]
    assert row["filed_date"] == (dt.date.fromisoformat(DATES[when]) if when in ("before", "on", "after") else None)


def test_record_verdict_directly():
    assert record_verdict("planting", None, None, CUTOFF) == "allowed"
    assert record_verdict("planting", CUTOFF, True, CUTOFF) == "planting_breaking_new"
    assert record_verdict("planting", CUTOFF - dt.timedelta(days=1), True, CUTOFF) == "allowed"
    assert record_verdict("aquaculture", CUTOFF, False, CUTOFF) == "animal_new"
    assert record_verdict("livestock", CUTOFF - dt.timedelta(days=1), None, CUTOFF) == "animal_before"
    assert record_verdict("livestock", None, None, CUTOFF) == "undated"
    assert record_verdict("unknown", CUTOFF, True, CUTOFF) == "unknown_type"


@pytest.mark.parametrize("value,expected", [
    ("2022-03-01", dt.date(2022, 3, 1)), ("2022/3/1", dt.date(2022, 3, 1)), ("2022.3.1", dt.date(2022, 3, 1)),
    ("20211127", CUTOFF), (20211126, dt.date(2021, 11, 26)), ("2021年11月27日", CUTOFF), (44527, CUTOFF),
    (44526.5, dt.date(2021, 11, 26)), (dt.date(2021, 11, 27), CUTOFF), (np.datetime64("2021-11-27T08:00"), CUTOFF),
    ("2021-11-26T23:59:59", dt.date(2021, 11, 26)),
])
def test_every_date_form_decides_the_verdict(value, expected):
    row, notes = one(备案编号="A1", 设施类型="畜禽养殖设施", 备案日期=value)
    assert row["filed_date"] == expected and notes == []
    assert row["verdict"] == ("animal_new" if expected >= CUTOFF else "animal_before")


def test_a_datetime_column_is_read():
    df = records({"备案编号": "A1", "设施类型": "养殖场"}, {"备案编号": "A2", "设施类型": "养殖场"})
    df["备案日期"] = np.array(["2021-11-26T12:00", "NaT"], dtype="datetime64[ms]")
    out, notes = classify_records(df, RULES)
    assert list(out["verdict"]) == ["animal_before", "undated"]
    assert notes == ["facility record A2: no filing date"]


# ---------------------------------------------------------------- notes: nothing guessed
def test_unreadable_and_missing_dates_are_reported_by_record():
    df = records({"备案编号": "商设农备〔2022〕001号", "设施类型": "鱼塘", "备案日期": "22年3月"},
                 {"备案编号": "", "设施类型": "鱼塘", "备案日期": ""},
                 {"备案编号": "X3", "设施类型": "鱼塘", "备案日期": "2022-02-30"})
    out, notes = classify_records(df, RULES)
    assert list(out["record_id"]) == ["商设农备〔2022〕001号", "#2", "X3"]  # no 备案编号: the feature id
    assert list(out["verdict"]) == ["undated"] * 3 and out["filed_date"].isna().all()
    assert notes == ["facility record 商设农备〔2022〕001号: filing date '22年3月' is not a date (not guessed; write it as 2022-03-01)",
                     "facility record #2: no filing date",
                     "facility record X3: filing date '2022-02-30' is not a date (not guessed; write it as 2022-03-01)"]


def test_missing_fields_are_reported_once():
    df = records({"BSM": "7", "名称": "某项目"}, {"BSM": "8", "名称": "某项目"})
    out, notes = classify_records(df, RULES)
    assert list(out["record_id"]) == ["7", "8"] and set(out["verdict"]) == {"unknown_type"}
    assert len(notes) == 2
    assert notes[0].startswith("facility records: no facility-type field (looked for SSLX, 设施类型")
    assert notes[1].startswith("facility records: no filing-date field (looked for BARQ, 备案日期")


def test_unknown_types_and_plough_values_are_reported():
    df = records({"备案编号": "A1", "设施类型": "厂房", "备案日期": "2022-01-01"},
                 {"备案编号": "A2", "设施类型": "厂房", "备案日期": "2022-01-01"},
                 {"备案编号": "A3", "设施类型": "", "备案日期": "2022-01-01"},
                 {"备案编号": "A4", "设施类型": "辅助设施", "备案日期": "2022-01-01"},
                 {"备案编号": "A5", "设施类型": "大棚", "备案日期": "2022-01-01", "是否破坏耕作层": "部分"})
    out, notes = classify_records(df, RULES)
    assert list(out["verdict"]) == ["unknown_type"] * 4 + ["allowed"]
    assert out["breaks_plough"].iloc[4] is None
    assert notes == [
        "facility type '厂房' is not in rules.toml [facility.types] (2 records: A1, A2): to verify; map it in the rules file",
        "facility record A3: no facility type",  # 辅助设施 is in the table (as unknown): no note
        "facility record A5: plough-layer value '部分' is neither yes nor no (rules.toml [facility.plough_layer]): "
        "read as not stated",
    ]


# ---------------------------------------------------------------- the type table
@pytest.mark.parametrize("value,kind", [
    ("种植设施", "planting"), ("晾晒场", "planting"), ("粮食晾晒场", "planting"), ("农机具存放", "planting"),
    ("看护房", "planting"), ("大棚", "planting"), ("蔬菜大棚", "planting"), ("日光温室", "planting"),
    ("育秧中心", "planting"), ("食用菌", "planting"), ("羊肚菌种植棚", "planting"), ("鸡腿菇大棚", "planting"),
    ("畜禽养殖设施", "livestock"), ("养殖场", "livestock"), ("生猪养殖场", "livestock"), ("猪场", "livestock"),
    ("牛场", "livestock"), ("羊舍", "livestock"), ("肉鸡养殖场", "livestock"), ("养殖大棚", "livestock"),
    ("养殖看护房", "livestock"),
    ("水产养殖设施", "aquaculture"), ("水产养殖场", "aquaculture"), ("鱼塘", "aquaculture"),
    ("养殖池", "aquaculture"), ("对虾养殖大棚", "aquaculture"), ("渔业设施", "aquaculture"),
    (" 鱼 塘 ", "aquaculture"), ("ＳＳ鱼塘", "aquaculture"),
    ("辅助设施", "unknown"), ("厂房", "unknown"), ("", "unknown"),
])
def test_type_table_and_keyword_precedence(value, kind):
    row, _ = one(设施类型=value, 备案日期="2022-01-01")
    assert row["facility_kind"] == kind
    assert row["facility_type"] == value.strip()


def test_aquaculture_keywords_come_before_the_generic_养殖():
    keywords = facility_rules(RULES).keywords
    words, kinds = [w for w, _ in keywords], dict(keywords)
    first_generic = words.index("养殖")
    assert all(words.index(w) < first_generic for w, k in kinds.items() if k == "aquaculture")
    assert all(words.index(w) > first_generic for w, k in kinds.items() if k == "planting" and w not in ("食用菌", "菌", "菇"))


@pytest.mark.parametrize("columns", [
    {"BABH": "A1", "sslx": "鱼塘", "basj": "2022-01-01", "phgzc": "Y"},
    {"备案号": "A1", "设施类别": "鱼塘", "备案时间": "2022/1/1", "SFPHGZC": "1"},
    {"上图入库号": "A1", "类型": "鱼塘", "BARQ": 44562},
])
def test_fields_are_found_by_alias_case_insensitively(columns):
    row, notes = one(**columns)
    assert (row["record_id"], row["facility_kind"], row["filed_date"], row["verdict"]) == \
           ("A1", "aquaculture", dt.date(2022, 1, 1), "animal_new")
    assert notes == []


@pytest.mark.parametrize("value,breaks", [("是", True), ("1", True), ("y", True), ("TRUE", True), ("破坏", True),
                                          ("否", False), ("0", False), ("N", False), ("不破坏", False), ("", None)])
def test_plough_layer_values(value, breaks):
    row, notes = one(设施类型="大棚", 备案日期="2022-01-01", 是否破坏耕作层=value)
    assert row["breaks_plough"] is breaks and notes == []
    assert row["verdict"] == ("planting_breaking_new" if breaks else "allowed")


def test_records_read_from_files_keep_their_meaning(tmp_path):
    df = records({"备案编号": "A1", "设施类型": "生猪养殖场", "备案日期": "2022-03-01", "是否破坏耕作层": ""},
                 {"备案编号": "A2", "设施类型": "蔬菜大棚", "备案日期": "2022/3/1", "是否破坏耕作层": "是"},
                 {"备案编号": "A3", "设施类型": "鱼塘", "备案日期": "2020年5月1日", "是否破坏耕作层": "否"})
    for fmt in ("gpkg", "shp"):  # the Shapefile cuts 是否破坏耕作层 at 10 bytes
        path = write_layer(df, tmp_path / fmt, fmt, name="设施", encoding="GBK" if fmt == "shp" else None)
        read, _ = read_layer(path, kind="facility", require_landuse=False)
        out, notes = classify_records(read, RULES)
        assert list(out["verdict"]) == ["animal_new", "planting_breaking_new", "animal_before"], fmt
        assert notes == [], fmt


def test_no_records():
    for given in (None, records()):
        out, notes = classify_records(given, RULES)
        assert len(out) == 0 and notes == [] and set(("verdict", "record_id")) <= set(out.columns)
        assert allowed_union(out, 4527) is None and len(verdict_zones(out, 4527)) == 0


# ---------------------------------------------------------------- overlaps: the strictest verdict wins
def test_overlapping_records_strictest_wins():
    x0, y0 = origin_xy()
    a = shapely.box(x0, y0, x0 + 100, y0 + 100)           # allowed
    b = shapely.box(x0 + 50, y0, x0 + 150, y0 + 100)      # animal_new, over half of a
    c = shapely.box(x0 + 120, y0, x0 + 220, y0 + 100)     # animal_before, partly under b
    df = records({"备案编号": "A", "设施类型": "大棚", "备案日期": "2022-01-01"},
                 {"备案编号": "B", "设施类型": "养鸡场", "备案日期": "2022-01-01"},
                 {"备案编号": "C", "设施类型": "鱼塘", "备案日期": "2021-01-01"}, geoms=[a, b, c])
    out, _ = classify_records(df, RULES)
    zones = verdict_zones(out, "EPSG:4527")
    assert list(zones["verdict"]) == ["animal_new", "animal_before", "allowed"]
    assert list(zones["record_ids"]) == [("B",), ("C",), ("A",)]
    geom = dict(zip(zones["verdict"], zones.geometry))
    assert geom["animal_new"].area == pytest.approx(100 * 100)
    assert geom["animal_before"].area == pytest.approx(70 * 100)
    assert geom["allowed"].area == pytest.approx(50 * 100)
    assert shapely.union_all(zones.geometry.to_numpy()).area == pytest.approx(220 * 100)  # disjoint, nothing lost
    allowed = allowed_union(out, "EPSG:4527")
    assert allowed.area == pytest.approx(50 * 100) and not allowed.intersects(shapely.box(x0 + 51, y0 + 1, x0 + 99, y0 + 99))


def test_pieces_split_by_the_zones():
    """A 1202 piece over an allowed record, a new 养殖 record over part of it, and unfiled ground."""
    x0, y0 = origin_xy()
    a = shapely.box(x0, y0, x0 + 100, y0 + 100)
    b = shapely.box(x0 + 50, y0, x0 + 150, y0 + 100)
    out, _ = classify_records(records({"设施类型": "大棚", "备案日期": "2022-01-01"},
                                      {"设施类型": "鸭棚", "备案日期": "2022-01-01"}, geoms=[a, b]), RULES)
    pieces = np.array([shapely.box(x0 + 20, y0, x0 + 200, y0 + 10), shapely.box(x0 + 300, y0, x0 + 310, y0 + 10)])
    parts = split_pieces(pieces, verdict_zones(out, 4527))
    assert list(parts) == ["animal_new", "allowed", "unfiled"]
    assert shapely.area(parts["animal_new"]).tolist() == pytest.approx([1000, 0])
    assert shapely.area(parts["allowed"]).tolist() == pytest.approx([300, 0])
    assert shapely.area(parts["unfiled"]).tolist() == pytest.approx([500, 100])
    none = split_pieces(pieces, verdict_zones(classify_records(None, RULES)[0], 4527))
    assert list(none) == ["unfiled"] and shapely.area(none["unfiled"]).tolist() == pytest.approx([1800, 100])


@pytest.mark.parametrize("k", range(len(FACILITY_VERDICTS) - 1))
def test_each_verdict_wins_over_the_next(k):
    """Two records over the same square, of neighbouring verdicts in the order: the first one takes it."""
    rows = {
        "animal_new": {"设施类型": "养猪场", "备案日期": "2022-01-01"},
        "planting_breaking_new": {"设施类型": "温室", "备案日期": "2022-01-01", "是否破坏耕作层": "是"},
        "animal_before": {"设施类型": "养猪场", "备案日期": "2020-01-01"},
        "undated": {"设施类型": "养猪场", "备案日期": ""},
        "unknown_type": {"设施类型": "厂房", "备案日期": "2022-01-01"},
        "allowed": {"设施类型": "温室", "备案日期": "2022-01-01"},
    }
    x0, y0 = origin_xy()
    sq = shapely.box(x0, y0, x0 + 40, y0 + 40)
    stricter, weaker = FACILITY_VERDICTS[k], FACILITY_VERDICTS[k + 1]
    out, _ = classify_records(records({"备案编号": "W", **rows[weaker]}, {"备案编号": "S", **rows[stricter]},
                                      geoms=[sq, sq]), RULES)
    assert list(out["verdict"]) == [weaker, stricter]
    zones = verdict_zones(out, 4527)
    assert list(zones["verdict"]) == [stricter] and zones.geometry.iloc[0].area == pytest.approx(1600)


def test_zones_in_another_crs():
    out, _ = classify_records(records({"备案编号": "A", "设施类型": "大棚", "备案日期": "2022-01-01"}), RULES)
    u = allowed_union(out, "EPSG:4490")
    assert u.bounds[0] == pytest.approx(117.1, abs=0.01)
    assert units.ellipsoidal_area(np.array([u]), "EPSG:4490")[0] == pytest.approx(2500, rel=1e-4)


# ---------------------------------------------------------------- the words of each verdict, counts
def test_verdict_rules_use_vocabulary_words():
    vocab = vocabulary()
    allowed = verdict_rule(RULES, "allowed")
    assert allowed.category == "infrastructure" and not allowed.is_finding
    new = verdict_rule(RULES, "animal_new")
    assert (new.category, new.severity, new.suggested_measure) == ("facility", "error", "拆除复耕")
    assert "养殖设施" in new.problem_type
    breaking = verdict_rule(RULES, "planting_breaking_new")
    assert (breaking.severity, breaking.suggested_measure) == ("error", "拆除复耕") and "耕作层" in breaking.problem_type
    before = verdict_rule(RULES, "animal_before")
    assert (before.severity, before.suggested_measure) == ("warning", "核实举证/调出补划")
    assert verdict_rule(RULES, "undated").suggested_measure == "核实举证"
    assert verdict_rule(RULES, "unknown_type").problem_type == "设施类型不明（需核实）"
    for v in FACILITY_VERDICTS[:-1]:
        r = verdict_rule(RULES, v)
        assert r.is_finding and r.problem_type in vocab.problem_types and r.suggested_measure in vocab.measures
    with pytest.raises(ValueError, match="unknown facility verdict"):
        verdict_rule(RULES, "legal")


def test_record_counts_by_kind_and_verdict():
    df = records({"设施类型": "大棚", "备案日期": "2022-01-01"}, {"设施类型": "温室", "备案日期": "2020-01-01"},
                 {"设施类型": "鱼塘", "备案日期": "2022-01-01"}, {"设施类型": "猪场", "备案日期": ""},
                 {"设施类型": "厂房"})
    out, _ = classify_records(df, RULES)
    counts = record_counts(out)
    assert counts["planting"] == {"allowed": 2, "planting_breaking_new": 0, "undated": 0}
    assert counts["aquaculture"]["animal_new"] == 1 and counts["livestock"]["undated"] == 1
    assert counts["unknown"] == {"unknown_type": 1}
    assert sum(n for kind in counts.values() for n in kind.values()) == 5
    assert record_counts(None) == {k: {v: 0 for v in vs} for k, vs in REACHABLE.items()}


# ---------------------------------------------------------------- the bundled sample township
@pytest.mark.skipif(not (LAYERS / "facility_records.gpkg").exists(), reason="no bundled sample")
def test_sample_township_records():
    rec, _ = read_layer(LAYERS / "facility_records.gpkg", kind="facility", require_landuse=False)
    out, notes = classify_records(rec, RULES)
    assert notes == []
    assert not (out["facility_kind"] == "unknown").any()
    assert set(out.loc[out["facility_kind"] == "planting", "verdict"]) == {"allowed"}  # no record says it breaks
    animal = out[out["facility_kind"].isin(["livestock", "aquaculture"])]
    assert set(animal["verdict"]) == {"animal_new", "animal_before"}
    assert (animal["filed_date"] >= CUTOFF).eq(animal["verdict"] == "animal_new").all()
    fm, _ = read_layer(LAYERS / "farmland.gpkg", kind="farmland", require_landuse=False)
    zones = verdict_zones(out, fm.crs)
    new = zones.geometry[zones["verdict"] == "animal_new"].iloc[0]
    inside = shapely.intersection(shapely.union_all(fm.geometry.to_numpy()), new)
    assert units.area_mu(units.ellipsoidal_area(np.array([inside]), fm.crs)[0]) > 1.0  # 养殖 records on the farmland
