"""The need of a 补划 proposal from the ledger (checks/supplement/needs.py) and the preferred layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landcheck import units
from landcheck.checks.supplement import (figure_need, find_candidates, ledger_needs, open_tasks, preferred, select,
                                         supplement_rules, village_needs)
from landcheck.config import load_rules
from landcheck.ledger import new_ledger
from landcheck.ledger.edits import apply_people_edits
from landcheck.ledger.schema import normalise_tasks
from tests.helpers import X0, Y0, dltb


def box(i: float, w: float = 100.0, h: float = 80.0):
    return shapely.box(X0 + i, Y0, X0 + i + w, Y0 + h)


def area(g) -> float:
    return float(units.ellipsoidal_area(np.array([g], dtype=object), 4527)[0])


@pytest.fixture
def ledger():
    L = new_ledger(4527)
    L.tasks = normalise_tasks(gpd.GeoDataFrame(
        {"issue_id": ["A", "B", "C", "D", "E"], "village": ["东村"] * 5,
         "status": ["未整改", "整改中", "已整改", "未整改", "未整改"],
         "measure": ["核实举证", "核实举证", "核实举证", "调出补划", "拆除复耕"],
         "area_m2": [area(box(0, 50)), area(box(0, 50)), 1.0, 1.0, 1.0], "pbf_m2": [np.nan, area(box(0, 40)), 1.0, 1.0, 1.0],
         "remaining_mu": [np.nan, np.nan, np.nan, 3.456, np.nan]},
        geometry=[box(0, 50), box(0, 50), box(0, 10), box(50, 50), box(300)], crs=4527))
    apply_people_edits(L, [(i, "measure", "调出补划") for i in "ABC"], "import 台账.xlsx")
    L.log("D", "measure", "", "调出补划", "run 2026-05-01")
    return L


def farmland():
    return gpd.GeoDataFrame({"GDPDJB": ["3"], "GDDB": ["8"], "KCXS": [0.1]}, geometry=[box(0)], crs=4527)


def test_officer_set_open_tasks_net_of_tiankan(ledger):
    n = ledger_needs(ledger, farmland())
    assert list(n["issue_id"]) == ["A", "B"]  # C is done, D only suggested, E another measure
    assert n["need_mu"].tolist() == [units.area_mu(area(box(0, 50)) * 0.9), units.area_mu(area(box(0, 40)) * 0.9)]
    assert n["grade"].tolist() == [3.0, 3.0] and n["gddb"].tolist() == [8.0, 8.0]
    with_suggested = ledger_needs(ledger, farmland(), include_suggested=True)
    assert list(with_suggested["issue_id"]) == ["A", "B", "D"]
    assert with_suggested["need_mu"].iat[2] == 3.46  # 剩余未整改面积 as the officer wrote it, half-up
    assert with_suggested["suggested_only"].tolist() == [False, False, True]


def test_open_tasks_are_the_unfinished_ones(ledger):
    assert sorted(open_tasks(ledger)["issue_id"]) == ["A", "B", "D", "E"]


def test_figure_need_has_no_constraint():
    n = figure_need(12.345, 4527)
    assert n["need_mu"].iat[0] == 12.35 and np.isnan(n["grade"].iat[0]) and n["village"].iat[0] == ""


def test_preferred_layer_first_even_when_smaller():
    """Inside a tier (both adjacent here) the preferred layer's parcel comes first; adjacency still comes before preference."""
    survey = dltb([box(100), box(-50, 50)], ["0101", "0101"], GDPDJB=["1", "1"])
    cands, _ = find_candidates(survey, gpd.GeoDataFrame(geometry=[box(0)], crs=4527), [], None,
                               supplement_rules(load_rules()))
    reserve = gpd.GeoDataFrame(geometry=[box(-60, 70)], crs=4527)  # holds all of the second parcel
    cands["preferred"] = preferred(cands, [reserve])
    assert cands["preferred"].tolist() == [1, 0]
    proposal, books = select(cands, village_needs(figure_need(1.0, 4527)))
    assert cands["patch_id"].iloc[proposal["candidate"]].tolist() == ["B2"] and bool(books["met"].iat[0])
