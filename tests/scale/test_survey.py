"""The survey-layer quality check on dask (`landcheck.scale.check_survey_dask`) gives `check_survey`'s
result exactly: every problem row (code, severity, feature id, field, value, message, area, lon/lat and
the geometry, byte for byte), the counts, the summary and the report.

A generated 地类图斑 layer (a jittered grid of a few thousand patches with shared edges, every DLTB
field) is cut into several Hilbert parts, with defects planted so that the ones that cross partitions
are exercised: patches grown by 0.5 m (overlapping pairs across part boundaries), patches shrunk by
0.2 m (ring gaps), a long 5 cm gap that runs through several parts, a removed patch (a wide hole),
bow-tie rings (invalid), duplicate BSMs far apart (different parts), repeated TBBH in one unit,
unknown, blank and grouping codes, TBMJ mismatches and wrong attributes.
"""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landcheck import scale, units
from landcheck.checks.survey import SurveyTolerances, check_survey
from landcheck.layers import read_layer

from tests.helpers import REAL, jittered_corners, set_dbf_language_byte, write_layer

#: (DLBM, DLMC, ZZSXDM, KCXS, CZCSXM)
CLASSES = [("0101", "水田", "LS", 0.0, ""), ("0103", "旱地", "FLS", 0.053, ""), ("0201", "果园", "", 0.0, ""),
           ("0301", "乔木林地", "", 0.0, ""), ("1006", "农村道路", "", 0.0, ""), ("0702", "农村宅基地", "", 0.0, "203"),
           ("1104", "坑塘水面", "", 0.0, ""), ("0404", "其他草地", "", 0.0, "")]


def make_survey(nx: int = 60, ny: int = 45, seed: int = 11, crs: int = 4527) -> gpd.GeoDataFrame:
    """A 地类图斑 layer of nx × ny jittered 50 × 40 m patches (a coverage) with planted defects."""
    rng = np.random.default_rng(seed)
    X, Y = jittered_corners(nx, ny, rng)
    # a long thin gap: the patches left of grid line i0 stop 5 cm short of it in rows 6 … ny-7
    i0 = nx // 2
    geoms, rows = [], []
    for j in range(ny):
        for i in range(nx):
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            pts = []
            for a, b in corners:
                x = X[a, b]
                if a == i0 + 0 and i == i0 - 1 and 6 <= j < ny - 6 and 7 <= b < ny - 6:
                    x -= 0.05
                pts.append((x, Y[a, b]))
            geoms.append(shapely.Polygon(pts))
            rows.append(CLASSES[int(rng.integers(len(CLASSES)))])
    n = len(geoms)
    g = np.array(geoms, dtype=object)
    pick = rng.permutation(np.arange(nx + 1, n - nx - 1))  # not on the outer rows
    pick = np.resize(pick, max(len(pick), 110))  # (small layers plant the same patch twice)
    grow, shrink, bowtie = pick[:40], pick[40:70], pick[70:76]
    g[grow] = shapely.buffer(g[grow], 0.5, join_style="mitre")
    g[shrink] = shapely.buffer(g[shrink], -0.2, join_style="mitre")
    for k in bowtie:  # swap two corners: a self-intersecting ring
        c = shapely.get_coordinates(g[k])[:4]
        g[k] = shapely.Polygon([c[0], c[2], c[1], c[3]])
    removed = int(pick[76])
    data = {
        "BSM": [f"B{k + 1}" for k in range(n)], "YSDM": ["2001010100"] * n, "TBBH": [str(k + 1) for k in range(n)],
        "DLBM": [r[0] for r in rows], "DLMC": [r[1] for r in rows], "QSXZ": ["30"] * n,
        "QSDWDM": ["3714261041010000000"] * n, "QSDWMC": ["东村"] * n,
        "ZLDWDM": [f"37142610410{k // 900}0000000" for k in range(n)], "ZLDWMC": ["东村"] * n,
        "KCDLBM": ["1203" if r[3] else "" for r in rows], "KCXS": [r[3] for r in rows], "GDLX": [""] * n,
        "GDPDJB": [""] * n, "ZZSXDM": [r[2] for r in rows], "CZCSXM": [r[4] for r in rows],
        "XZDWKD": [6.0 if r[0] == "1006" else 0.0 for r in rows], "SJNF": [2025] * n,
    }
    df = gpd.GeoDataFrame(data, geometry=list(g), crs=4527)
    tbmj = np.round(units.ellipsoidal_area(df.geometry.values, 4527), 2)
    tbmj[pick[80:95]] += 7.5  # area_mismatch
    df["TBMJ"] = tbmj
    df["KCMJ"] = np.round(tbmj * df["KCXS"].astype(float), 2)
    df["TBDLMJ"] = np.round(df["TBMJ"] - df["KCMJ"], 2)
    # duplicate BSMs far apart, a TBBH repeated within one unit, codes, attributes
    df.loc[n - 1, "BSM"] = "B1"
    df.loc[n // 2, "BSM"] = "B1"
    df.loc[n - 5, "BSM"] = "B7"
    df.loc[[3, min(850, n - 2)], "TBBH"] = "9999"
    for k, code in zip(pick[100:104], ["0999", "", "01", "0999"]):
        df.loc[k, "DLBM"] = code
    df.loc[pick[104], "DLMC"] = "旱地"
    df.loc[pick[105], "ZZSXDM"] = "XX"
    df.loc[pick[106], "XZDWKD"] = 12.0
    df.loc[pick[106], "DLBM"], df.loc[pick[106], "DLMC"] = "1006", "农村道路"
    if n > 100:
        df = df.drop(index=removed).reset_index(drop=True)
    return df.to_crs(crs) if crs != 4527 else df


@pytest.fixture(scope="module")
def survey():
    return make_survey()


def assert_same_survey(a, b) -> None:
    """Every problem row equal (geometry byte for byte), counts, summary (and its key order), report."""
    assert a.schema == b.schema
    assert a.counts == b.counts and list(a.counts) == list(b.counts)
    assert a.summary == b.summary and list(a.summary) == list(b.summary)
    pa, pb = a.problems, b.problems
    assert list(pa.columns) == list(pb.columns) and pa.crs == pb.crs
    pd.testing.assert_frame_equal(pd.DataFrame(pa.drop(columns="geometry")), pd.DataFrame(pb.drop(columns="geometry")),
                                  check_exact=True)
    wa = [None if g is None else shapely.to_wkb(g) for g in pa.geometry.values]
    wb = [None if g is None else shapely.to_wkb(g) for g in pb.geometry.values]
    assert wa == wb
    assert a.report == b.report
    assert a.fingerprint() == b.fingerprint()


def overlay_width(g) -> float:
    from landcheck.overlay import thinness

    return float(thinness(np.array([g], dtype=object))[0])


def _part_of(layer) -> np.ndarray:
    """The part of each feature (by its position in the layer)."""
    out = np.empty(layer.n_features, dtype=np.int64)
    for q in range(layer.n_parts):
        out[layer.read(q)["_lc_order"].to_numpy()] = q
    return out


def _positions(res, code: str, ids: np.ndarray) -> list[np.ndarray]:
    """For each problem of `code`: the layer positions of the features its feature_id names."""
    pos = {fid: k for k, fid in enumerate(ids)}
    return [np.array([pos[f] for f in str(fid).split("/") if f in pos]) for fid in res.problems.loc[res.problems["code"] == code, "feature_id"]]


@pytest.mark.parametrize("epsg", [4527, 4490])
def test_in_process_equals_local(epsg, tmp_path):
    """Tasks one after the other in this process (no dask): the partitioning and the reduce alone. In
    lon/lat the parts are reprojected, and validity is judged in the layer's own CRS."""
    layer = make_survey(crs=epsg)
    local = check_survey(layer, None, schema="dltb")
    parts = scale.partition_survey(layer, tmp_path / "p", partition_size=400, chunk_size=700)
    assert parts.n_parts == 7 and parts.n_features == len(layer) > 2000  # coverage united in Hilbert chunks
    got = scale.check_survey_partitioned(parts, None, "dltb", client=None)
    assert_same_survey(local, got)
    # what crosses partitions is there: overlaps, gaps and a repeated BSM whose features lie in different parts
    part = _part_of(parts)
    ids = np.array([f"B{k + 1}" for k in range(len(layer))], dtype=object)  # BSM as generated ...
    ids[:] = layer["BSM"].to_numpy(dtype=object)  # ... with the planted repeats
    ov = _positions(local, "overlap", ids)
    assert len(ov) > 100 and sum(len(set(part[p])) > 1 for p in ov) >= 5
    c = local.counts
    assert c["gap"] >= 20 and c["invalid_geometry"] == 6 and c["unknown_code"] == 4 and c["area_mismatch"] >= 15
    dup = local.problems[(local.problems["code"] == "duplicate_id") & (local.problems["field"] == "BSM")]
    assert set(dup["feature_id"]) == {"B1", "B7"} and "重复 3 次" in dup.iloc[0]["message"]
    b1 = np.flatnonzero(layer["BSM"].to_numpy() == "B1")
    assert len(set(part[b1])) == 3
    # the long thin gap runs through several parts and is found once, whole
    gaps = local.problems[local.problems["code"] == "gap"].geometry.to_crs(parts.crs_obj).to_numpy()
    b = shapely.bounds(gaps)
    ring = gaps[np.argmax(b[:, 3] - b[:, 1])]
    assert shapely.bounds(ring)[3] - shapely.bounds(ring)[1] > 1000 and overlay_width(ring) < 0.2
    meet = [q for q, p in enumerate(parts.parts) if shapely.intersects(shapely.box(*p["bounds"]), ring)]
    assert len(meet) >= 2


@pytest.mark.parametrize("partition_size", [250, 1000, 100_000])
def test_any_partitioning_gives_the_same_result(survey, partition_size):
    local = check_survey(survey, None, schema="dltb")
    got = scale.check_survey_dask(survey, None, "dltb", partition_size=partition_size, chunk_size=600,
                                  client=scale.IN_PROCESS)
    assert_same_survey(local, got)


def _children() -> set[int]:
    """Child processes of this one, but multiprocessing's resource tracker (it lives as long as we do)."""
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(p.cmdline())}


def test_dask_two_local_workers_equals_local(survey, tmp_path):
    pytest.importorskip("distributed")
    before = _children()
    local = check_survey(survey, None, schema="auto")
    seen, steps = [], []
    lock = threading.Lock()

    def progress(done, total):
        with lock:
            seen.append((done, total))

    got = scale.check_survey_dask(survey, n_workers=2, partition_size=500, work_dir=tmp_path, progress=progress,
                                  step=steps.append)
    assert_same_survey(local, got)
    assert (6, 6) in seen and any("覆盖合并" in s for s in steps) and any("缝隙" in s for s in steps)
    assert _children() <= before  # the local cluster's processes are gone


def test_gbk_shapefile_through_the_spec_equals_read_layer(survey, tmp_path):
    """A GBK Shapefile without .cpg or .prj (encoding detected, CRS inferred, bow ties repaired by the
    reader): `survey_dask_from_spec` equals `read_layer` + `check_survey`, read report included."""
    from landcheck.config import LayerSpec

    path = write_layer(survey, tmp_path / "in", "shp", encoding="GBK", prj=False)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    set_dbf_language_byte(path.with_suffix(".dbf"), 0)
    tol = SurveyTolerances()
    df, rep = read_layer(path, kind="survey", require_landuse=False)
    local = check_survey(df, rep, schema="auto", tolerances=tol)
    assert rep.encoding == "GBK" and rep.crs_source == "inferred" and len(rep.repaired) == 6
    got, got_rep = scale.survey_dask_from_spec(LayerSpec(path=path), "auto", tol, work_dir=tmp_path / "work",
                                               partition_size=450, chunk_size=1000, client=scale.IN_PROCESS)
    assert got_rep == rep.to_dict()
    assert_same_survey(local, got)
    assert {"no_crs", "invalid_geometry", "duplicate_id", "overlap", "gap"} <= set(got.counts)
    inv = got.problems[got.problems["code"] == "invalid_geometry"]
    assert inv["message"].str.contains("已修复").all() and inv.geometry.notna().all()


def test_tbmj_in_mu_is_decided_on_the_whole_layer(tmp_path):
    """TBMJ in 亩 in most parts: one layer-level problem, not one per patch (the decision needs every part)."""
    layer = make_survey(nx=30, ny=20, seed=4)
    layer["TBMJ"] = np.round(layer["TBMJ"] * 15 / 10000, 2)
    local = check_survey(layer, None, schema="dltb")
    got = scale.check_survey_dask(layer, None, "dltb", partition_size=100, client=scale.IN_PROCESS)
    assert_same_survey(local, got)
    am = got.problems[got.problems["code"] == "area_mismatch"]
    assert len(am) == 1 and am.iloc[0]["feature_id"] == "" and am.iloc[0]["value"] == "亩"


@pytest.mark.parametrize("schema", ["farmland", "change", "geometry"])
def test_other_schemas(schema):
    """Farmland (YJJBNTTBBH repeated across parts, no gaps), change patches (JCBH, dates) and plain
    geometry on a small layer (its coverage united in one go)."""
    layer = make_survey(nx=30, ny=20, seed=5)
    n = len(layer)
    if schema == "farmland":
        layer = layer.assign(YJJBNTTBBH=[f"F{k % (n - 3)}" for k in range(n)], YJJBNTMJ=layer["TBDLMJ"])
    elif schema == "change":
        layer = gpd.GeoDataFrame({"JCBH": [f"J{k % (n - 2)}" for k in range(n)],
                                  "TBLX": ["20", "YH", "XYZ", ""] * (n // 4) + ["20"] * (n % 4),
                                  "QSX": ["20250101"] * n, "HSX": ["20250601"] * (n - 1) + ["20240101"]},
                                 geometry=layer.geometry.values, crs=layer.crs)
    local = check_survey(layer, None, schema=schema)
    got = scale.check_survey_dask(layer, None, schema, partition_size=120, client=scale.IN_PROCESS)
    assert_same_survey(local, got)
    if schema != "geometry":
        assert local.counts["duplicate_id"] >= 2
    assert (local.summary["n_gaps"] is None) == (schema != "geometry")


def test_frame_with_null_empty_and_point_geometries():
    layer = make_survey(nx=20, ny=10, seed=6, crs=4490)
    g = layer.geometry.to_numpy().copy()
    g[5], g[77], g[150] = None, shapely.Polygon(), shapely.centroid(g[150])
    layer = layer.set_geometry(gpd.GeoSeries(g, crs=layer.crs))
    local = check_survey(layer, None, schema="dltb")
    assert {"empty_geometry", "non_polygon", "invalid_geometry"} <= set(local.counts)
    got = scale.check_survey_dask(layer, None, "dltb", partition_size=40, client=scale.IN_PROCESS)
    assert_same_survey(local, got)


def test_layer_without_features_is_checked_locally():
    layer = make_survey(nx=3, ny=2).iloc[:0]
    assert_same_survey(check_survey(layer, None, schema="dltb"),
                       scale.check_survey_dask(layer, None, "dltb", client=scale.IN_PROCESS))


@pytest.mark.parametrize("name", ["bassa_padovana", "padova_centro"])
def test_veneto_tiles_with_schema_geometry(name, tmp_path):
    """Real land-use polygons in lon/lat with ~300 invalid rings (repaired by the reader), overlaps
    and coverage holes, read in chunks from the GeoPackage."""
    path = REAL / "veneto-copsuolo2023" / f"veneto_copsuolo2023_{name}.gpkg"
    if not path.exists():
        pytest.skip(f"real data absent: {path}")
    df, rep = read_layer(path, kind="any", require_landuse=False)
    local = check_survey(df, rep, schema="geometry")
    got = scale.check_survey_dask(path, schema="geometry", partition_size=3000, chunk_size=5000,
                                  work_dir=tmp_path, client=scale.IN_PROCESS)
    assert_same_survey(local, got)
    assert got.counts["invalid_geometry"] > 250 and got.counts["overlap"] > 10
