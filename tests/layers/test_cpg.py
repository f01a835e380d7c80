"""A .cpg contradicted by the bytes of its DBF is refused (issue 15): UTF-8 text under a .cpg that says
GBK used to write 鐧藉潑鏉… into the findings and the ledger; GBK text under a .cpg saying UTF-8 too."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from landcheck.errors import LandcheckError
from landcheck.layers import read_layer


def _layer(tmp_path, encoding: str, cpg: str | None):
    df = gpd.GeoDataFrame({"DLBM": ["0101", "0201"], "DLMC": ["水田", "果园"], "ZLDWMC": ["白坊村", "熊家铺村"]},
                          geometry=[shapely.box(39_500_000, 4_100_000, 39_500_100, 4_100_100),
                                    shapely.box(39_500_100, 4_100_000, 39_500_200, 4_100_100)], crs=4527)
    path = tmp_path / f"{encoding}.shp"
    df.to_file(path, engine="pyogrio", encoding=encoding)
    cpg_path = path.with_suffix(".cpg")
    if cpg is None:
        cpg_path.unlink(missing_ok=True)
    else:
        cpg_path.write_text(cpg, encoding="ascii")
    return path


@pytest.mark.parametrize("encoding, cpg, found", [("UTF-8", "GBK", "UTF-8"), ("GBK", "UTF-8", "GBK"), ("UTF-8", "936", "UTF-8")])
def test_a_cpg_the_bytes_contradict_is_refused(tmp_path, encoding, cpg, found):
    path = _layer(tmp_path, encoding, cpg)
    with pytest.raises(LandcheckError, match=f"says {cpg} but the text is {found}.*--survey-encoding {found}"):
        read_layer(path, kind="survey", require_landuse=True)


@pytest.mark.parametrize("encoding, cpg", [("UTF-8", "UTF-8"), ("GBK", "GBK"), ("GBK", None)])
def test_a_cpg_that_fits_reads_the_names(tmp_path, encoding, cpg):
    df, report = read_layer(_layer(tmp_path, encoding, cpg), kind="survey", require_landuse=True)
    assert list(df["ZLDWMC"]) == ["白坊村", "熊家铺村"]


def test_an_encoding_given_overrides_the_contradicted_cpg(tmp_path):
    df, report = read_layer(_layer(tmp_path, "UTF-8", "GBK"), kind="survey", require_landuse=True, encoding="UTF-8")
    assert list(df["ZLDWMC"]) == ["白坊村", "熊家铺村"] and report.encoding_source == "option"
