"""rules.toml [facility] (landcheck.config.facility_rules): the packaged table, a county's override,
and the errors a wrong table gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from landcheck.checks.facilities import classify_records
from landcheck.config import FACILITY_VERDICTS, facility_rules, load_rules, vocabulary
from landcheck.errors import LandcheckError
from tests.helpers import facility_records as records


def test_packaged_table():
    fr = facility_rules(load_rules())
    assert fr.cutoff_date == dt.date(2021, 11, 27)
    assert fr.exact["种植设施"] == "planting" and fr.exact["畜禽养殖设施"] == "livestock"
    assert fr.exact["水产养殖设施"] == "aquaculture" and fr.exact["辅助设施"] == "unknown"
    assert set(fr.verdicts) == set(FACILITY_VERDICTS)
    assert "核实举证/调出补划" in vocabulary().measures
    assert fr.kind_of("辅助\u3000设施 ") == ("unknown", True)  # exact, spaces (full-width too) dropped
    assert fr.breaks_plough(" 是 ") == (True, True) and fr.breaks_plough("?") == (None, False)


def test_a_county_overrides_the_table(tmp_path: Path):
    p = tmp_path / "county.toml"
    p.write_text(
        '[facility]\ncutoff_date = "2022-01-01"\n'
        '[facility.types.exact]\n"1" = "planting"\n"2" = "livestock"\n"大棚" = "unknown"\n'
        '[facility.types]\nkeywords = [["棚", "livestock"]]\n'
        '[facility.verdicts.animal_before]\nsuggested_measure = "核实举证"\n', encoding="utf-8")
    rules = load_rules(p)
    fr = facility_rules(rules)
    assert fr.cutoff_date == dt.date(2022, 1, 1)
    assert fr.exact["种植设施"] == "planting"  # the packaged exact entries stay (merged)
    assert fr.keywords == (("棚", "livestock"),)  # the keyword list is replaced as a whole
    df = records({"设施类型": "1", "备案日期": "2021-12-01"}, {"设施类型": "2", "备案日期": "2021-12-01"},
                 {"设施类型": "大棚", "备案日期": "2021-12-01"}, {"设施类型": "鸡棚", "备案日期": "2022-01-01"},
                 {"设施类型": "鱼塘", "备案日期": "2021-12-01"})
    out, notes = classify_records(df, rules)
    assert list(out["facility_kind"]) == ["planting", "livestock", "unknown", "livestock", "unknown"]
    assert list(out["verdict"]) == ["allowed", "animal_before", "unknown_type", "animal_new", "unknown_type"]
    assert len(notes) == 1 and "'鱼塘'" in notes[0]  # no keyword for it in the county's list
    assert fr.verdicts["animal_before"].suggested_measure == "核实举证"
    assert fr.verdicts["animal_before"].severity == "warning"  # the rest of the entry stays


@pytest.mark.parametrize("text,message", [
    ('[facility.types.exact]\n"鱼塘" = "fish"\n', "kind 'fish' is not one of"),
    ('[facility.types]\nkeywords = [["鱼塘"]]\n', r"keywords\[0\] must be"),
    ('[facility.types]\nkeywords = [["", "planting"]]\n', r"keywords\[0\] must be"),
    ('[facility.types]\nkeywords = [["鱼", "fish"]]\n', "kind 'fish'"),
    ('[facility]\ncutoff_date = "2021-13-01"\n', "cutoff_date must be a date"),
    ('[facility.plough_layer]\nyes = ["是", "否"]\n', "none in both"),
    ('[facility.verdicts.animal_new]\nseverity = "fatal"\n', "severity 'fatal'"),
    ('[facility.verdicts.animal_new]\nproblem_type = "养殖违法"\n', "problem_type '养殖违法' is not in the vocabulary"),
    ('[facility.verdicts.undated]\nsuggested_measure = "罚款"\n', "suggested_measure '罚款'"),
    ('[facility.verdicts.legal]\nseverity = "error"\n', "unknown verdict legal"),
])
def test_a_wrong_table_is_refused_naming_the_file_and_entry(tmp_path: Path, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(LandcheckError, match=message) as exc:
        load_rules(p)
    assert str(p) in str(exc.value)


def test_a_missing_section_is_refused():
    rules = load_rules()
    rules.data = {k: v for k, v in rules.data.items() if k != "facility"}
    with pytest.raises(LandcheckError, match=r"\[facility\] is missing"):
        facility_rules(rules)
