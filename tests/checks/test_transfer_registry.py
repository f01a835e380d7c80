"""Stable block numbers: blocks keep the numbers of the ledger's block registry across runs and groupings."""

from __future__ import annotations

import json

import geopandas as gpd
from shapely.geometry import box

from landcheck.checks.transfer import check_transfer
from landcheck.checks.transfer.registry import registry_frame

CRS = 4527
X, Y = 39500000.0, 4130000.0


def parcels(rows):
    """rows: (id, operator, village, x, width)"""
    return gpd.GeoDataFrame({"DKBM": [r[0] for r in rows], "流入方": [r[1] for r in rows], "ZLDWMC": [r[2] for r in rows]},
                            geometry=[box(X + r[3], Y, X + r[3] + r[4], Y + 100) for r in rows], crs=CRS)


ROWS = [("A1", "甲", "东村", 0, 100), ("A2", "甲", "东村", 100, 100), ("Z9", "乙", "西村", 1000, 100),
        ("C1", "丙", "东村", 2000, 100)]


def numbers(result) -> dict:
    return dict(zip(result.blocks["parcel_ids"], result.blocks["block_id"]))


def test_two_runs_give_the_same_numbers():
    first = check_transfer(parcels(ROWS), by="流入方")
    reg = registry_frame(first.blocks, None, CRS)
    again = check_transfer(parcels(ROWS), by="流入方", previous_blocks=reg)
    assert numbers(again) == numbers(first) == {"A1,A2": "B0001", "C1": "B0002", "Z9": "B0003"}


def test_regrouped_parcels_and_a_grown_block_keep_their_numbers():
    # registered under other numbers (e.g. an older numbering): the registry wins
    first = check_transfer(parcels(ROWS), by="流入方")
    first.blocks["block_id"] = first.blocks["block_id"].map({"B0001": "B0007", "B0002": "B0003", "B0003": "B0001"})
    reg = registry_frame(first.blocks, None, CRS)
    assert numbers(check_transfer(parcels(ROWS), previous_blocks=reg)) == {"A1,A2": "B0007", "C1": "B0003", "Z9": "B0001"}
    # A3 joins the first block, a new block appears: the first keeps B0007, the new takes the next free number
    grown = ROWS + [("A3", "甲", "西村", 200, 100), ("D1", "丁", "东村", 3000, 100)]
    r = check_transfer(parcels(grown), by="流入方", previous_blocks=reg)
    assert numbers(r) == {"A1,A2,A3": "B0007", "C1": "B0003", "Z9": "B0001", "D1": "B0008"}
    # the registry after the run: the grown block's area shared by village by its parcels' areas
    reg2 = registry_frame(r.blocks, reg, CRS)
    row = reg2.set_index("block_id").loc["B0007"]
    villages = json.loads(row["villages"])
    assert list(villages) == ["东村", "西村"] and abs(villages["东村"] - 2 * villages["西村"]) < 0.02
    assert row["subject"] == "甲" and bool(row["current"])


def test_a_block_whose_parcels_were_renumbered_keeps_its_number_by_overlap():
    reg = registry_frame(check_transfer(parcels(ROWS), by="流入方").blocks, None, CRS)
    renamed = [("N" + r[0], *r[1:]) for r in ROWS]
    r = check_transfer(parcels(renamed), by="流入方", previous_blocks=reg)
    assert numbers(r) == {"NA1,NA2": "B0001", "NC1": "B0002", "NZ9": "B0003"}
    # a registered block not seen again stays in the registry, not current, so its number is not reused
    r = check_transfer(parcels(ROWS[:2]), by="流入方", previous_blocks=reg)
    reg2 = registry_frame(r.blocks, reg, CRS)
    assert reg2["block_id"].tolist() == ["B0001", "B0002", "B0003"] and reg2["current"].tolist() == [True, False, False]


def test_village_figures_add_up_to_the_block_printed_mu():
    from landcheck.checks.transfer.registry import village_mu
    from landcheck import units
    m2 = float(units.mu_to_m2(227.564))
    got = village_mu({"白坊村": m2 * 0.9859, "熊家铺村": m2 * 0.0141}, m2)
    assert round(sum(got.values()), 2) == units.area_mu(m2) == 227.56 and list(got) == ["白坊村", "熊家铺村"]
