"""Text safe in every format (issue 15 item 5): control characters in delivered text (a village name
with BEL/ESC) never reach an output; what was cleaned is counted in the read report."""

import csv
import io
import json
import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from landcheck import sample
from landcheck.cli import cli
from landcheck.layers import read_layer, read_layer_chunks
from landcheck.text import CONTROL, clean_frame, clean_text

BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]|_x00[01][0-9A-F]_")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def dirty_township(tmp_path_factory):
    """The sample township whose village names (ZLDWMC of survey and farmland) hold BEL and ESC, the
    farmland's also a C1 control and U+FFFE (the survey is GBK: it cannot hold those)."""
    folder = tmp_path_factory.mktemp("dirty")
    t = sample.make_township(n_patches=1000)
    for layer in (t.survey, t.farmland):
        layer["ZLDWMC"] = layer["ZLDWMC"].map(lambda v: v[:1] + "\x07\x1b" + v[1:])
    t.farmland["ZLDWMC"] = t.farmland["ZLDWMC"] + "\x85\ufffe"
    clean_names = set(t.survey["ZLDWMC"].map(lambda v: v.replace("\x07\x1b", "")))
    return sample.write_township(t, folder / "layers"), clean_names, folder


def test_clean_text_keeps_tab_newline_and_text_removes_controls():
    assert clean_text("镇\x07\x1b中\x00社区\x85\x9f\x7f\ufffe") == "镇中社区"
    assert clean_text("a\tb\nc\r") == "a\tb\nc\r" and clean_text(3) == 3 and clean_text(None) is None
    df, counts = clean_frame(pd.DataFrame({"a": ["x\x0by", "ok", None], "n": [1, 2, 3]}))
    assert df["a"].tolist()[:2] == ["xy", "ok"] and df["a"].isna().iat[2] and counts == {"a": 1}


def test_reader_cleans_and_counts_whole_and_chunked(dirty_township):
    paths, names, _ = dirty_township
    for role in ("survey", "farmland"):
        df, rep = read_layer(paths[role])
        chunks = read_layer_chunks(paths[role], chunk_size=300)
        whole = pd.concat(list(chunks))
        assert set(df["ZLDWMC"]) <= names and not df["ZLDWMC"].map(lambda v: bool(CONTROL.search(v))).any()
        assert rep.text_cleaned == {"ZLDWMC": len(df)} == chunks.report.text_cleaned
        assert any("control characters removed" in w and "ZLDWMC" in w for w in rep.warnings)
        assert rep.to_dict() == chunks.report.to_dict() and whole["ZLDWMC"].tolist() == df["ZLDWMC"].tolist()


def test_farmland_and_ledger_export_outputs_all_open_with_clean_names(dirty_township):
    paths, names, folder = dirty_township
    out = folder / "out"
    r = invoke("farmland", "--survey", paths["survey"], "--farmland", paths["farmland"], "--facility-records",
               paths["facility_records"], "--ledger", out / "ledger.gpkg", "-o", out, "--map", out / "map.html",
               "--township", "示例\x07镇\x1b")  # a typed name too: it makes the issue ids
    assert r.exit_code == 1, r.output
    for suffix in ("xlsx", "csv"):
        e = invoke("ledger", "export", out / "ledger.gpkg", "-o", out / f"export.{suffix}")
        assert e.exit_code == 0, e.output
    e = invoke("ledger", "export", out / "ledger.gpkg", "-o", out / "county.xlsx", "--template", "county", "--county", "示例\x07县")
    assert e.exit_code == 0, e.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"), strict=True)
    assert summary["read_report"]["survey"]["text_cleaned"] == {"ZLDWMC": summary["read_report"]["survey"]["n_read"]}
    assert summary["read_report"]["farmland"]["text_cleaned"]["ZLDWMC"] > 0
    tasks = pyogrio.read_dataframe(out / "ledger.gpkg", layer="tasks")
    history = pyogrio.read_dataframe(out / "ledger.gpkg", layer="history")
    assert tasks["issue_id"].str.startswith("示例镇-").all() and set(history["issue_id"]) == set(tasks["issue_id"])
    for layer in ("history", "meta"):
        frame = pyogrio.read_dataframe(out / "ledger.gpkg", layer=layer)
        assert not any(BAD.search(str(v)) for v in frame.to_numpy().ravel()), layer
    villages = set()
    for book in ("findings.xlsx", "export.xlsx", "county.xlsx"):
        wb = openpyxl.load_workbook(out / book)  # invalid XML raises here
        cells = [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
        assert not any(BAD.search(v) for v in cells + wb.sheetnames), book
        villages |= names & set(cells + wb.sheetnames)
    assert villages == names
    assert any("示例县" in v for ws in openpyxl.load_workbook(out / "county.xlsx").worksheets
               for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str))
    for gpkg, layer in (("findings.gpkg", "findings"), ("ledger.gpkg", "tasks")):
        df = pyogrio.read_dataframe(out / gpkg, layer=layer)
        assert set(df["village"]) <= names and len(df), gpkg
    for name in ("findings.csv", "export.csv"):
        text = (out / name).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) > 1 and not BAD.search(text), name
    for name in ("summary.json", "map.html"):
        assert not BAD.search((out / name).read_text(encoding="utf-8")), name
    assert set(gpd.read_file(out / "findings.gpkg")["village"]) <= names


# ------------------------------------------------------------------------------------------
# Input fields named like landcheck's own
# ------------------------------------------------------------------------------------------
#: Fields of a delivery named like the reader's columns and transfer's outputs (but for case).
COLLIDING = {"feature_id": "a", "FEATURE_NO": "b", "PARCEL_ID": "c", "AREA_MU": "d", "Block_ID": "e", "Village": "v"}


@pytest.fixture(scope="module")
def colliding_township(tmp_path_factory):
    folder = tmp_path_factory.mktemp("collide")
    t = sample.make_township(n_patches=1000)
    for layer in (t.survey, t.farmland, t.transfer):
        for name, value in COLLIDING.items():
            layer[name] = value
    return sample.write_township(t, folder / "layers"), folder


def _renamed(report: dict) -> set[str]:
    return {w.split("'")[1] for w in report["warnings"] if "renamed" in w and w.endswith("a field of that name")}


def test_farmland_and_survey_rename_fields_named_like_the_readers(colliding_township):
    paths, folder = colliding_township
    r = invoke("farmland", "--survey", paths["survey"], "--farmland", paths["farmland"], "-o", folder / "farmland")
    assert r.exit_code == 1, r.output
    s = json.loads((folder / "farmland" / "summary.json").read_text(encoding="utf-8"))
    for role in ("survey", "farmland"):
        rep = s["read_report"][role]
        assert _renamed(rep) == {"feature_id", "FEATURE_NO"}
        assert rep["field_map"]["feature_id_src"] == "feature_id" and rep["field_map"]["FEATURE_NO_src"] == "FEATURE_NO"
    ids = pyogrio.read_dataframe(folder / "farmland" / "findings.gpkg")["patch_id"]
    assert len(ids) and not (ids == "a").any()  # the patches keep their own ids (BSM), not the colliding field
    r = invoke("survey", paths["survey"], "-o", folder / "survey")
    assert r.exit_code in (0, 1), r.output
    s = json.loads((folder / "survey" / "summary.json").read_text(encoding="utf-8"))
    assert _renamed(s["read_report"]["layer"]) == {"feature_id", "FEATURE_NO"}


def test_transfer_renames_fields_named_like_its_outputs(colliding_township):
    paths, folder = colliding_township
    out = folder / "transfer"
    r = invoke("transfer", paths["transfer"], "--by", "Village", "--farmland", paths["farmland"], "--survey",
               paths["survey"], "-o", out)
    assert r.exit_code == 1, r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert _renamed(s["read_report"]["transfer"]) == set(COLLIDING)
    assert s["n_groups"] == 1  # --by still finds the renamed field: one value, one group
    parcels = pyogrio.read_dataframe(out / "parcels.gpkg")
    cols = list(parcels.columns)
    assert {"parcel_id", "area_mu", "village", "PARCEL_ID_src", "AREA_MU_src", "Block_ID_src", "Village_src"} <= set(cols)
    assert len({c.casefold() for c in cols}) == len(cols)
    assert (parcels["PARCEL_ID_src"] == "c").all() and (parcels["Village_src"] == "v").all()
    assert (parcels["village"] != "v").all()


def test_transfer_on_the_latvian_fiboa_parcels(real_file, tmp_path):
    """lv/1_100.xml carries PARCEL_ID: transfer crashed after writing blocks.gpkg."""
    path = real_file("fiboa-cli-fixtures/lv/1_100.xml")
    r = invoke("transfer", path, "-o", tmp_path / "out")
    assert r.exit_code in (0, 1), r.output
    s = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert _renamed(s["read_report"]["transfer"]) == {"PARCEL_ID"} and s["n_parcels"] == 100
    parcels = pyogrio.read_dataframe(tmp_path / "out" / "parcels.gpkg")
    assert {"parcel_id", "PARCEL_ID_src"} <= set(parcels.columns) and parcels["PARCEL_ID_src"].notna().all()
