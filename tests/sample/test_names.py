"""The names-only variant of the sample township (landcheck/sample/names.py): a survey with 二调 names only,
a farmland layer with its own class (some polygons on village land, some without a class), and the
farmland check's 新增/存量 against the generator's own expectation.

Tolerance 0.01 mu per category and origin, counts exact (see tests/sample/test_expected.py for why).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from landcheck import landuse, sample
from tests.helpers import by_category_and_origin, check_sample

N = 3000
TOLERANCE_MU = 0.01


@pytest.fixture(scope="module")
def town() -> sample.Township:
    return sample.names_variant(sample.make_township(n_patches=N))


def test_the_survey_carries_only_erdiao_names(town):
    s = town.survey
    assert "DLBM" not in s.columns and not {"CZCSXM", "ZZSXDM", "TBXHDM"} & set(s.columns)
    erdiao = {name for name, _ in landuse.erdiao_table().values()}
    assert s["DLMC"].isin(list(erdiao)).all()
    assert {"村庄", "建制镇", "有林地", "水田", "坑塘水面", "设施农用地"} <= set(s["DLMC"])
    main = sample.make_township(n_patches=N).survey
    assert shapely.equals_exact(s.geometry.to_numpy(), main.geometry.to_numpy(), tolerance=0).all()  # the same ground
    assert list(s["BSM"]) == list(main["BSM"])
    assert set(s.loc[main["DLBM"].isin(["1104", "1104A"]).to_numpy(), "DLMC"]) == {"坑塘水面"}
    assert set(s.loc[(main["CZCSXM"] == "202").to_numpy() & main["DLBM"].isin(["0701", "05H1"]).to_numpy(), "DLMC"]) == {"建制镇"}


def test_the_farmland_has_polygons_on_village_land_and_without_a_class(town):
    f = town.farmland
    cls = f["DLBM"].fillna("")
    assert {"0702", "203", ""} <= set(cls)
    assert cls.str.startswith("01").mean() > 0.8
    assert f["BSM"].is_unique and f["YJJBNTTBBH"].is_unique
    assert shapely.coverage_is_valid(f.geometry.to_numpy())  # still no overlaps
    on_village = f[cls.isin(["0702", "203"]).to_numpy()].geometry.to_numpy()
    s = town.survey
    _, j = shapely.STRtree(s.geometry.to_numpy()).query(shapely.point_on_surface(on_village), predicate="within")
    assert set(s["DLMC"].to_numpy()[j]) == {"村庄"}


def test_the_variant_is_deterministic(town):
    again = sample.names_variant(sample.make_township(n_patches=N))
    assert again.farmland.drop(columns="geometry").fillna("").equals(town.farmland.drop(columns="geometry").fillna(""))
    assert list(again.survey["DLMC"]) == list(town.survey["DLMC"])
    with pytest.raises(ValueError):
        sample.names_variant(town)


def test_expected_origins_cover_new_existing_and_unknown(town):
    ef = sample.expected_findings(town)
    assert set(ef["origin"]) == {"new", "existing", "unknown"}
    # village land, old or unclassed; and the old orchards (0201 at delineation)
    assert set(ef.loc[ef["origin"] == "existing", "category"]) == {"non_farm", "non_grain"}
    assert set(ef.loc[(ef["origin"] == "existing") & (ef["category"] == "non_grain"), "DLBM"]) == {"0201"}
    assert not {"non_grain_crop", "mixed_crop", "abandoned"} & set(ef["category"])  # no ZZSXDM in a 二调 layer
    assert set(ef.loc[ef["DLBM"] == "1104", "category"]) == {"pond"}  # 坑塘水面 says nothing about fish


def test_check_judges_origin_as_the_generator_expects(town, tmp_path):
    """The farmland check on the written variant: counts and mu per category and origin. Only the
    facility records of a planting type are handed over, so that the comparison does not depend on how
    养殖 records are judged (tests/sample/test_expected.py compares those)."""
    kinds = sample.expected.record_kinds(town.facility_records)
    t = sample.Township(**{**town.__dict__, "facility_records": town.facility_records[kinds == "planting"]})
    res = check_sample(t, tmp_path, names_only=True)
    expected = by_category_and_origin(sample.expected_findings(t))
    got = by_category_and_origin(res.findings)
    assert {o for _, o in expected} == {"new", "existing", "unknown"}
    assert set(got) == set(expected)
    for k in sorted(expected):
        assert got[k][0] == expected[k][0], (k, got[k], expected[k])
        assert abs(got[k][1] - expected[k][1]) <= TOLERANCE_MU, (k, got[k], expected[k])
    f = res.findings
    evidence = set(f.loc[f["origin"] == "existing", "origin_evidence"])
    assert any("划定时地类 0702" in e for e in evidence) and any("划定时地类 203" in e for e in evidence)
    assert any("二调地类 村庄" in e for e in evidence)  # a polygon without a class on village land
    assert (f.loc[f["origin"] == "unknown", "severity"] == "warning").all()
    assert np.isin(f["dlmc"], ["村庄", "建制镇"]).any()
