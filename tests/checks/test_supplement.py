"""调出补划 core (issue 17): what a candidate is, which first, the selection and its books, on hand-built squares."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landcheck import units
from landcheck.checks.supplement import (find_candidates, pick, select, supplement_rules, supplement_summary,
                                         village_needs)
from landcheck.config import load_rules
from tests.helpers import X0, Y0, dltb

RULES = supplement_rules(load_rules())


def box(i: float, w: float = 100.0, h: float = 80.0, y: float = 0.0):
    return shapely.box(X0 + i, Y0 + y, X0 + i + w, Y0 + y + h)


def area(g) -> float:
    return float(units.ellipsoidal_area(np.array([g], dtype=object), 4527)[0])


def layer(*geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": list(range(len(geoms)))}, geometry=list(geoms), crs=4527)


@pytest.fixture
def township():
    """Farmland F at 0..100; 耕地 patches: in farmland, adjacent (100..200), isolated (600..700, same size),
    in an exclusion layer, under an open task, too steep, too small, unstable, abandoned; one 果园."""
    geoms = [box(0), box(100), box(600), box(800), box(1000), box(1200), box(1400, 15, 15), box(1600), box(1800), box(2000)]
    codes = ["0101", "0103", "0103", "0101", "0101", "0103", "0101", "0101", "0103", "0201"]
    survey = dltb(geoms, codes, BSM=[f"B{i}" for i in range(10)], GDPDJB=["1", "2", "2", "1", "1", "5", "1", "1", "1", ""],
                  TBXHDM=["", "", "", "", "", "", "", "HDGD", "", ""], ZZSXDM=["LS"] * 8 + ["WG", "JKHF"])
    farmland = layer(box(0))
    return survey, farmland, [layer(box(790, 120, 100))], layer(box(1000))


def test_candidates_are_only_the_free_stable_cultivated_land(township):
    survey, farmland, excludes, tasks = township
    cands, dropped = find_candidates(survey, farmland, excludes, tasks, RULES)
    assert list(cands["patch_id"]) == ["B1", "B2"]
    assert dropped == {"unstable": 1, "abandoned": 1, "too_steep": 1, "in_farmland": 1, "excluded": 1,
                       "open_task": 1, "too_small": 1}
    assert cands["area_m2"].tolist() == pytest.approx([area(box(100)), area(box(600))], abs=1e-6)
    assert cands["adjacent"].tolist() == [True, False]
    assert cands["whole"].all()


def test_abandoned_allowed_when_configured(township):
    survey, farmland, excludes, tasks = township
    rules = supplement_rules(load_rules())
    rules = type(rules)(**{**rules.__dict__, "allow_abandoned": True})
    cands, _ = find_candidates(survey, farmland, excludes, tasks, rules)
    assert "B8" in set(cands["patch_id"])


def test_partly_covered_patch_is_cut_along_the_farmland_edge_without_slivers():
    survey = dltb([box(0, 200)], ["0101"], GDPDJB=["1"])
    farmland = layer(box(0, 100), box(199.5, 0.5))  # covers the first half and a 0.5 m strip at the far edge
    cands, _ = find_candidates(survey, farmland, [], None, RULES)
    assert len(cands) == 1 and not cands["whole"].iat[0]
    assert cands["area_m2"].iat[0] == pytest.approx(area(box(100, 99.5)), abs=1e-6)
    sliver = layer(box(0, 100), box(101, 99))  # leaves a 1 m strip at 100..101: thinner than min_width_m
    cands, dropped = find_candidates(survey, sliver, [], None, RULES)
    assert len(cands) == 0 and dropped["too_small"] == 1


def test_adjacent_within_the_gap_and_groups():
    survey = dltb([box(104), box(204), box(600)], ["0101"] * 3, GDPDJB=["1"] * 3)
    cands, _ = find_candidates(survey, layer(box(0)), [], None, RULES)
    assert cands["adjacent"].tolist() == [True, False, False]  # 4 m from farmland; the second is 104 m away
    assert cands["group"].iat[0] == cands["group"].iat[1] != cands["group"].iat[2]
    assert cands["group_m2"].iat[0] == pytest.approx(cands["area_m2"].iat[0] + cands["area_m2"].iat[1])


def needs_frame(*rows):
    """rows: (village, need_mu, grade, gddb, geometry)."""
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=["village", "need_mu", "grade", "gddb", "geometry"]),
                            geometry="geometry", crs=4527)


def test_adjacent_before_isolated_of_equal_size(township):
    survey, farmland, excludes, tasks = township
    cands, _ = find_candidates(survey, farmland, excludes, tasks, RULES)
    one = units.area_mu(cands["area_m2"].iat[0])
    proposal, books = select(cands, village_needs(needs_frame(("东村", one, 2.0, np.nan, box(0)))))
    assert proposal["candidate"].tolist() == [0] and bool(books["met"].iat[0])
    assert cands["patch_id"].iat[0] == "B1"


def test_steeper_than_the_farmland_it_replaces_is_not_proposed(township):
    survey, farmland, excludes, tasks = township
    cands, _ = find_candidates(survey, farmland, excludes, tasks, RULES)
    proposal, books = select(cands, village_needs(needs_frame(("东村", 1.0, 1.0, np.nan, box(0)))))
    assert len(proposal) == 0 and not books["met"].iat[0] and books["shortfall_mu"].iat[0] == 1.0
    proposal, _ = select(cands, village_needs(needs_frame(("东村", 1.0, np.nan, np.nan, box(0)))))
    assert len(proposal) == 1  # no slope known: no constraint


def test_quality_no_lower_where_present():
    survey = dltb([box(100), box(300)], ["0101"] * 2, GDPDJB=["1", "1"], GDDB=["9", "6"])
    cands, _ = find_candidates(survey, layer(box(0)), [], None, RULES)
    proposal, _ = select(cands, village_needs(needs_frame(("东村", 1.0, 2.0, 7.0, box(0)))))
    assert cands["patch_id"].iloc[proposal["candidate"]].tolist() == ["B2"]  # GDDB 9 is worse than 7


def test_village_met_inside_and_village_needing_the_township():
    villages = ["东村", "东村", "东村", "西村"]
    survey = dltb([box(100), box(200, 50), box(600), box(900, 30, 30)], ["0101"] * 4, GDPDJB=["1"] * 4,
                  ZLDWMC=villages)
    cands, _ = find_candidates(survey, layer(box(0), box(870, 30, 30)), [], None, RULES)
    mu = units.area_mu_array(cands["area_m2"].to_numpy())
    needs = needs_frame(("东村", mu[0], np.nan, np.nan, box(0)), ("西村", units.sum_printed([mu[3], 1.0]), np.nan, np.nan, box(870, 30, 30)))
    proposal, books = select(cands, village_needs(needs))
    east, west = books.set_index("village").loc["东村"], books.set_index("village").loc["西村"]
    assert bool(east["met"]) and not bool(east["township_used"]) and east["proposed_mu"] == mu[0]
    assert bool(west["met"]) and bool(west["township_used"])
    assert proposal["tier"].tolist() == ["village_adjacent", "village_adjacent", "township_isolated"]
    assert proposal["candidate"].tolist() == [0, 3, 1]  # 西村's own, then 东村's smallest spare that completes it
    s = supplement_summary(needs, cands, proposal, books, {})
    assert s["need_mu"] == units.sum_printed(books["need_mu"]) and s["all_met"]
    assert s["proposed_mu"] == units.sum_printed(mu[[0, 3, 1]])
    assert s["quality"]["entering"]["gdpdjb"] == 1.0 and s["quality"]["slope_constraint"] is False


def test_shortfall_when_the_township_has_too_little():
    survey = dltb([box(100)], ["0101"], GDPDJB=["1"])
    cands, _ = find_candidates(survey, layer(box(0)), [], None, RULES)
    mu = units.area_mu(cands["area_m2"].iat[0])
    proposal, books = select(cands, village_needs(needs_frame(("东村", mu + 5.0, np.nan, np.nan, None))))
    assert books["shortfall_mu"].iat[0] == 5.0 and not books["met"].iat[0] and len(proposal) == 1


def brute_force(cents, need):
    for k in range(1, len(cents) + 1):
        if any(sum(c) >= need for c in itertools.combinations(cents, k)):
            return k
    return None


@pytest.mark.parametrize("seed", range(40))
def test_pick_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    cents = rng.integers(60, 5000, size=int(rng.integers(3, 11)))
    need = int(rng.integers(100, int(cents.sum()) + 1))
    order = np.array(sorted(range(len(cents)), key=lambda k: -cents[k]))
    chosen = pick(cents, order, need)
    best = brute_force(list(cents), need)
    assert cents[chosen].sum() >= need
    assert len(chosen) <= 1.2 * best


def test_a_village_never_takes_another_villages_own_land_before_that_village_had_its_turn():
    survey = dltb([box(100), box(600)], ["0101"] * 2, GDPDJB=["1"] * 2, ZLDWMC=["东村", "西村"])
    cands, _ = find_candidates(survey, layer(box(0)), [], None, RULES)
    mu = units.area_mu_array(cands["area_m2"].to_numpy())
    needs = needs_frame(("东村", mu[0] + 5.0, np.nan, np.nan, box(0)), ("西村", mu[1], np.nan, np.nan, box(600)))
    proposal, books = select(cands, village_needs(needs))
    b = books.set_index("village")
    assert bool(b.loc["西村", "met"]) and b.loc["东村", "shortfall_mu"] == 5.0  # 东村 comes first but 西村's parcel is 西村's
    assert proposal["for_village"].tolist() == ["东村", "西村"]
