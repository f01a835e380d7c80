"""A ledger records its township and id prefix (meta); findings of another township or prefix are
refused with one line naming both; an older ledger without them adopts the first run's."""

from datetime import date

import pytest

from landcheck.errors import LandcheckError
from landcheck.ledger import load_ledger, merge_findings, read_meta
from tests.ledger.test_ledger import findings_of, survey


def test_meta_recorded_guarded_and_adopted(tmp_path):
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, findings_of(survey()), prefix="SL", run_date=date(2026, 1, 1), checks=["farmland"],
                   meta={"township": "示例镇", "id_prefix": "SL", "pbf_m2": 12.5})
    meta = read_meta(led)
    assert meta["township"] == "示例镇" and meta["id_prefix"] == "SL" and meta["pbf_m2"] == "12.5"
    n = len(load_ledger(led).tasks)
    before = led.read_bytes()
    with pytest.raises(LandcheckError) as e:
        merge_findings(led, findings_of(survey()), prefix="YZ", run_date=date(2026, 2, 1), checks=["farmland"],
                       meta={"township": "乙镇", "id_prefix": "YZ"})
    msg = e.value.message
    assert "\n" not in msg and "示例镇" in msg and "乙镇" in msg and "SL" in msg and "YZ" in msg
    assert "another output folder" in msg
    assert led.read_bytes() == before and len(load_ledger(led).tasks) == n
    # the same township, other generic keys: updated, no refusal
    merge_findings(led, findings_of(survey()), prefix="SL", run_date=date(2026, 2, 1), checks=["farmland"],
                   meta={"township": "示例镇", "id_prefix": "SL", "pbf_m2": 13})
    assert read_meta(led)["pbf_m2"] == "13"


def test_an_older_ledger_adopts_the_first_runs_township(tmp_path):
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, findings_of(survey()), prefix="SL", run_date=date(2026, 1, 1), checks=["farmland"])
    assert "township" not in read_meta(led)
    merge_findings(led, findings_of(survey()), prefix="SL", run_date=date(2026, 2, 1), checks=["farmland"],
                   meta={"township": "示例镇", "id_prefix": "SL"})
    assert read_meta(led)["township"] == "示例镇"
