"""landuse.py: the packaged code table, its class inside permanent basic farmland, and the reading of
delivered codes and names (zero padding, suffixes, 二调 vs 三调 3-digit codes, names only)."""

from __future__ import annotations

import csv

import pytest

from landcheck import landuse
from landcheck.landuse import normalise_codes
from tests.helpers import DOMAIN



def _domain_rows(name):
    with open(DOMAIN / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ the table
@pytest.mark.skipif(not (DOMAIN / "landuse_codes.csv").exists(), reason="../shared/domain absent")
def test_every_domain_code_is_packaged_with_the_same_facts():
    rows = _domain_rows("landuse_codes.csv")
    table = landuse.code_table()
    assert len(rows) > 100 and len(table) == len(rows)
    for r in rows:
        entry = table[r["code"]]
        assert (entry.in_pbf, entry.name_zh, entry.parent, entry.group) == (r["in_pbf"], r["name_zh"], r["parent"], r["group"]), r["code"]
        assert landuse.pbf_class(r["code"]) == r["in_pbf"]


@pytest.mark.skipif(not (DOMAIN / "erdiao_names.csv").exists(), reason="../shared/domain absent")
def test_every_erdiao_name_is_packaged_and_maps_to_a_known_code():
    rows = _domain_rows("erdiao_names.csv")
    table = landuse.erdiao_table()
    assert len(table) == len(rows)
    for r in rows:
        assert table[r["code_2nd"]] == (r["name_2nd"], r["code_3rd"])
        assert landuse.lookup(r["code_3rd"]) is not None, r


def test_classes_are_the_six_known_ones():
    classes = {e.in_pbf for e in landuse.code_table().values()}
    assert classes == set(landuse.PBF_CLASSES)


@pytest.mark.parametrize("code,cls", [
    ("0101", "ok"), ("0102", "ok"), ("0103", "ok"), ("1006", "infrastructure"), ("1107", "infrastructure"),
    ("1203", "infrastructure"), ("1202", "facility"), ("0201", "non_grain"), ("0307", "non_grain"),
    ("1104A", "non_grain"), ("0702", "non_farm"), ("0601", "non_farm"), ("1107A", "non_farm"), ("1101", "other"),
])
def test_pbf_class(code, cls):
    assert landuse.pbf_class(code) == cls


def test_lookups_by_code_and_unknowns():
    assert landuse.name_of("0101") == "水田" and landuse.name_of("09") == "特殊用地"
    assert landuse.lookup("0101").is_cultivated and not landuse.lookup("0201").is_cultivated
    assert landuse.lookup("9999") is None and landuse.pbf_class("9999") is None and landuse.name_of(None) is None
    assert landuse.pbf_class(None) is None


@pytest.mark.parametrize("name,code", [
    ("水田", "0101"), (" 旱地 ", "0103"), ("农村宅基地", "0702"), ("养殖坑塘", "1104A"), ("特殊用地", "09"),
    # 二调-era names
    ("有林地", "0301"), ("村庄", "203"), ("建制镇", "202"), ("城市", "201"), ("裸地", "1206"), ("河流水面", "1101"),
    ("风景名胜及特殊用地", "205"),
])
def test_code_for_name(name, code):
    assert landuse.code_for_name(name) == code


def test_code_for_name_unknown_and_missing():
    assert landuse.code_for_name("不存在的地类") is None
    assert landuse.code_for_name(None) is None and landuse.code_for_name(float("nan")) is None
    assert landuse.code_for_name("耕地") is None  # a 一级 grouping is not a patch's class


# ------------------------------------------------------------------ normalisation
@pytest.mark.parametrize("raw,expected", [
    ("0101", "0101"), (" 0102 ", "0102"), ("1104a", "1104A"), ("0201k", "0201K"), ("05h1", "05H1"),
    (101.0, "101"), (1006, "1006"), ("101.0", "101"), (None, None), ("", None), ("  ", None), (float("nan"), None),
])
def test_clean_code(raw, expected):
    assert landuse.clean_code(raw) == expected


def test_101_with_name_shuitian_is_sandiao_missing_its_zero():
    r = normalise_codes(["101"], ["水田"])
    assert r.codes.tolist() == ["0101"] and "三调" in r.note and "DLMC" in r.note and r.unknown == {}


def test_101_with_name_railway_is_erdiao():
    r = normalise_codes(["101"], ["铁路用地"])
    assert r.codes.tolist() == ["1001"] and "二调" in r.note


def test_erdiao_layer_judged_from_its_names():
    r = normalise_codes(["101", "102", "104", "011", "031"], ["铁路用地", "公路用地", "农村道路", "水田", "有林地"])
    assert r.codes.tolist() == ["1001", "1003", "1006", "0101", "0301"]


def test_erdiao_codes_saved_as_numbers_lost_their_zero_too():
    r = normalise_codes([11, 12, 31], ["水田", "水浇地", "有林地"])
    assert r.codes.tolist() == ["0101", "0102", "0301"]


def test_without_names_other_four_digit_codes_decide_sandiao():
    r = normalise_codes(["101", "0102", "1006", "203"])
    assert r.codes.tolist() == ["0101", "0102", "1006", "0203"]
    assert "三调" in r.note and "other codes" in r.note


def test_without_names_an_all_erdiao_code_list_reads_erdiao():
    r = normalise_codes(["101", "031", "203"])
    assert r.codes.tolist() == ["1001", "0301", "203"] and "二调" in r.note


def test_single_digit_and_suffix_and_float_codes():
    r = normalise_codes(["9", "1104a", 101.0, 102.0, 1006.0, "0101"])
    assert r.codes.tolist() == ["09", "1104A", "0101", "0102", "1006", "0101"]
    assert r.unknown == {}


def test_names_only_give_codes_and_are_counted():
    r = normalise_codes([None, None, None, None], ["有林地", "村庄", "建制镇", "水田"])
    assert r.codes.tolist() == ["0301", "203", "202", "0101"]
    assert r.from_names == 4 and "4 codes taken from land-use names" in r.note


def test_a_row_name_overrules_the_layer_reading():
    # the layer reads 三调 (101 水田 → 0101), but this row's own name says it is the 二调 code 203 村庄:
    # it must not silently become 0203 橡胶园
    r = normalise_codes(["101", "102", "203"], ["水田", "水浇地", "村庄"])
    assert r.codes.tolist() == ["0101", "0102", "203"]
    assert "1 " in r.note and "own" in r.note


def test_unknown_codes_are_kept_and_counted():
    r = normalise_codes(["9999", "0101", "XYZ", "9999", None], ["", "水田", None, None, None])
    assert r.codes.tolist() == ["9999", "0101", "XYZ", "9999", None]
    assert r.unknown == {"9999": 2, "XYZ": 1}


def test_unknown_names_without_code_are_counted_not_lost():
    r = normalise_codes([None, None, None], ["有林地", "某种新地类", "某种新地类"])
    assert r.codes.tolist() == ["0301", None, None]
    assert r.unknown_names == {"某种新地类": 2}
    assert "某种新地类" in r.note


def test_index_is_kept_and_lengths_match():
    import pandas as pd
    s = pd.Series(["101", "0102"], index=[10, 11])
    r = normalise_codes(s, pd.Series(["水田", "水浇地"], index=[10, 11]))
    assert len(r.codes) == 2 and r.codes.tolist() == ["0101", "0102"]


def test_two_digit_sanshi_codes_do_not_trigger_a_reading():
    from landcheck.landuse import normalise_codes

    r = normalise_codes(["0103", "09", "1006"], ["旱地", "特殊用地", "农村道路"])
    assert list(r.codes) == ["0103", "09", "1006"]
    assert r.note == "codes read as given"


# ------------------------------------------------------------------ 三大类 (GB/T 21010-2017 对照表, TD/T 1055-2019 表A.4)
@pytest.mark.parametrize("code, sanda", [
    ("0101", "cultivated"), ("0103", "cultivated"), ("0201K", "other_farmland"), ("0303", "other_farmland"),
    ("0401", "other_farmland"), ("0402", "other_farmland"), ("0403K", "other_farmland"), ("0404", "unused"),
    ("1006", "other_farmland"), ("1003", "construction"), ("1103", "other_farmland"), ("1104A", "other_farmland"),
    ("1104K", "other_farmland"), ("1107", "other_farmland"), ("1107A", "construction"), ("1109", "construction"),
    ("1101", "unused"), ("1102", "unused"), ("1105", "unused"), ("1106", "unused"), ("1108", "unused"),
    ("1110", "unused"), ("1201", "construction"), ("1202", "other_farmland"), ("1203", "other_farmland"),
    ("1204", "unused"), ("1207", "unused"), ("0603", "construction"), ("0702", "construction"), ("09", "construction"),
    ("203A", "construction"), ("04", ""), ("11", ""), ("9999", ""), (None, ""),
])
def test_sanda_of_codes(code, sanda):
    assert landuse.sanda(code) == sanda


def test_every_leaf_code_has_a_sanda_class():
    leaves = [c for c, e in landuse.code_table().items() if c not in ("00", "04", "10", "11", "12")]
    assert {landuse.sanda(c) for c in leaves} == set(landuse.SANDA_CLASSES)
    assert all(landuse.sanda(c) for c in leaves)
    # construction in the 三大类 is exactly what is non_farm inside permanent basic farmland, among real classes
    for c in leaves:
        if landuse.pbf_class(c) == "non_farm":
            assert landuse.sanda(c) == "construction", c


# ------------------------------------------------------------------ names of every era (domain.md §8, §9.6)
#: The 2001 《全国土地分类（过渡期间适用）》 names of domain.md §9.6.
TRANSITION_NAMES = ("灌溉水田 望天田 水浇地 旱地 菜地 有林地 灌木林地 疏林地 未成林造林地 迹地 苗圃 畜禽饲养地 设施农业用地 "
                    "农村道路 坑塘水面 养殖水面 农田水利用地 田坎 晒谷场等用地 城市 建制镇 农村居民点 独立工矿用地 特殊用地 "
                    "荒草地 盐碱地 沼泽地 沙地 裸土地 裸岩石砾地 河流水面 湖泊水面 苇地 滩涂").split()


def test_every_transition_name_maps_to_a_known_code_with_a_source():
    table = landuse.transition_table()
    assert set(TRANSITION_NAMES) <= set(table)
    for name in TRANSITION_NAMES:
        entry = table[name]
        assert landuse.lookup(entry.code) is not None, name
        assert all(landuse.lookup(c) is not None for c in entry.alternatives), name
        assert entry.source.startswith("domain.md §"), name
        assert landuse.code_for_name(name) is not None, name


def test_every_erdiao_row_has_a_source():
    text = (landuse.resources.files("landcheck.data") / "erdiao_names.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows and all(r["source"].startswith("domain.md §8") for r in rows)


@pytest.mark.parametrize("name,code,cls", [
    ("灌溉水田", "0101", "ok"), ("望天田", "0101", "ok"), ("菜地", "0103", "ok"), ("疏林地", "0307", "non_grain"),
    ("苗圃", "0307", "non_grain"), ("畜禽饲养地", "1202", "facility"), ("晒谷场等用地", "1202", "facility"),
    ("养殖水面", "1104A", "non_grain"), ("农田水利用地", "1107", "infrastructure"), ("荒草地", "0404", "non_grain"),
    ("农村居民点", "203", "non_farm"), ("独立工矿用地", "204", "non_farm"), ("苇地", "1108", "other"),
    ("滩涂", "1106", "other"),
    # a 2001 name that is also a current or 二调 name keeps its current meaning
    ("水浇地", "0102", "ok"), ("特殊用地", "09", "non_farm"), ("城市", "201", "non_farm"), ("裸土地", "1206", "other"),
])
def test_transition_names(name, code, cls):
    assert landuse.code_for_name(name) == code
    assert landuse.pbf_class(code) == cls


def test_a_name_of_two_classes_is_read_as_the_cautious_one_and_noted():
    r = normalise_codes([None] * 4, ["菜地", "菜地", "农村居民点", "旱地"])
    assert r.codes.tolist() == ["0103", "0103", "203", "0103"]
    assert r.cautious_names == {"菜地": 2, "农村居民点": 1}
    assert "菜地 ×2 read as 0103 旱地 (may be 0102" in r.note and "农村居民点 ×1 read as 203" in r.note
    assert normalise_codes([None], ["旱地"]).cautious_names == {}


@pytest.mark.parametrize("codes,names", [
    (["201", "202", "203", "204", "205"], ["城市", "建制镇", "村庄", "采矿用地", "风景名胜及特殊用地"]),  # 二调 codes + names
    (["201", "202", "203", "204", "205"], None),                                                   # 二调 codes only
    ([None] * 5, ["城市", "建制镇", "村庄", "农村居民点", "风景名胜及特殊用地"]),                           # names only
])
def test_erdiao_settlement_classes_stay_recognisable_after_normalisation(codes, names):
    # 201–205 stay as they are (construction, non_farm inside PBF): the 二调 class is kept in DLBM itself.
    # (Codes only beside 4-digit 三调 codes, 3-digit codes are read as 三调 codes missing their zero.)
    r = normalise_codes(codes + ["011"], (names + ["水田"]) if names else None)
    out = r.codes.tolist()
    assert [landuse.erdiao_class(c) for c in out] == ([c for c in codes] if codes[0] else ["201", "202", "203", "203", "205"]) + [""]
    assert all(landuse.pbf_class(c) == "non_farm" for c in out[:5]) and out[5] == "0101"
    assert r.unknown == {}


def test_erdiao_class_only_for_the_five_settlement_classes():
    assert [landuse.erdiao_class(c) for c in ("203", "203A", "0702", None, "", "0602")] == ["203", "", "", "", "", ""]
