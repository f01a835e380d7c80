"""The farmland check on dask (landcheck.scale) gives the local engine's result exactly, and the
chunked reader (layers.read_layer_chunks) gives `read_layer`'s features and report.

Small generated layers: a grid of jittered survey patches (every farmland class, 田坎 shares, planting
attributes, facility land inside and outside filed records) and round farmland polygons that overlap
each other, one of them duplicated, some with more than 256 vertices (subdivided by the overlay),
all cut into several spatial partitions so that patches and farmland polygons straddle them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from landcheck import scale
from landcheck.checks.farmland import check_farmland, farmland_reduce, judgement_for
from landcheck.checks.facilities import allowed_union
from landcheck.config import load_rules
from landcheck.layers import read_layer, read_layer_chunks

from tests.helpers import jittered_corners, make_patches, origin_xy, set_dbf_language_byte, write_layer

CODES = [("0101", "LS", 0.0), ("0101", "", 0.0), ("0103", "LS", 0.12), ("0103", "FLS", 0.0), ("0102", "WG", 0.05),
         ("0201", "", 0.0), ("0204", "", 0.0), ("0301", "", 0.0), ("0305", "", 0.0), ("0401", "", 0.0),
         ("1104", "", 0.0), ("1202", "", 0.0), ("1006", "", 0.0), ("1107", "", 0.0), ("0702", "", 0.0),
         ("0601", "", 0.0), ("1003", "", 0.0), ("1101", "", 0.0), ("1203", "", 0.0), ("0101", "XG", 0.0)]


def make_layers(nx: int = 60, ny: int = 45, seed: int = 3):
    """(survey, farmland, facility records) in EPSG:4527: nx × ny jittered 50 × 40 m patches with
    shared edges, ~90 round farmland polygons (some overlapping, one duplicated, eight with 400+
    vertices) and a few filed facility records. Geometries have no precision model, like layers
    read from files."""
    rng = np.random.default_rng(seed)
    x0, y0 = origin_xy()
    X, Y = jittered_corners(nx, ny, rng)
    geoms, rows = [], []
    for i in range(nx):
        for j in range(ny):
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            geoms.append(shapely.Polygon([(X[a, b], Y[a, b]) for a, b in corners]))
            code, zz, kc = CODES[int(rng.integers(len(CODES)))]
            rows.append((code, zz, kc, f"村{i // 12}"))
    survey = gpd.GeoDataFrame({
        "BSM": [str(100000 + k) for k in range(len(geoms))],
        "DLBM": [r[0] for r in rows], "ZZSXDM": [r[1] for r in rows], "KCXS": [r[2] for r in rows],
        "ZLDWMC": [r[3] for r in rows], "ZLDWDM": ["371426104001"] * len(rows),
    }, geometry=geoms, crs=4527)
    w, h = nx * 50.0, ny * 40.0
    centres = np.column_stack([x0 + rng.uniform(0, w, 90), y0 + rng.uniform(0, h, 90)])
    radii = rng.uniform(40, 160, 90)
    quad = np.where(np.arange(90) % 11 == 0, 110, 8)  # 8 × quad_segs: 440 vertices for every 11th
    fgeoms = [shapely.Point(c).buffer(r, quad_segs=int(q)) for c, r, q in zip(centres, radii, quad)]
    fgeoms.append(fgeoms[5])  # a duplicate: overlaps wholly
    fgeoms.append(shapely.box(x0 - 100, y0 + 200, x0 + 60, y0 + 320))  # partly outside the survey: uncovered
    n_f = len(fgeoms)
    farmland = gpd.GeoDataFrame({
        "YJJBNTTBBH": [f"3714261040010{k:03d}" if k % 9 else None for k in range(n_f)],
        "BSM": [f"F{k}" for k in range(n_f)],
        "ZLDWMC": [f"村{k % 5}" for k in range(n_f)],
    }, geometry=fgeoms, crs=4527)
    fac = survey[survey["DLBM"] == "1202"].geometry.to_numpy()[::3]
    records = gpd.GeoDataFrame({"BAH": [f"B{k}" for k in range(len(fac))]},
                               geometry=shapely.buffer(shapely.centroid(fac), 15.0), crs=4527)
    return survey, farmland, records


@pytest.fixture(scope="module")
def layers():
    return make_layers()


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def local(layers, rules):
    survey, farmland, records = layers
    return check_farmland(survey, farmland, rules, facility_records=records)


def assert_same_result(a, b) -> None:
    """Every summary number, every finding (row for row, keys included) and the overlaps equal."""
    assert a.summary == b.summary
    assert list(a.summary) == list(b.summary)
    assert a.notes == b.notes
    assert a.findings["finding_key"].tolist() == b.findings["finding_key"].tolist()
    assert_geodataframe_equal(a.findings, b.findings, check_less_precise=False)
    if a.farmland_overlaps is None:
        assert b.farmland_overlaps is None
    else:
        assert_geodataframe_equal(a.farmland_overlaps, b.farmland_overlaps)


def test_generated_layers_exercise_what_matters(layers, local):
    survey, farmland, _ = layers
    s = local.summary
    assert s["farmland_overlaps"] >= 3 and s["uncovered_mu"] > 0 and s["n_findings"] > 100
    for c in ("non_grain", "non_farm", "facility", "other", "abandoned", "non_grain_crop"):
        assert s["n_by_category"][c] > 0, c
    assert s["areas_m2"]["infrastructure"] > 0
    assert (shapely.get_num_coordinates(farmland.geometry.values) > 256).sum() >= 5


def test_partitioned_engine_equals_local(layers, rules, local, tmp_path):
    """In this process, task after task: isolates the partitioning from dask."""
    survey, farmland, records = layers
    sv, fm = scale.partition_inputs(survey, farmland, tmp_path, partition_size=400, chunk_size=700)
    assert sv.n_parts == fm.n_parts == 7 and sv.n_features == len(survey) and fm.n_features == len(farmland)
    job = scale.FarmlandJob(sv, fm, rules, "", sv.crs, sv.source_crs)
    judgement = judgement_for(rules, records)
    rec = allowed_union(judgement.records, sv.crs_obj)
    partials = [scale.farmland_task(q, job, rec) for q in range(fm.n_parts)]
    # patches and farmland polygons straddle partitions: read by more than one task ...
    assert sum(p.n_patches_read for p in partials) > len(survey)
    assert sum(p.n_farmland_read for p in partials) > len(farmland)
    # ... yet each farmland polygon has one owner and each piece is computed once
    assert sorted(np.concatenate([p.f_order for p in partials]).tolist()) == list(range(len(farmland)))
    pairs = np.concatenate([p.p_ia * 10_000 + p.p_ib for p in partials])
    assert len(pairs) == len(np.unique(pairs))
    got = farmland_reduce(partials, sv.crs_obj, sv.source_crs_obj, judgement, len(farmland))
    assert_same_result(local, got)
    assert_same_result(local, scale.check_farmland_partitioned(sv, fm, rules, records))


def test_partitioning_is_spatial_and_bounded(layers, tmp_path):
    survey, _, _ = layers
    sv = scale.partition_layer(survey, tmp_path / "sv", partition_size=500, chunk_size=333)
    assert [p["count"] for p in sv.parts] == [450] * 6
    back = sv.read_all()
    assert back["_lc_order"].tolist() == list(range(len(survey)))
    assert shapely.equals_exact(back.geometry.values, survey.geometry.values, 0).all()
    pd.testing.assert_frame_equal(pd.DataFrame(back[list(survey.columns.drop("geometry"))]),
                                  pd.DataFrame(survey.drop(columns="geometry")))
    # Hilbert parts are compact: their boxes together cover less than twice the extent (a split in
    # file order or at random would give each part about the whole extent: 6 times)
    area = sum(shapely.box(*p["bounds"]).area for p in sv.parts)
    assert area < 2.0 * shapely.box(*sv.total_bounds).area
    again = scale.PartitionedLayer.load(tmp_path / "sv")
    assert again == sv
    sub = sv.read(0, bbox=sv.parts[0]["bounds"])
    assert len(sub) == sv.parts[0]["count"]


def test_dask_two_local_workers_equals_local(layers, rules, local, tmp_path):
    pytest.importorskip("dask_geopandas")
    pytest.importorskip("distributed")
    survey, farmland, records = layers
    seen = []
    got = scale.check_farmland_dask(survey, farmland, rules, records, n_workers=2, partition_size=600,
                                    work_dir=tmp_path, progress=lambda d, n: seen.append((d, n)))
    assert_same_result(local, got)
    assert seen[-1] == (5, 5)
    # the category totals and keys the issue names, spelt out
    for key in [k for k in local.summary if k.endswith("_mu")]:
        assert got.summary[key] == local.summary[key]
    assert set(got.findings["finding_key"]) == set(local.findings["finding_key"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dask_with_a_scheduler_address(layers, rules, local, tmp_path):
    """A scheduler and a worker started as separate processes on localhost, as on a cluster."""
    pytest.importorskip("dask_geopandas")
    distributed = pytest.importorskip("distributed")
    survey, farmland, records = layers
    port = _free_port()
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    code = ("import sys, asyncio; from distributed import Scheduler, Worker\n"
            "async def main():\n"
            "    async with Scheduler(host='127.0.0.1', port=int(sys.argv[1]), dashboard_address=None) as s:\n"
            "        async with Worker(s.address, nthreads=1) as w:\n"
            "            await s.finished()\n"
            "asyncio.run(main())\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    address = f"tcp://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with distributed.Client(address, timeout=2) as c:
                    c.wait_for_workers(1, timeout=20)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        got = scale.check_farmland_dask(survey, farmland, rules, records, scheduler=address,
                                        partition_size=900, work_dir=tmp_path)
        assert_same_result(local, got)
        with distributed.Client(address, timeout=5) as c:
            c.shutdown()
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_from_files_equals_pipeline_reading(layers, rules, tmp_path):
    """Delivered files (a GBK Shapefile without .cpg or .prj, a GeoPackage): read in chunks and
    partitioned, the result equals `check_farmland` on `read_layer`'s frames, and the read reports
    equal `read_layer`'s."""
    from landcheck.config import LayerSpec

    survey, farmland, _ = layers
    sv_path = write_layer(survey, tmp_path / "in", "shp", encoding="GBK", prj=False)
    sv_path.with_suffix(".cpg").unlink(missing_ok=True)
    set_dbf_language_byte(sv_path.with_suffix(".dbf"), 0)
    fm_path = write_layer(farmland, tmp_path / "in", "gpkg", name="YJJBNTTB")
    sv, sv_rep = read_layer(sv_path, kind="survey", require_landuse=True)
    fm, fm_rep = read_layer(fm_path, kind="farmland")
    local = check_farmland(sv, fm, rules)
    spec = lambda p: LayerSpec(path=Path(p))  # noqa: E731
    got, reports = scale.farmland_dask_from_specs(
        spec(sv_path), spec(fm_path), rules, None, "", work_dir=tmp_path / "work", partition_size=800,
        chunk_size=1000, client=scale.IN_PROCESS)
    assert reports["survey"] == sv_rep.to_dict() and reports["farmland"] == fm_rep.to_dict()
    assert sv_rep.encoding == "GBK" and sv_rep.encoding_source == "detected" and sv_rep.crs_source == "inferred"
    assert_same_result(local, got)


# ------------------------------------------------------------------------------- chunked reading
NAMES = ["水田", "旱地", "果园", "农村道路"]


def _assert_chunks_equal_read_layer(path, chunk_sizes=(1, 3, 7, 10_000), **kw):
    df, rep = read_layer(path, **kw)
    for cs in chunk_sizes:
        ch = read_layer_chunks(path, chunk_size=cs, **kw)
        assert ch.report.to_dict() == rep.to_dict(), cs
        parts = list(ch)
        assert all(len(p) <= cs for p in parts)
        got = pd.concat(parts)
        pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(df.drop(columns="geometry")))
        assert got.crs == df.crs
        assert shapely.equals_exact(got.geometry.values, df.geometry.values, 0).all()
    return df, rep


def _messy(n=40):
    """Patches with 3-digit and 二调 codes, names only, missing BSMs, a bow-tie, a null, a line and an
    empty geometry."""
    codes = ["101", "103", "201", "1006", "031", "203", None, "1104a"]
    names = ["水田", "旱地", "果园", "农村道路", "有林地", "村庄", "坑塘水面", "坑塘水面"]
    gdf = make_patches(n, DLBM=[codes[i % 8] for i in range(n)], DLMC=[names[i % 8] for i in range(n)],
                       BSM=[str(i + 1) if i % 7 else None for i in range(n)])
    g = list(gdf.geometry)
    x0, y0 = g[3].bounds[:2]
    g[3] = shapely.Polygon([(x0, y0), (x0 + 10, y0 + 10), (x0 + 10, y0), (x0, y0 + 10)])
    g[5] = None
    g[11] = shapely.Polygon()
    g[20] = shapely.Polygon([(x0, y0), (x0 + 10, y0), (x0 + 10, y0)])  # collapses: dropped after repair
    return gdf.set_geometry(g), (x0, y0)


def test_chunked_read_of_a_gbk_shapefile_equals_read_layer(tmp_path):
    gdf, _ = _messy()
    path = write_layer(gdf, tmp_path, "shp", encoding="GBK", prj=False)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    set_dbf_language_byte(path.with_suffix(".dbf"), 0)
    df, rep = _assert_chunks_equal_read_layer(path, kind="survey", require_landuse=True)
    assert rep.encoding == "GBK" and rep.encoding_source == "detected" and rep.crs_source == "inferred"
    assert len(rep.dropped) >= 2 and len(rep.repaired) == 1 and rep.code_reading
    assert df["DLMC"].iloc[0] == "水田"


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "parquet"])
def test_chunked_read_equals_read_layer(tmp_path, fmt):
    gdf, (x0, y0) = _messy()
    g = list(gdf.geometry)
    g[8] = shapely.LineString([(x0, y0), (x0 + 5, y0)])
    if fmt == "gpkg":
        g[5] = g[11] = shapely.Point(x0, y0)  # GeoPackage: no null geometry with a spatial index
    _assert_chunks_equal_read_layer(write_layer(gdf.set_geometry(g), tmp_path, fmt), kind="survey")


def test_chunked_read_repairs_mojibake_as_the_whole_layer(tmp_path):
    """Whether a field's text is repaired is decided on the whole layer, not chunk by chunk."""
    gbk_moji = [s.encode("gbk").decode("latin-1") for s in NAMES]
    utf8_moji = "东村".encode("utf-8").decode("latin-1")
    gdf = make_patches(8, DLBM=[None] * 8, DLMC=["水田"] * 4 + gbk_moji, ZLDWMC=[utf8_moji, utf8_moji, "西村", "西村"] * 2)
    df, rep = _assert_chunks_equal_read_layer(write_layer(gdf, tmp_path, "gpkg"))
    assert rep.mojibake_repaired == {"DLMC": 4, "ZLDWMC": 4} and df["DLMC"].tolist()[-4:] == NAMES


def test_chunked_read_of_gbk_bytes_in_a_geojson(tmp_path):
    """Text that is not UTF-8 in a later chunk: the whole layer is decoded as detected from all of it."""
    import json

    feats = [{"type": "Feature", "properties": {"DLMC": n, "村名": v},
              "geometry": {"type": "Polygon", "coordinates": [[[117.1 + i / 10, 37.3], [117.15 + i / 10, 37.3],
                                                               [117.15 + i / 10, 37.35], [117.1 + i / 10, 37.3]]]}}
             for i, (n, v) in enumerate([("a", "x"), ("b", "y"), ("水田", "东村"), ("旱地", "西村")])]
    path = tmp_path / "gbk.geojson"
    path.write_bytes(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode("gbk"))
    df, rep = _assert_chunks_equal_read_layer(path, chunk_sizes=(1, 2, 100), require_landuse=True)
    assert rep.encoding == "GBK" and rep.encoding_source == "detected" and df["DLBM"].tolist()[2:] == ["0101", "0103"]


def test_chunked_read_errors_like_read_layer(tmp_path):
    from landcheck.errors import LandcheckError

    gdf = make_patches(4, DLBM=None, DLMC=None)
    path = write_layer(gdf, tmp_path, "gpkg")
    with pytest.raises(LandcheckError, match="no land-use field") as a:
        read_layer(path, require_landuse=True)
    with pytest.raises(LandcheckError, match="no land-use field") as b:
        read_layer_chunks(path, require_landuse=True, chunk_size=2)
    assert str(a.value) == str(b.value)


def test_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed")
    from landcheck.errors import LandcheckError

    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(LandcheckError, match="cannot reach the dask scheduler") as e:
        with scale.dask_client(address, timeout=1):
            pass
    assert address in str(e.value) and e.value.exit_code == 2


@pytest.mark.parametrize("survey_epsg,farmland_epsg", [(4527, 4490), (4490, 4527)])
def test_layers_in_other_crss(rules, tmp_path, survey_epsg, farmland_epsg):
    """Farmland in lon/lat beside a Gauss–Krüger survey, and a lon/lat survey (worked in its GK zone,
    findings given back in lon/lat): reprojected once when partitioned, the same numbers."""
    survey, farmland, records = make_layers(nx=24, ny=18, seed=5)
    survey, farmland = survey.to_crs(survey_epsg), farmland.to_crs(farmland_epsg)
    local = check_farmland(survey, farmland, rules, facility_records=records)
    got = scale.check_farmland_dask(survey, farmland, rules, records, partition_size=150, work_dir=tmp_path,
                                    client=scale.IN_PROCESS)
    assert got.findings.crs == survey.crs
    assert_same_result(local, got)


def test_partitioned_engine_equals_local_with_a_baseline(layers, rules, tmp_path):
    """新增/存量 with a baseline (shifted 7 m, every third patch already built): same findings, split
    the same way, as the local engine."""
    survey, farmland, records = layers
    base = survey.copy()
    base["DLBM"] = np.where(np.arange(len(base)) % 3 == 0, "0702", "0103")
    base["SJNF"] = "2025"
    base = base.set_geometry(shapely.transform(base.geometry.values, lambda c: c + [7.0, 0.0]))
    local = check_farmland(survey, farmland, rules, facility_records=records, baseline=base, baseline_year="2025")
    assert {"new", "existing"} <= set(local.findings["origin"]) and "2025年为" in " ".join(local.findings["origin_evidence"])
    sv, fm = scale.partition_inputs(survey, farmland, tmp_path, partition_size=400, chunk_size=700)
    assert_same_result(local, scale.check_farmland_partitioned(sv, fm, rules, records, baseline=base))
