"""layers.py: every delivered format, the text-encoding, CRS, field, code and geometry pitfalls, clear
errors, and the real third-party files (skipped where ../shared/data/real is absent).

Every read goes through `read()`, which also checks that nothing was lost silently:
n_read == n_features + len(report.dropped)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from landcheck import units
from landcheck.errors import LandcheckError
from landcheck.layers import read_layer

FIBOA = "fiboa-cli-fixtures/"
NAMES = ["水田", "旱地", "果园", "农村道路"]
ELLIPSOIDAL = 66666.53  # the 300 m × 222.2222 m rectangle at 117.1°E 37.3°N


def read(path, **kw):
    """read_layer, plus the invariants every read must keep."""
    df, report = read_layer(path, **kw)
    assert report.n_read == report.n_features + len(report.dropped), "a feature was lost silently"
    assert len(df) == report.n_features
    assert df.crs is not None and report.crs
    assert df["feature_id"].notna().all()
    assert not df.geometry.isna().any() and not df.geometry.is_empty.any()
    assert set(df.geom_type) <= {"Polygon", "MultiPolygon"}
    assert df.geometry.is_valid.all()
    assert not df.geometry.has_z.any()
    json.dumps(report.to_dict(), ensure_ascii=False)  # goes into summary.json as it is
    return df, report


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture
def gbk_shapefile(patches, write, set_ldid, tmp_path):
    """A GBK shapefile the way Chinese deliveries come: no .cpg (or the given text), language byte `ldid`."""
    def make(folder=tmp_path, gdf=None, cpg=None, ldid=0):
        path = write(gdf if gdf is not None else patches(), folder, "shp", encoding="GBK")
        path.with_suffix(".cpg").unlink(missing_ok=True)
        if cpg is not None:
            path.with_suffix(".cpg").write_text(cpg)
        set_ldid(path.with_suffix(".dbf"), ldid)
        return path
    return make


# ================================================================== formats
def test_every_format_reads_the_same_patches(patches, write, layer_format, tmp_path):
    path = write(patches(), tmp_path, layer_format)
    df, r = read(path, kind="survey", require_landuse=True)
    assert r.n_read == r.n_features == 4 and r.dropped == [] and r.repaired == []
    assert r.layer == "DLTB"
    assert sorted(df["feature_id"]) == ["1", "2", "3", "4"]  # (FlatGeobuf reorders: its spatial index)
    by_id = df.set_index("feature_id")
    assert [by_id.loc[i, "DLMC"] for i in "1234"] == NAMES
    assert [by_id.loc[i, "DLBM"] for i in "1234"] == ["0101", "0103", "0201", "1006"]
    assert [by_id.loc[i, "ZLDWMC"] for i in "1234"] == ["东村", "东村", "西村", "西村"]
    assert r.encoding == "UTF-8" and r.encoding_source in ("cpg", "format", "detected")
    if layer_format == "kml":
        assert r.crs == "EPSG:4326"  # KML is always WGS 84 lon/lat
    else:
        assert r.crs == "EPSG:4527" and r.crs_source == "declared" and r.crs_warning is None
    area = units.ellipsoidal_area(by_id.loc[["1"]].geometry.values, df.crs)[0]
    assert area == pytest.approx(ELLIPSOIDAL, abs=0.05 if layer_format != "kml" else 0.5)


def test_drivers_are_the_expected_ones(patches, write, tmp_path):
    expect = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "shp.zip": "ESRI Shapefile", "gdb": "OpenFileGDB",
              "gdb.zip": "OpenFileGDB", "geojson": "GeoJSON", "fgb": "FlatGeobuf", "gml": "GML", "parquet": "GeoParquet"}
    for fmt, driver in expect.items():
        _, r = read(write(patches(), tmp_path / fmt.replace(".", "_"), fmt))
        assert r.driver == driver, fmt


def test_shapefile_folder_and_zip_with_subfolder(patches, write, tmp_path):
    shp = write(patches(), tmp_path / "a", "shp")
    df, _ = read(shp.parent)  # a folder holding one shapefile
    assert df["DLMC"].tolist() == NAMES
    z = tmp_path / "delivery.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp.parent.iterdir():
            zf.write(f, f"成果/{f.name}")
    df, r = read(z)
    assert df["DLMC"].tolist() == NAMES and r.crs == "EPSG:4527"


def test_gml_read_writes_no_gfs_beside_the_input(patches, write, tmp_path):
    path = write(patches(), tmp_path, "gml")
    path.with_suffix(".xsd").unlink()  # without its schema GDAL would write DLTB.gfs on open
    before = files_in(tmp_path)
    df, r = read(path)
    assert files_in(tmp_path) == before
    assert r.n_features == 4 and df["DLMC"].tolist() == NAMES


# ================================================================== choosing a layer
def _multi_gpkg(patches, path, names):
    for name in names:
        pyogrio.write_dataframe(patches(), path, layer=name, driver="GPKG")
    return path


def test_multi_layer_source_picks_by_name_hints(patches, tmp_path):
    path = _multi_gpkg(patches, tmp_path / "三调成果.gpkg", ["XZQ", "DLTB", "YJJBNTBHTB"])
    _, r = read(path, kind="survey")
    assert r.layer == "DLTB" and r.layers == ["XZQ", "DLTB", "YJJBNTBHTB"]
    _, r = read(path, kind="farmland")
    assert r.layer == "YJJBNTBHTB"
    _, r = read(path, kind="farmland", layer="XZQ")
    assert r.layer == "XZQ"
    _, r = read(path, layer="dltb")  # case-insensitive
    assert r.layer == "DLTB"


def test_multi_layer_source_without_a_hint_lists_layers_and_layer_option(patches, tmp_path):
    path = _multi_gpkg(patches, tmp_path / "two.gpkg", ["A图层", "B图层"])
    with pytest.raises(LandcheckError) as e:
        read(path, kind="survey")
    msg = str(e.value)
    assert "A图层" in msg and "B图层" in msg and "--layer" in msg and str(path) in msg
    with pytest.raises(LandcheckError, match="has no layer 'C'.*A图层"):
        read(path, layer="C")


# ================================================================== text encoding
def test_gbk_shapefile_without_cpg_and_language_byte_0(gbk_shapefile, tmp_path):
    path = gbk_shapefile()
    assert not path.with_suffix(".cpg").exists() and path.with_suffix(".dbf").read_bytes()[29] == 0
    naive = pyogrio.read_dataframe(path)  # what GDAL alone gives: mojibake, no warning
    assert naive["DLMC"].tolist() != NAMES
    df, r = read(path)
    assert df["DLMC"].tolist() == NAMES and df["ZLDWMC"].tolist()[0] == "东村"
    assert r.encoding == "GBK" and r.encoding_source == "detected"
    assert r.mojibake_repaired == {}  # read right the first time, nothing to repair


def test_gbk_shapefile_with_cpg_ansi_936(gbk_shapefile, tmp_path):
    df, r = read(gbk_shapefile(cpg="ANSI 936"))
    assert df["DLMC"].tolist() == NAMES and r.encoding == "GBK" and r.encoding_source == "cpg"


def test_gbk_shapefile_with_language_byte_0x4d(gbk_shapefile, tmp_path):
    df, r = read(gbk_shapefile(ldid=0x4D))
    assert df["DLMC"].tolist() == NAMES and r.encoding == "GBK" and r.encoding_source == "dbf_language_byte"


def test_zipped_gbk_shapefile_without_cpg(gbk_shapefile, tmp_path):
    shp = gbk_shapefile(tmp_path / "a")
    z = tmp_path / "dltb.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp.parent.iterdir():
            zf.write(f, f.name)
    df, r = read(z)
    assert df["DLMC"].tolist() == NAMES and r.encoding == "GBK"


def test_utf8_shapefile_without_cpg(patches, write, tmp_path):
    path = write(patches(), tmp_path, "shp")
    path.with_suffix(".cpg").unlink()
    assert path.with_suffix(".dbf").read_bytes()[29] == 0
    df, r = read(path)
    assert df["DLMC"].tolist() == NAMES and r.encoding == "UTF-8" and r.encoding_source == "detected"


def test_encoding_option_overrides(gbk_shapefile, tmp_path):
    path = gbk_shapefile(cpg="UTF-8")  # a lying .cpg: a clear error, then --encoding
    with pytest.raises(LandcheckError, match="says UTF-8 but the text is GBK.*encoding GBK"):
        read(path)
    df, r = read(path, encoding="GBK")
    assert df["DLMC"].tolist() == NAMES and r.encoding == "GBK" and r.encoding_source == "option"


def test_wrong_encoding_option_is_a_clear_error_not_a_traceback(gbk_shapefile, tmp_path):
    path = gbk_shapefile()
    with pytest.raises(LandcheckError) as e:
        read(path, encoding="UTF-8")
    assert "--encoding" in str(e.value) and str(path) in str(e.value)
    with pytest.raises(LandcheckError, match="unknown text encoding"):
        read(path, encoding="NO-SUCH-CODEC")


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_mojibake_text_is_repaired_and_counted(patches, write, tmp_path, fmt):
    gbk_moji = [s.encode("gbk").decode("latin-1") for s in NAMES]  # 水田 → 'Ë®Ìï'
    utf8_moji = "东村".encode("utf-8").decode("latin-1")
    gdf = patches(DLBM=[None] * 4, DLMC=gbk_moji, ZLDWMC=[utf8_moji, utf8_moji, "西村", "西村"])
    assert gdf["DLMC"][0] == "Ë®Ìï"
    df, r = read(write(gdf, tmp_path, fmt))
    assert df["DLMC"].tolist() == NAMES
    assert df["ZLDWMC"].tolist() == ["东村", "东村", "西村", "西村"]
    assert r.mojibake_repaired == {"DLMC": 4, "ZLDWMC": 2}
    assert df["DLBM"].tolist() == ["0101", "0103", "0201", "1006"]  # codes from the repaired names


LATIN = ["Ocupação", "Maçã", "CONSOCIAÇÕES ANUAIS", "Größe", "créée", "Mähweide", "Vårbyg", "Jäätynyt"]


def test_latin_text_with_accents_is_not_repaired(patches, write, tmp_path):
    gdf = patches(n=len(LATIN), NOME=LATIN)
    df, r = read(write(gdf, tmp_path / "j", "geojson"))
    assert df["NOME"].tolist() == LATIN and r.mojibake_repaired == {}
    for value in LATIN[:5]:  # one accented value alone in its column
        df, r = read(write(patches(n=1, NOME=[value]), tmp_path / f"one{len(value)}", "gpkg"))
        assert df["NOME"].tolist() == [value] and r.mojibake_repaired == {}


def test_latin1_shapefile_without_cpg_is_not_read_as_gbk(patches, write, tmp_path):
    gdf = patches(n=len(LATIN), NOME=LATIN, DLMC=None, ZLDWMC=None)  # no Chinese: Latin-1 cannot hold it
    path = write(gdf, tmp_path, "shp", encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink()
    df, r = read(path)
    assert r.encoding in ("ISO-8859-1", "CP1252") and df["NOME"].tolist() == LATIN and r.mojibake_repaired == {}


# ================================================================== CRS
def test_zone_prefixed_coordinates_without_prj_are_epsg_4527(patches, write, tmp_path):
    path = write(patches(), tmp_path, "shp", prj=False)
    assert not path.with_suffix(".prj").exists()
    df, r = read(path)
    assert r.crs == "EPSG:4527" and r.crs_source == "inferred" and df.crs.to_epsg() == 4527
    assert any("zone prefix 39" in w for w in r.warnings)
    assert units.ellipsoidal_area(df.geometry.values[:1], df.crs)[0] == pytest.approx(ELLIPSOIDAL, abs=0.05)


def test_lonlat_without_prj_is_cgcs2000_geographic(patches, write, tmp_path):
    df, r = read(write(patches(crs=4490), tmp_path, "shp", prj=False))
    assert r.crs == "EPSG:4490" and r.crs_source == "inferred"
    assert units.ellipsoidal_area(df.geometry.values[:1], df.crs)[0] == pytest.approx(ELLIPSOIDAL, abs=0.05)


def test_plain_eastings_without_prj_ask_for_crs_and_show_the_extent(patches, write, tmp_path):
    path = write(patches(crs=4548), tmp_path, "shp", prj=False)
    with pytest.raises(LandcheckError) as e:
        read(path)
    msg = str(e.value)
    assert "--crs" in msg and "extent" in msg and "508866" in msg and str(path) in msg
    df, r = read(path, crs="EPSG:4548")
    assert r.crs == "EPSG:4548" and r.crs_source == "option"
    assert units.ellipsoidal_area(df.geometry.values[:1], df.crs)[0] == pytest.approx(ELLIPSOIDAL, abs=0.05)


def test_declared_prefixed_crs_with_plain_eastings_is_reported_with_the_likely_one(patches, write, tmp_path):
    gdf = patches(crs=4548).set_crs(4527, allow_override=True)
    df, r = read(write(gdf, tmp_path, "gpkg"))
    assert r.crs_warning and "EPSG:4527" in r.crs_warning and r.likely_crs == "EPSG:4548"
    assert df.crs.to_epsg() == 4548 and r.crs_source == "corrected"
    # --crs cannot force it: in EPSG:4527 these eastings lie nowhere in China (issue 15: never judge such data)
    with pytest.raises(LandcheckError, match="given with --crs cannot be right"):
        read(write(gdf, tmp_path / "b", "gpkg"), crs="EPSG:4527")


def test_declared_plain_crs_with_prefixed_eastings_is_reported_with_the_likely_one(patches, write, tmp_path):
    gdf = patches(crs=4527).set_crs(4548, allow_override=True)
    df, r = read(write(gdf, tmp_path, "gpkg"))
    assert r.crs_warning and "EPSG:4548" in r.crs_warning and r.likely_crs == "EPSG:4527"
    assert df.crs.to_epsg() == 4527
    assert units.ellipsoidal_area(df.geometry.values[:1], df.crs)[0] == pytest.approx(ELLIPSOIDAL, abs=0.05)


def test_declared_wrong_zone_is_reported(patches, write, tmp_path):
    gdf = patches(crs=4527).set_crs(4526, allow_override=True)  # zone 38 declared, eastings say 39
    _, r = read(write(gdf, tmp_path, "gpkg"))
    assert r.likely_crs == "EPSG:4527" and "zone 38" in r.crs_warning


def test_declared_geographic_crs_with_metre_numbers(patches, write, tmp_path):
    gdf = patches(crs=4527).set_crs(4490, allow_override=True)
    df, r = read(write(gdf, tmp_path / "a", "gpkg"))
    assert "degrees" in r.crs_warning and r.likely_crs == "EPSG:4527" and df.crs.to_epsg() == 4527
    # plain eastings: nothing to infer from, so stop and ask
    gdf = patches(crs=4548).set_crs(4490, allow_override=True)
    with pytest.raises(LandcheckError, match="--crs"):
        read(write(gdf, tmp_path / "b", "gpkg"))


def test_declared_projected_crs_with_degree_numbers(patches, write, tmp_path):
    gdf = patches(crs=4490).set_crs(4527, allow_override=True)
    df, r = read(write(gdf, tmp_path, "gpkg"))
    assert r.crs_warning and "degrees" in r.crs_warning
    assert r.likely_crs == "EPSG:4490" and df.crs.to_epsg() == 4490
    assert units.ellipsoidal_area(df.geometry.values[:1], df.crs)[0] == pytest.approx(ELLIPSOIDAL, abs=0.05)


def test_bad_crs_option(patches, write, tmp_path):
    with pytest.raises(LandcheckError, match="--crs 'EPSG:99999'"):
        read(write(patches(), tmp_path, "gpkg"), crs="EPSG:99999")


# ================================================================== fields and codes
@pytest.mark.parametrize("fmt", ["shp", "gpkg", "geojson"])
def test_numeric_codes_get_their_leading_zero(patches, write, tmp_path, fmt):
    gdf = patches(n=3, DLBM=[101, 102, 1006], DLMC=None)
    path = write(gdf, tmp_path, fmt)
    assert pyogrio.read_info(path)["dtypes"][0].startswith("int")  # really written as numbers
    df, r = read(path)
    assert df["DLBM"].tolist() == ["0101", "0102", "1006"]
    assert "0101" in r.code_reading and r.unknown_codes == {}


def test_float_codes(patches, write, tmp_path):
    df, _ = read(write(patches(n=3, DLBM=[101.0, 203.0, 1104.0], DLMC=["水田", "村庄", "坑塘水面"]), tmp_path, "gpkg"))
    assert df["DLBM"].tolist() == ["0101", "203", "1104"]


def test_dlmc_only_layer_gets_codes_from_names(patches, write, tmp_path):
    names = ["有林地", "村庄", "建制镇", "水田", "某种新地类"]
    df, r = read(write(patches(n=5, DLBM=None, DLMC=names), tmp_path, "shp"), require_landuse=True)
    assert df["DLBM"].tolist()[:4] == ["0301", "203", "202", "0101"]
    assert df["DLBM"].isna().tolist() == [False] * 4 + [True]
    assert "4 codes taken from land-use names" in r.code_reading
    assert r.unknown_names == {"某种新地类": 1}
    assert any("某种新地类" in w for w in r.warnings)


def test_erdiao_layer_codes_and_unknown_codes(patches, write, tmp_path):
    gdf = patches(n=4, DLBM=["101", "031", "9999", "1104a"], DLMC=["铁路用地", "有林地", "?", "养殖坑塘"])
    df, r = read(write(gdf, tmp_path, "gpkg"))
    assert df["DLBM"].tolist() == ["1001", "0301", "9999", "1104A"]
    assert r.unknown_codes == {"9999": 1} and any("9999" in w for w in r.warnings)
    assert "二调" in r.code_reading


def test_chinese_field_aliases(patches, write, tmp_path):
    gdf = patches(n=2, DLBM=None, DLMC=None, BSM=None, ZLDWMC=None,
                  **{"地类编码": ["101", "1104a"], "地类名称": ["水田", "养殖坑塘"], "标识码": ["A1", "A2"], "坐落单位名称": ["东村", "西村"]})
    df, r = read(write(gdf, tmp_path, "gpkg"), require_landuse=True)
    assert r.field_map == {"BSM": "标识码", "DLBM": "地类编码", "DLMC": "地类名称", "ZLDWMC": "坐落单位名称"}
    assert df["DLBM"].tolist() == ["0101", "1104A"] and df["DLMC"].tolist() == ["水田", "养殖坑塘"]
    assert df["feature_id"].tolist() == ["A1", "A2"] and df["ZLDWMC"].tolist() == ["东村", "西村"]
    assert "地类编码" not in df.columns


def test_lowercase_field_names(patches, write, tmp_path):
    gdf = patches(n=2, DLBM=None, DLMC=None, BSM=None, ZLDWMC=None, dlbm=["0101", "0201"], dlmc=["水田", "果园"], bsm=[7, 8], zldwmc=["东村", "西村"])
    df, r = read(write(gdf, tmp_path, "gpkg"))
    assert r.field_map["DLBM"] == "dlbm" and r.field_map["ZLDWMC"] == "zldwmc"
    assert df["DLBM"].tolist() == ["0101", "0201"] and df["feature_id"].tolist() == ["7", "8"]


LONG_FIELDS = {"坐落单位名称": ["东村", "西村"], "扣除地类系数": [0.1, 0.2], "LANDUSE_CODE": ["0101", "0201"]}


def _dbf_field_names(path):
    dbf = path.with_suffix(".dbf").read_bytes()
    return [dbf[32 + 32 * i: 43 + 32 * i].split(b"\0")[0] for i in range((dbf[8] + 256 * dbf[9] - 33) // 32)]


def test_gbk_dbf_ten_byte_field_names_still_map(patches, write, tmp_path):
    path = write(patches(n=2, DLBM=None, ZLDWMC=None, **LONG_FIELDS), tmp_path, "shp", encoding="GBK")
    path.with_suffix(".cpg").unlink()
    names = _dbf_field_names(path)
    assert "坐落单位名".encode("gbk") in names and b"LANDUSE_CO" in names  # really cut to 10 bytes
    df, r = read(path, require_landuse=True)
    assert r.field_map["ZLDWMC"] == "坐落单位名" and r.field_map["KCXS"] == "扣除地类系" and r.field_map["DLBM"] == "LANDUSE_CO"
    assert df["ZLDWMC"].tolist() == ["东村", "西村"] and df["KCXS"].tolist() == [0.1, 0.2]
    assert df["DLBM"].tolist() == ["0101", "0201"]


def test_utf8_dbf_field_names_cut_inside_a_character(patches, write, tmp_path):
    # GDAL cuts 坐落单位名称 at 10 UTF-8 bytes: 坐落单 + the first byte of 位 — pyogrio alone cannot read it
    path = write(patches(n=2, DLBM=None, ZLDWMC=None, **LONG_FIELDS), tmp_path, "shp", encoding="UTF-8")
    assert "坐落单位".encode()[:10] in _dbf_field_names(path)
    with pytest.raises(UnicodeDecodeError):
        pyogrio.read_dataframe(path)
    df, r = read(path, require_landuse=True)
    assert r.encoding == "UTF-8" and df["DLMC"].tolist() == NAMES[:2]
    assert df["坐落单"].tolist() == ["东村", "西村"] and df["扣除地"].tolist() == [0.1, 0.2]
    assert df["DLBM"].tolist() == ["0101", "0201"]
    # 坐落单 may be 坐落单位代码 or 坐落单位名称: not guessed, said
    assert "ZLDWMC" not in r.field_map and "ZLDWDM" not in r.field_map
    assert any("坐落单" in w and "ZLDWMC" in w for w in r.warnings)
    df, r = read(path, fields={"ZLDWMC": "坐落单"})
    assert df["ZLDWMC"].tolist() == ["东村", "西村"]


def test_utf8_dbf_with_cut_field_names_and_no_cpg(patches, write, tmp_path):
    path = write(patches(n=2, DLBM=None, ZLDWMC=None, **LONG_FIELDS), tmp_path, "shp", encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    df, r = read(path)
    assert r.encoding == "UTF-8" and r.encoding_source == "detected"
    assert {"坐落单", "扣除地"} <= set(df.columns) and df["DLMC"].tolist() == NAMES[:2]


def test_gbk_bytes_inside_a_geojson(tmp_path):
    # GeoJSON must be UTF-8, but files saved by old Chinese tools carry GBK bytes
    text = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"DLMC": "水田", "村名": "东村"},'
            ' "geometry": {"type": "Polygon", "coordinates": [[[117.1, 37.3], [117.2, 37.3], [117.2, 37.4], [117.1, 37.3]]]}}]}')
    path = tmp_path / "gbk.geojson"
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        pyogrio.read_dataframe(path)  # GDAL alone
    df, r = read(path, require_landuse=True)
    assert r.encoding == "GBK" and r.encoding_source == "detected"
    assert df["DLMC"].tolist() == ["水田"] and df["ZLDWMC"].tolist() == ["东村"] and df["DLBM"].tolist() == ["0101"]


def test_field_override(patches, write, tmp_path):
    gdf = patches(n=2, DLBM=None, DLMC=None, 我的地类=["0101", "0201"])
    df, r = read(write(gdf, tmp_path, "gpkg"), fields={"DLBM": "我的地类"}, require_landuse=True)
    assert r.field_map["DLBM"] == "我的地类" and df["DLBM"].tolist() == ["0101", "0201"]
    with pytest.raises(LandcheckError, match="no such field"):
        read(write(gdf, tmp_path / "b", "gpkg"), fields={"DLBM": "缺失字段"})


def test_feature_ids_bsm_or_position(patches, write, tmp_path):
    df, _ = read(write(patches(n=3, BSM=None), tmp_path / "a", "gpkg"))
    assert df["feature_id"].tolist() == ["#1", "#2", "#3"] and df["feature_no"].tolist() == [1, 2, 3]
    df, _ = read(write(patches(n=3, BSM=[None, "370101", None]), tmp_path / "b", "gpkg"))
    assert df["feature_id"].tolist() == ["#1", "370101", "#3"]
    df, _ = read(write(patches(n=2, BSM=[370100000001, 370100000002]), tmp_path / "c", "shp"))
    assert df["feature_id"].tolist() == ["370100000001", "370100000002"]  # no '.0', no exponent


def test_duplicate_ids_are_warned(patches, write, tmp_path):
    _, r = read(write(patches(n=3, BSM=["1", "1", "2"]), tmp_path, "gpkg"))
    assert any("more than once" in w for w in r.warnings)


def test_survey_layer_without_landuse_field(patches, write, tmp_path):
    path = write(patches(DLBM=None, DLMC=None), tmp_path, "gpkg")
    with pytest.raises(LandcheckError) as e:
        read(path, require_landuse=True)
    msg = str(e.value)
    assert "land-use field" in msg and "DLBM" in msg and "地类编码" in msg and "DLMC" in msg and str(path) in msg
    df, r = read(path)  # farmland / inspect: no land-use field needed
    assert "DLBM" not in df.columns and r.code_reading is None


# ================================================================== geometry
def test_invalid_null_empty_and_z_geometries(patches, write, tmp_path):
    x0, y0 = 39508866.0, 4129810.0
    bowtie = shapely.Polygon([(x0, y0), (x0 + 100, y0 + 100), (x0 + 100, y0), (x0, y0 + 100)])
    assert not bowtie.is_valid
    box = shapely.box(x0 + 200, y0, x0 + 300, y0 + 100)
    boxz = shapely.force_3d(shapely.box(x0 + 400, y0, x0 + 500, y0 + 100), 12.5)
    gdf = patches(geoms=[bowtie, box, None, shapely.Polygon(), boxz], BSM=["B1", "B2", "B3", "B4", "B5"])
    for fmt in ("gpkg", "geojson", "shp"):
        path = write(gdf, tmp_path / fmt, fmt)
        assert pyogrio.read_dataframe(path).has_z.any()  # the file really holds Z
        df, r = read(path)
        assert r.n_read == 5 and r.n_features == 3
        assert df["feature_id"].tolist() == ["B1", "B2", "B5"]
        assert [d["feature_id"] for d in r.repaired] == ["B1"]
        assert "intersection" in r.repaired[0]["reason"].lower()
        # both triangles kept; the report gives the ellipsoidal area before and after, in m²
        assert r.repaired[0]["area_after_m2"] == pytest.approx(5000.0, rel=1e-4)
        assert r.repaired[0]["area_before_m2"] == pytest.approx(0.0, abs=1.0)  # the lobes cancel out
        assert sorted(d["feature_id"] for d in r.dropped) == ["B3", "B4"], fmt
        assert df.geometry.iloc[0].area == pytest.approx(5000.0)


def test_polygon_layer_with_some_points_drops_and_lists_them(patches, write, tmp_path):
    x0, y0 = 39508866.0, 4129810.0
    gdf = patches(geoms=[shapely.box(x0, y0, x0 + 10, y0 + 10), shapely.Point(x0, y0)])
    df, r = read(write(gdf, tmp_path, "gpkg"))
    assert r.dropped == [{"feature_id": "2", "reason": "point, not a polygon"}]


def test_geometry_collection_keeps_its_polygons(patches, write, tmp_path):
    x0, y0 = 39508866.0, 4129810.0
    gc = shapely.GeometryCollection([shapely.box(x0, y0, x0 + 10, y0 + 10), shapely.LineString([(x0, y0), (x0 + 50, y0)])])
    df, r = read(write(patches(geoms=[gc, shapely.box(x0 + 20, y0, x0 + 30, y0 + 10)]), tmp_path, "geojson"))
    assert r.n_features == 2 and df.geometry.iloc[0].area == pytest.approx(100.0)


@pytest.mark.parametrize("geom", [shapely.Point(39508866.0, 4129810.0), shapely.LineString([(39508866.0, 4129810.0), (39508966.0, 4129810.0)])])
def test_point_or_line_layer_is_an_error(patches, write, tmp_path, geom):
    path = write(patches(geoms=[geom, geom]), tmp_path, "gpkg")
    with pytest.raises(LandcheckError, match="not polygons.*--layer"):
        read(path)


def test_empty_layer_is_an_error(patches, write, tmp_path):
    for fmt in ("gpkg", "shp"):
        path = write(patches(n=0), tmp_path / fmt, fmt)
        with pytest.raises(LandcheckError, match="empty"):
            read(path)


def test_all_null_geometries_is_an_error(patches, write, tmp_path):
    with pytest.raises(LandcheckError, match="no usable polygon"):
        read(write(patches(geoms=[None, None]), tmp_path, "gpkg"))


@pytest.mark.parametrize("name,content,expect", [
    ("missing.shp", None, "file not found"),
    ("broken.gpkg", b"not a geopackage", "cannot be opened"),
    ("broken.zip", b"not a zip", "not a readable zip"),
    ("empty.zip", "zip", "no GIS layer"),
    ("table.dbf", b"", "no geometry"),
])
def test_bad_files_are_clear_errors(tmp_path, name, content, expect):
    path = tmp_path / name
    if content == "zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "nothing here")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(LandcheckError, match=expect) as e:
        read(path)
    assert str(path) in str(e.value)


# ================================================================== the real files
def test_real_gbk_lakes_shapefile(real_file):
    df, r = read(real_file("china-lakes-ngcc-hyd1_4p/hyd1_4p.shp"))
    assert r.encoding == "GBK" and r.crs == "EPSG:4490" and r.crs_source == "inferred"
    assert r.n_features == 550 and r.dropped == []
    names = set(df["NAME"].dropna())
    assert {"呼伦湖", "兴凯湖", "青海湖", "洪泽湖"} <= names and len(df["NAME"].dropna()) == 125
    hulun = df.loc[df["NAME"] == "呼伦湖"]
    area_km2 = units.ellipsoidal_area(hulun.geometry.values, df.crs).sum() / 1e6
    assert 1500 < area_km2 < 2600  # 呼伦湖 is about 2 000 km²


def test_real_zhejiang_utf8_shapefile_without_cpg_or_prj(real_file):
    df, r = read(real_file("china-admin-zhejiang-amap/浙江省.shp"))
    assert r.encoding == "UTF-8" and r.crs == "EPSG:4490" and r.crs_source == "inferred" and r.layer == "浙江省"
    assert r.n_features == 90 and r.mojibake_repaired == {}
    counts = df["ctname"].value_counts()
    assert counts["杭州市"] == 13 and counts["舟山市"] == 4 and len(counts) == 11
    assert "嵊泗县" in set(df["name"])


FIBOA_EXPECT = {
    "fr/PARCELLES_GRAPHIQUES.gpkg": ("parcelles_graphiques", "EPSG:2154"),
    "nl/brpgewaspercelen_definitief_2023.gpkg": ("brp_gewas", "EPSG:28992"),
    "be_vlg/Landbouwgebruikspercelen_2023_-_Definitief_(extractie_28-03-2024)_GPKG.zip": (None, "EPSG:31370"),
    "dk/Marker_2026.zip": ("Marker_2026", "EPSG:25832"),
    "es_cat/Cultius_DUN2023_GPKG.zip": ("CULTIUS_DUN2023", "EPSG:25831"),
    "at/inspire_schlaege_2025-1_polygon.gpkg.zip": ("INSPIRE_SCHLAEGE_2025-1_POLYGON", "EPSG:31287"),
    "de_bb/antrag.zip": ("antrag_land_gem", "EPSG:25833"),
    "ch/lwb_nutzungsflaechen_v2_0_lv95.gpkg": ("nutzungsflaechen", "EPSG:2056"),
    "fi/LandUse.ExistingLandUse.GSAAAgriculturalParcel.gpkg": ("hvd_kasvulohko", "EPSG:3067"),
    "ie/GSAA_2024.zip": ("ExistingLandUseObject", "EPSG:4258"),
    "lv/1_100.xml": ("Lauki", "EPSG:3059"),
    "us_ca_scm/i15_crop_mapping_2023_provisional_20241127.gdb.zip": ("i15_Crop_Mapping_2023_Provisional", "EPSG:4269"),
    "us_usda_cropland/NationalCSB_2017-2024_rev23.zip": ("national1724", None),
    "jp/jp_field_polygons_2024.parquet": (None, "EPSG:6668"),
    "it_1/iti1_2023.parquet": (None, "EPSG:3035"),
}


@pytest.mark.filterwarnings("error::RuntimeWarning")  # GDAL's notes go into the report, not the terminal
@pytest.mark.parametrize("rel", sorted(FIBOA_EXPECT))
def test_real_fiboa_fixtures_read(real_file, rel):
    path = real_file(FIBOA + rel)
    before = files_in(path.parent)
    df, r = read(path)
    layer, crs = FIBOA_EXPECT[rel]
    assert r.n_read == 100 and r.n_features + len(r.dropped) == 100
    if layer:
        assert r.layer == layer
    if crs:
        assert r.crs == crs and r.crs_source == "declared"
    assert r.crs_warning is None and r.mojibake_repaired == {}
    areas = units.ellipsoidal_area(df.geometry.values, df.crs)
    assert (areas > 0).all() and np.median(areas) < 5e6  # field parcels, not degrees² or km²
    assert files_in(path.parent) == before  # nothing written beside the input (no .gfs for the GML)
    if rel.startswith("ie/"):  # its GML has a duplicate field 'name': GDAL keeps the first, and we say so
        assert any("GDAL" in w and "(name)" in w for w in r.warnings)


def test_real_zipped_gdb_inside_a_folder(real_file):
    path = real_file(FIBOA + "us_usda_cropland/NationalCSB_2017-2024_rev23.zip")
    with zipfile.ZipFile(path) as zf:
        assert any(n.startswith("NationalCSB_2017-2024_rev23/CSB1724.gdb/") for n in zf.namelist())
    df, r = read(path)
    assert r.driver == "OpenFileGDB" and r.layer == "national1724" and "CSBACRES" in df.columns
    # CSBACRES is the provider's own area: ours agrees
    acres = units.ellipsoidal_area(df.geometry.values, df.crs) / 4046.8564224
    assert np.allclose(acres, df["CSBACRES"].astype(float), rtol=0.02)


def test_real_gdb_with_z_and_m_comes_back_2d(real_file):
    df, r = read(real_file(FIBOA + "us_ca_scm/i15_crop_mapping_2023_provisional_20241127.gdb.zip"))
    assert not df.geometry.has_z.any() and r.driver == "OpenFileGDB"
    acres = units.ellipsoidal_area(df.geometry.values, df.crs) / 4046.8564224
    assert np.allclose(acres, df["ACRES"].astype(float), rtol=0.02)


def test_real_gml_leaves_no_gfs_even_in_a_writable_copy(real_file, tmp_path):
    copy = tmp_path / "1_100.xml"
    shutil.copy(real_file(FIBOA + "lv/1_100.xml"), copy)
    df, r = read(copy)
    assert os.listdir(tmp_path) == ["1_100.xml"]
    assert r.layer == "Lauki" and "PRODUCT_CODE" in df.columns


def test_real_japanese_geoparquet(real_file):
    df, r = read(real_file(FIBOA + "jp/jp_field_polygons_2024.parquet"))
    assert r.driver == "GeoParquet" and {"田", "畑"} <= set(df["land_type_jp"])
    assert r.mojibake_repaired == {}


def test_real_portuguese_gpkg_needs_layer(real_file):
    path = real_file(FIBOA + "pt/Continente.gpkg")
    with pytest.raises(LandcheckError) as e:
        read(path)
    msg = str(e.value)
    assert "--layer" in msg and all(n in msg for n in ("Continente", "Culturas_Aveiro", "OcupacoesSolo_Aveiro"))
    df, r = read(path, layer="Culturas_Aveiro")
    assert r.n_features == 100 and r.mojibake_repaired == {} and "CT_português" in df.columns
    assert "CONSOCIAÇÕES ANUAIS E OUTRAS CULTURAS FORRAGEIRAS ANUAIS" in set(df["CT_português"])
    df, r = read(path, layer="OcupacoesSolo_Aveiro")
    assert r.n_features == 100 and "Área social" in set(df["VDO_DESCRI"])
    with pytest.raises(LandcheckError, match="empty"):
        read(path, layer="Continente")


def test_real_danish_shapefile_keeps_its_letters(real_file):
    df, r = read(real_file(FIBOA + "dk/Marker_2026.zip"))
    text = " ".join(map(str, df["Afgroede"].dropna()))
    assert "æ" in text or "ø" in text or "å" in text
    assert r.mojibake_repaired == {}
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)  # not read as GBK


@pytest.mark.parametrize("name,invalid", [("bassa_padovana", 310), ("padova_centro", 297)])
def test_real_veneto_tiles_repair_and_count_invalid_polygons(real_file, name, invalid):
    path = real_file(f"veneto-copsuolo2023/veneto_copsuolo2023_{name}.gpkg")
    df, r = read(path)
    raw = pyogrio.read_dataframe(path, columns=[], use_arrow=True)
    assert r.n_read == len(raw)
    assert (~shapely.is_valid(raw.geometry.values)).sum() == invalid
    # every invalid polygon is either repaired or, when nothing polygonal is left, dropped: all by id
    dropped_invalid = [d for d in r.dropped if d["reason"].startswith("invalid geometry")]
    assert len(r.repaired) + len(dropped_invalid) == invalid
    assert len(r.dropped) == len(dropped_invalid)  # nothing else was dropped
    assert len(r.repaired) > 0.7 * invalid
    ids = set(df["feature_id"])
    assert all(d["feature_id"] in ids for d in r.repaired)
    assert not any(d["feature_id"] in ids for d in r.dropped)
    # dropped features had (next to) no area to lose
    raw_no = {f"#{i + 1}": g for i, g in enumerate(raw.geometry.values)}
    lost = units.ellipsoidal_area(np.array([raw_no[d["feature_id"]] for d in r.dropped], dtype=object), 4326)
    assert lost.sum() < 1.0


def test_unknown_codes_and_names_are_tabled_with_rows_and_area(patches, write, tmp_path):
    from landcheck.layers import read_layer_chunks

    gdf = patches(n=6, DLBM=["9999", "9999", None, None, None, "0103"], DLMC=["?", "?", "菜园地", "菜地", None, "旱地"])
    path = write(gdf, tmp_path, "gpkg")
    df, r = read(path)
    m2 = units.ellipsoidal_area(df.geometry.values, df.crs)
    by_value = {e["value"]: e for e in r.unknown_table}
    assert set(by_value) == {"9999", "菜园地"}  # 菜地 is a 2001 name (0103); an empty row is no code nor name
    assert by_value["9999"]["kind"] == "code" and by_value["9999"]["rows"] == 2 and by_value["9999"]["action"] == "kept_code"
    assert by_value["9999"]["area_m2"] == pytest.approx(m2[0] + m2[1])
    assert by_value["菜园地"]["kind"] == "name" and by_value["菜园地"]["action"] == "no_code"
    assert by_value["菜园地"]["area_m2"] == pytest.approx(m2[2])
    assert all(e["category"] == "other" for e in r.unknown_table)
    assert "菜地 ×1 read as 0103 旱地" in r.code_reading
    # the chunked reader (dask engine) tables the same, to the bit
    chunks = read_layer_chunks(path, chunk_size=2)
    assert chunks.report.unknown_table == r.unknown_table
