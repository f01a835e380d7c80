"""Land-transfer check (土地流转) on known rectangles near 117.1°E 37.3°N (EPSG:4527), and
`landcheck transfer` as a user meets it, also on the bundled sample township."""

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from landcheck import sample, units
from landcheck.checks.transfer import (BELOW_MIN, DATA_PROBLEM, NON_FARM, NON_GRAIN, check_transfer, contiguous_blocks,
                                       natural_key)
from landcheck.cli import cli
from landcheck.config import bundled_layers_dir, load_rules, vocabulary
from landcheck.errors import LandcheckError

X0, Y0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)
SAMPLE = bundled_layers_dir()
needs_sample = pytest.mark.skipif(not (SAMPLE / "transfer.gpkg").exists(), reason="sample township absent")


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def m2(*geoms) -> float:
    return float(units.ellipsoidal_area(list(geoms), 4527).sum())


def rect_of_mu(mu: float, x: float = 0.0, y: float = 0.0, width: float = 200.0):
    """A width × h rectangle at (x, y) whose ellipsoidal area is `mu` (to well under 0.001 m²)."""
    target = float(units.mu_to_m2(mu))
    h = target / width
    for _ in range(3):
        h *= target / m2(box(x, y, x + width, y + h))
    return box(x, y, x + width, y + h)


def split(rect, at: float = 0.5):
    """Two touching halves of a rectangle (the cut shares its coordinates exactly)."""
    x1, y1, x2, y2 = rect.bounds
    xm = x1 + (x2 - x1) * at
    return shapely.box(x1, y1, xm, y2), shapely.box(xm, y1, x2, y2)


def frame(geoms, ids=None, groups=None, villages=None, crs=4527, **cols):
    n = len(geoms)
    data = {"DKBM": ids or [f"P{i + 1}" for i in range(n)],
            "流入方": groups or ["甲合作社"] * n,
            "ZLDWMC": villages or ["东村"] * n, **cols}
    gdf = gpd.GeoDataFrame(data, geometry=list(geoms), crs=4527)
    return gdf.to_crs(crs) if crs != 4527 else gdf


def blocks_of(result) -> list[set[str]]:
    return sorted((set(s.split(",")) for s in result.blocks["parcel_ids"]), key=sorted)


# ------------------------------------------------------------------------------------ contiguity
def test_touching_parcels_of_one_operator_are_one_block():
    r = check_transfer(frame([box(0, 0, 100, 100), box(100, 0, 200, 100)]), by="流入方")
    assert blocks_of(r) == [{"P1", "P2"}]
    assert r.blocks["n_parcels"].tolist() == [2]
    assert r.parcels["block_id"].tolist() == ["B0001", "B0001"]


@pytest.mark.parametrize("gap,n_blocks", [(5.0, 1), (15.0, 2), (8.0, 1), (8.01, 2), (0.0, 1)])
def test_gap_between_parcels_decides_the_block(gap, n_blocks):
    r = check_transfer(frame([box(0, 0, 100, 100), box(100 + gap, 0, 200 + gap, 100)]), by="流入方")
    assert r.summary["n_blocks"] == n_blocks


def test_block_area_is_the_union_without_the_gap():
    a, b = box(0, 0, 100, 100), box(105, 0, 205, 100)
    r = check_transfer(frame([a, b]))
    assert r.summary["n_blocks"] == 1
    assert r.blocks["area_m2"].iat[0] == pytest.approx(m2(a) + m2(b), abs=1e-3)
    assert r.blocks["area_m2"].iat[0] < m2(box(0, 0, 205, 100)) - 400  # the 5 m strip is not in it
    assert shapely.get_num_geometries(r.blocks.geometry.iat[0]) == 2


def test_gap_zero_only_joins_touching_parcels():
    geoms = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(205, 0, 300, 100)]
    assert check_transfer(frame(geoms), gap_m=0).summary["n_blocks"] == 2
    assert check_transfer(frame(geoms), gap_m=5).summary["n_blocks"] == 1


def test_parcels_of_two_operators_never_merge():
    geoms = [box(0, 0, 100, 100), box(100, 0, 200, 100)]
    r = check_transfer(frame(geoms, groups=["甲合作社", "乙家庭农场"]), by="流入方")
    assert blocks_of(r) == [{"P1"}, {"P2"}]
    assert sorted(r.blocks["group"]) == ["乙家庭农场", "甲合作社"]
    # without a group field all parcels are one group: one block, and the check says how to split them
    r = check_transfer(frame(geoms, groups=["甲合作社", "乙家庭农场"]))
    assert blocks_of(r) == [{"P1", "P2"}]
    assert any("流入方" in w for w in r.summary["warnings"])


def test_a_chain_of_parcels_is_one_block_through_its_links():
    geoms = [box(0, 0, 50, 50), box(56, 0, 100, 50), box(106, 0, 150, 50), box(400, 0, 450, 50)]
    labels = contiguous_blocks(np.array(geoms, dtype=object), np.zeros(4, dtype=np.int64), 8.0)
    assert labels[0] == labels[1] == labels[2] != labels[3]


# ------------------------------------------------------------------------------- the minimum
def test_blocks_just_below_and_above_100_mu():
    low = split(rect_of_mu(99.99, 0, 0))
    high = split(rect_of_mu(100.04, 0, 1000))
    r = check_transfer(frame([*low, *high], ids=["L1", "L2", "H1", "H2"]), by="流入方")
    b = r.blocks.set_index("parcel_ids")
    assert b.loc["L1,L2", "area_mu"] == 99.99 and bool(b.loc["L1,L2", "below_min"]) is True
    assert b.loc["H1,H2", "area_mu"] == 100.04 and bool(b.loc["H1,H2", "below_min"]) is False
    assert r.summary["n_below_min"] == 1 and r.summary["n_compliant"] == 1
    assert r.summary["below_min_mu"] == 99.99 and r.summary["compliant_mu"] == 100.04
    assert r.summary["total_mu"] == 200.03
    assert r.summary["progress_pct"] == 4.0  # 200.03 / 5000
    assert r.summary["remaining_mu"] == 4799.97
    f = r.findings
    assert f["problem_type"].tolist() == ["流转地块不足100亩"]
    assert f["patch_id"].tolist() == [b.loc["L1,L2", "block_id"]] and f["area_mu"].tolist() == [99.99]
    assert f["check"].tolist() == ["transfer"] and f["village"].tolist() == ["东村"]


def test_below_min_is_compared_unrounded():
    r = check_transfer(frame([rect_of_mu(99.996)]))
    assert r.blocks["area_mu"].iat[0] == 100.0  # shown as 100.00 …
    assert bool(r.blocks["below_min"].iat[0]) is True  # … but below 100 mu
    assert len(r.findings) == 1


def test_configured_minimum_names_the_problem_type():
    r = check_transfer(frame([rect_of_mu(110)]), min_mu=120)
    assert r.findings["problem_type"].tolist() == ["流转地块不足120亩"]
    v = vocabulary()
    assert {BELOW_MIN, NON_GRAIN, NON_FARM, DATA_PROBLEM} <= set(v.problem_types)  # spelled by the vocabulary
    assert v.knows_problem_type("流转地块不足120亩") and v.knows_problem_type("流转地块不足100亩")
    assert not v.knows_problem_type("流转地块不足亩") and not v.knows_problem_type("流转地块不足120亩。")
    assert v.with_number("流转地块不足100亩", 99.5) == "流转地块不足99.5亩"
    # thresholds default to the rules (min_block_mu 100, gap_m 8), and an override file changes them
    assert check_transfer(frame([rect_of_mu(110)])).summary["n_below_min"] == 0


def test_rules_file_sets_minimum_and_gap(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("[thresholds]\nmin_block_mu = 150\ngap_m = 20\n", encoding="utf-8")
    rules = load_rules(p)
    r = check_transfer(frame([rect_of_mu(60), rect_of_mu(60, 215, 0)]), rules=rules)
    assert r.summary["n_blocks"] == 1 and r.summary["min_mu"] == 150 and r.summary["gap_m"] == 20
    assert r.findings["problem_type"].tolist() == ["流转地块不足150亩"]


def test_a_rules_override_may_use_the_pattern(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text('[classes.other]\nproblem_type = "流转地块不足120亩"\n', encoding="utf-8")
    assert load_rules(p).data["classes"]["other"]["problem_type"] == "流转地块不足120亩"
    p.write_text('[classes.other]\nproblem_type = "流转地块太小"\n', encoding="utf-8")
    with pytest.raises(LandcheckError, match="not in the vocabulary"):
        load_rules(p)


# ------------------------------------------------------------------------ ids and determinism
def test_block_ids_follow_the_smallest_parcel_id_whatever_the_row_order():
    geoms = [box(0, 0, 50, 50), box(1000, 0, 1050, 50), box(2000, 0, 2050, 50), box(3000, 0, 3050, 50)]
    df = frame(geoms, ids=["#10", "#2", "#1", "A-3"], groups=["乙", "甲", "乙", "甲"])
    r1 = check_transfer(df, by="流入方")
    r2 = check_transfer(df.iloc[[3, 1, 0, 2]], by="流入方")
    expect = {"B0001": ("乙", "#1"), "B0002": ("甲", "#2"), "B0003": ("乙", "#10"), "B0004": ("甲", "A-3")}
    for r in (r1, r2):
        got = {row.block_id: (row.group, row.parcel_ids) for row in r.blocks.itertuples()}
        assert got == expect
    assert natural_key("#2") < natural_key("#10") < natural_key("A-3")
    assert r1.findings["finding_key"].tolist() == r2.findings["finding_key"].tolist()


def test_block_ids_do_not_depend_on_the_grouping_field():
    # the same parcels, grouped by operator or not at all, give each block the same number
    geoms = [box(0, 0, 50, 50), box(1000, 0, 1050, 50), box(2000, 0, 2050, 50)]
    df = frame(geoms, ids=["C", "A", "B"], groups=["乙", "丙", "甲"])
    grouped = dict(zip(check_transfer(df, by="流入方").blocks["parcel_ids"], check_transfer(df, by="流入方").blocks["block_id"]))
    alone = dict(zip(check_transfer(df).blocks["parcel_ids"], check_transfer(df).blocks["block_id"]))
    assert grouped == alone == {"A": "B0001", "B": "B0002", "C": "B0003"}


def test_a_block_under_the_minimum_names_its_operator_parcels_and_shortfall():
    df = frame([box(0, 0, 100, 100), box(100, 0, 200, 100)], ids=["D-1", "D-2"], groups=["张三", "张三"])
    r = check_transfer(df, by="流入方")
    f = r.findings.iloc[0]
    mu = f["area_mu"]
    assert f["subject"] == "张三" and r.blocks["subject"].tolist() == ["张三"]
    assert f["description"] == f"流入方张三 2 块地块（D-1、D-2）连片 {mu:.2f} 亩，不足 100 亩（差 {100 - mu:.2f} 亩）"
    # without --by, the operator still comes from the 流入方 field
    assert check_transfer(df).findings.iloc[0]["subject"] == "张三"


def test_parcel_ids_fall_back_to_feature_ids():
    df = frame([box(0, 0, 50, 50), box(100, 0, 150, 50)]).drop(columns="DKBM")
    r = check_transfer(df)
    assert r.parcels["parcel_id"].tolist() == ["#1", "#2"]


# ------------------------------------------------------------------------- villages and overlaps
def test_a_block_spanning_villages_is_shared_by_area():
    a, b = box(0, 0, 300, 100), box(300, 0, 400, 100)  # 3 : 1
    r = check_transfer(frame([a, b], villages=["东村", "西村"]))
    bv = r.summary["by_village"]
    assert r.summary["n_blocks"] == 1 and r.blocks["villages"].iat[0] == "东村,西村"
    assert bv["东村"]["mu"] == pytest.approx(units.m2_to_mu(m2(a)), abs=0.01)
    assert bv["西村"]["mu"] == pytest.approx(units.m2_to_mu(m2(b)), abs=0.01)
    assert bv["东村"]["below_min_mu"] == bv["东村"]["mu"] and bv["东村"]["n_blocks"] == bv["西村"]["n_blocks"] == 1
    assert r.findings["village"].tolist() == ["东村"]  # the village with the larger share


def test_overlapping_parcels_count_once_and_are_data_problems():
    a, b = box(0, 0, 100, 100), box(80, 0, 180, 100)  # 20 × 100 m shared: the same land in two contracts
    c = box(500, 0, 600, 100)
    r = check_transfer(frame([a, b, c], groups=["甲", "乙", "乙"]), by="流入方")
    s = r.summary
    union = m2(shapely.union(a, b)) + m2(c)
    assert s["areas_m2"]["total"] == pytest.approx(union, abs=0.01)
    assert s["total_mu"] == units.round_half_up(units.m2_to_mu(union), 2)
    assert s["parcel_sum_mu"] > s["total_mu"]
    assert s["n_overlaps"] == 1 and s["overlap_mu"] == units.round_half_up(units.m2_to_mu(m2(box(80, 0, 100, 100))), 2)
    # the books balance: the shared strip counts toward one block only
    assert s["below_min_mu"] + s["compliant_mu"] == pytest.approx(s["total_mu"], abs=0.011)
    assert sum(v["mu"] for v in s["by_village"].values()) == pytest.approx(s["total_mu"], abs=0.011)
    f = r.findings[r.findings["problem_type"] == "数据质量"]
    assert f["patch_id"].tolist() == ["P1、P2"]
    assert f["area_m2"].iat[0] == pytest.approx(m2(box(80, 0, 100, 100)), abs=1e-3)
    assert r.parcels.set_index("parcel_id")["overlaps_with"].to_dict() == {"P1": "P2", "P2": "P1", "P3": ""}
    assert r.overlaps[["parcel_a", "parcel_b", "group_a", "group_b"]].values.tolist() == [["P1", "P2", "甲", "乙"]]


def test_a_parcel_with_an_invalid_ring_is_repaired():
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100), (X0, Y0)])
    assert not bowtie.is_valid
    r = check_transfer(frame([bowtie, box(100, 0, 150, 100)]))
    assert r.summary["n_parcels"] == 2 and r.summary["n_blocks"] == 1
    assert r.parcels.geometry.is_valid.all()
    assert r.parcels["area_m2"].iat[0] == pytest.approx(m2(box(0, 0, 100, 100)) / 2, rel=1e-6)
    assert any("repaired" in w for w in r.summary["warnings"])


def test_lonlat_input_gives_the_same_blocks_and_areas():
    geoms = [box(0, 0, 100, 100), box(104, 0, 204, 100), box(300, 0, 400, 80)]
    a = check_transfer(frame(geoms))
    b = check_transfer(frame(geoms, crs=4490))
    assert blocks_of(a) == blocks_of(b)
    assert np.allclose(a.blocks["area_m2"], b.blocks["area_m2"], atol=0.05)
    assert b.blocks.crs.to_epsg() == 4490 and b.findings.crs.to_epsg() == 4490


def test_empty_and_bad_input():
    r = check_transfer(frame([]))
    assert r.summary["n_blocks"] == 0 and r.summary["total_mu"] == 0 and len(r.findings) == 0
    with pytest.raises(LandcheckError, match="no field '经营者'.*流入方"):
        check_transfer(frame([box(0, 0, 1, 1)]), by="经营者")
    with pytest.raises(LandcheckError, match="both"):
        check_transfer(frame([box(0, 0, 1, 1)]), farmland=frame([box(0, 0, 1, 1)]))
    with pytest.raises(LandcheckError, match="more than 0"):
        check_transfer(frame([box(0, 0, 1, 1)]), target_mu=0)


# ------------------------------------------------------------------ rules on transferred farmland
def test_transferred_farmland_in_non_grain_and_non_farm_use():
    parcels = frame([box(0, 0, 200, 100), box(0, 300, 100, 400)], ids=["T1", "T2"])
    farmland = gpd.GeoDataFrame({"YJJBNTTBBH": ["F1"]}, geometry=[box(0, 0, 150, 100)], crs=4527)
    survey = gpd.GeoDataFrame(
        {"BSM": ["S1", "S2", "S3", "S4"], "DLBM": ["0201", "0702", "0103", "1104A"], "ZLDWMC": ["东村"] * 4},
        geometry=[box(0, 0, 60, 100), box(60, 0, 100, 100), box(100, 0, 200, 100), box(0, 300, 100, 400)],
        crs=4527)
    r = check_transfer(parcels, farmland=farmland, survey=survey)
    f = r.findings[r.findings["category"] != "transfer_below_min"].set_index("problem_type")
    # orchard inside the farmland: non-grain; homestead inside: non-farm; 0103 is fine; the pond is
    # transferred but outside the farmland
    assert sorted(f.index) == ["流转地块非农化", "流转地块非粮化"]
    assert f.loc["流转地块非粮化", "area_m2"] == pytest.approx(m2(box(0, 0, 60, 100)), abs=1e-3)
    assert f.loc["流转地块非粮化", "area_mu"] == units.round_half_up(units.m2_to_mu(m2(box(0, 0, 60, 100))), 2)
    assert f.loc["流转地块非粮化", "dlbm"] == "0201" and f.loc["流转地块非粮化", "suggested_measure"].startswith("退园还耕")
    assert f.loc["流转地块非农化", "area_m2"] == pytest.approx(m2(box(60, 0, 100, 100)), abs=1e-3)
    assert set(f["patch_id"]) == {"T1"} and set(f["farmland_id"]) == {"F1"}
    s = r.summary
    assert s["n_non_grain"] == 1 and s["n_non_farm"] == 1
    assert s["transferred_in_pbf_mu"] == units.round_half_up(units.m2_to_mu(m2(box(0, 0, 150, 100))), 2)
    assert all(vocabulary().knows_problem_type(p) for p in r.findings["problem_type"])


# ---------------------------------------------------------------------------------- the command
def write_transfer(tmp_path: Path, geoms, name="流转.gpkg", **cols) -> Path:
    n = len(geoms)
    data = {"地块编号": [f"LZ-{i + 1:03d}" for i in range(n)], "流入方": ["甲合作社"] * n, "村名": ["东村"] * n,
            "流转面积": [10.0] * n, **cols}
    path = tmp_path / name
    gpd.GeoDataFrame(data, geometry=list(geoms), crs=4527).to_file(path, layer="流转地块", engine="pyogrio")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_cli_writes_every_output_and_exits_1_on_findings(tmp_path):
    big = split(rect_of_mu(120, 0, 0))
    small = rect_of_mu(30, 0, 1000)
    path = write_transfer(tmp_path, [*big, small], 流入方=["甲合作社", "甲合作社", "乙农场"])
    out = tmp_path / "out"
    r = invoke("transfer", path, "--by", "流入方", "-o", out)
    assert r.exit_code == 1, r.output
    assert "不足 100 亩" in r.output and "乙农场" in r.output and "3.00 %" in r.output
    assert {p.name for p in out.iterdir()} == {"blocks.gpkg", "parcels.gpkg", "findings.gpkg", "findings.csv", "findings.xlsx", "summary.json", "manifest.json"}
    assert pyogrio.list_layers(out / "blocks.gpkg")[:, 0].tolist() == ["blocks"]
    blocks = gpd.read_file(out / "blocks.gpkg", layer="blocks")
    assert blocks.columns.tolist() == ["block_id", "group", "n_parcels", "parcel_ids", "villages", "area_m2", "area_mu",
                                       "below_min", "geometry"]
    # by smallest parcel id, whatever the group
    assert blocks["group"].tolist() == ["甲合作社", "乙农场"]
    assert blocks["below_min"].tolist() == [False, True] and blocks["area_mu"].tolist() == [120.0, 30.0]
    parcels = gpd.read_file(out / "parcels.gpkg", layer="parcels")
    assert parcels["block_id"].tolist() == ["B0001", "B0001", "B0002"]
    assert {"地块编号", "村名", "流入方", "流转面积"} <= set(parcels.columns)  # the officer's own field names
    findings = gpd.read_file(out / "findings.gpkg", layer="findings")
    assert findings["problem_type"].tolist() == ["流转地块不足100亩"] and findings["patch_id"].tolist() == ["B0002"]
    assert (out / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["total_mu"] == 150.0 and s["compliant_mu"] == 120.0 and s["below_min_mu"] == 30.0
    assert s["target_mu"] == 5000.0 and s["progress_pct"] == 3.0 and s["by"] == "流入方"
    assert s["read_report"]["transfer"]["field_map"] == {"ZLDWMC": "村名", "DKBM": "地块编号"}
    assert s["contract_mu"] == 30.0


def test_cli_exit_0_when_every_block_is_big_enough(tmp_path):
    path = write_transfer(tmp_path, [rect_of_mu(100.04)])
    r = invoke("transfer", path, "-o", tmp_path / "out", "--target-mu", "100")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["progress_pct"] == 100.04


def test_cli_by_takes_the_field_name_of_the_file(tmp_path):
    geoms = [box(0, 0, 100, 100), box(100, 0, 200, 100)]
    path = write_transfer(tmp_path, geoms, 村名=["东村", "西村"])
    r = invoke("transfer", path, "--by", "村名", "-o", tmp_path / "out")
    assert r.exit_code == 1, r.output
    s = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert s["n_blocks"] == 2 and set(s["by_group"]) == {"东村", "西村"}


def test_cli_min_mu_and_gap_options(tmp_path):
    path = write_transfer(tmp_path, [rect_of_mu(60), rect_of_mu(60, 215, 0)])
    out = tmp_path / "out"
    assert invoke("transfer", path, "-o", out).exit_code == 1  # 15 m apart: two blocks of 60 mu
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["n_blocks"] == 2
    assert invoke("transfer", path, "-o", out, "--gap-m", "15", "--min-mu", "120").exit_code == 0
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["n_blocks"] == 1
    r = invoke("transfer", path, "-o", out, "--gap-m", "15", "--min-mu", "125")
    assert r.exit_code == 1 and "流转地块不足125亩" in (out / "findings.csv").read_text(encoding="utf-8-sig")


def test_cli_invalid_ring_is_repaired_and_reported(tmp_path):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100), (X0, Y0)])
    path = write_transfer(tmp_path, [bowtie, box(300, 0, 400, 100)])
    r = invoke("transfer", path, "-o", tmp_path / "out")
    assert r.exit_code == 1, r.output
    s = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    repaired = s["read_report"]["transfer"]["repaired"]
    assert [x["feature_id"] for x in repaired] == ["#1"] and "Self-intersection" in repaired[0]["reason"]
    assert s["n_parcels"] == 2 and s["areas_m2"]["total"] == pytest.approx(m2(box(0, 0, 100, 100)) * 1.5, rel=1e-6)


def test_cli_empty_layer_is_exit_2(tmp_path):
    path = write_transfer(tmp_path, [])
    r = invoke("transfer", path, "-o", tmp_path / "out")
    assert r.exit_code == 2 and "empty" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out").exists()


def test_cli_unknown_by_field_is_exit_2_and_lists_the_fields(tmp_path):
    path = write_transfer(tmp_path, [box(0, 0, 10, 10)])
    r = invoke("transfer", path, "--by", "经营者", "-o", tmp_path / "out")
    assert r.exit_code == 2
    assert "经营者" in r.output and "地块编号, 流入方, 村名, 流转面积" in r.output
    assert len([x for x in r.output.splitlines() if x.strip()]) == 1


@pytest.mark.parametrize("args,expect", [
    (("--farmland", "x.gpkg"), "both"),
    (("--min-mu", "0"), "--min-mu"),
    (("--gap-m", "-1"), "--gap-m"),
])
def test_cli_bad_options_are_exit_2(tmp_path, args, expect):
    path = write_transfer(tmp_path, [box(0, 0, 10, 10)])
    r = invoke("transfer", path, *args, "-o", tmp_path / "out")
    assert r.exit_code == 2 and expect in r.output


def test_cli_findings_reach_the_ledger(tmp_path):
    from landcheck.ledger import read_tasks

    path = write_transfer(tmp_path, [rect_of_mu(30)])
    ledger = tmp_path / "ledger.gpkg"
    r = invoke("transfer", path, "-o", tmp_path / "out", "--ledger", ledger, "--prefix", "SL")
    assert r.exit_code == 1, r.output
    tasks = read_tasks(ledger)
    assert tasks["check"].tolist() == ["transfer"] and tasks["problem_type"].tolist() == ["流转地块不足100亩"]
    assert tasks["issue_id"].iat[0].startswith("SL-") and tasks["source"].iat[0] == "流转台账"


@needs_sample
def test_cli_on_the_sample_township(tmp_path):
    out = tmp_path / "out"
    r = invoke("transfer", SAMPLE / "transfer.gpkg", "--by", "流入方", "--farmland", SAMPLE / "farmland.gpkg",
               "--survey", SAMPLE / "survey" / "DLTB.shp", "-o", out)
    assert r.exit_code == 1, r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["n_parcels"] == 380 and s["n_groups"] == 15
    # the generator's own count (round buffers of gap/2, independent of the check): 29 blocks, 18 under 100 mu
    expected = sample.transfer_blocks(gpd.read_file(SAMPLE / "transfer.gpkg"))
    assert s["n_blocks"] == len(expected) == 29
    assert s["n_below_min"] == int((expected < 100).sum()) == 18 and s["n_compliant"] == 11
    assert s["below_min_mu"] + s["compliant_mu"] == pytest.approx(s["total_mu"], abs=0.011)
    assert s["total_mu"] < s["target_mu"] and s["progress_pct"] == units.round_half_up(s["total_mu"] / 50, 2)
    assert abs(s["contract_mu"] - s["total_mu"]) < 0.01 * s["total_mu"]
    assert sum(v["mu"] for v in s["by_village"].values()) == pytest.approx(s["total_mu"], abs=0.1)
    assert s["n_non_grain"] >= 1 and set(s["read_report"]) == {"transfer", "farmland", "survey"}
    findings = gpd.read_file(out / "findings.gpkg", layer="findings")
    assert (findings["problem_type"] == "流转地块不足100亩").sum() == 18
    assert set(findings["problem_type"]) <= {"流转地块不足100亩", "流转地块非粮化", "流转地块非农化", "数据质量"}
    assert findings["finding_key"].is_unique
    blocks = gpd.read_file(out / "blocks.gpkg", layer="blocks")
    assert blocks["below_min"].sum() == 18 and (blocks.loc[~blocks["below_min"], "area_mu"] >= 100).all()
    assert "B0029" in r.output or "商河县" in r.output


def test_number_blocks_ties_of_a_repeated_id_go_by_the_group_in_natural_order():
    """Blocks whose smallest parcel ids are equal (an id repeated in two groups) follow their group in
    natural order (组9 before 组10), whichever comes first in the layer; otherwise the smallest id decides."""
    from landcheck.checks.transfer.blocks import number_blocks

    comp = np.array([0, 1, 2, 3, 1])
    group = np.array(["组10", "组9", "组10", "组9", "组9"], dtype=object)
    ids = np.array(["P2", "P2", "P1", "P10", "P3"], dtype=object)
    block, block_ids, id_rank = number_blocks(comp, group, ids)
    assert block_ids.tolist() == ["B0001", "B0002", "B0003", "B0004"]
    # P1 (组10) first; then P2 of 组9 before P2 of 组10; then P10
    assert block.tolist() == [2, 1, 0, 3, 1]
    assert np.argsort(id_rank).tolist()[:1] == [2]
