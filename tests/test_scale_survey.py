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

import hashlib
import json
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landcheck import scale, units
from landcheck.checks.survey import CODES, SurveyTolerances, check_survey
from landcheck.layers import read_layer

from conftest import REAL, origin_xy, set_dbf_language_byte, write_layer

#: (DLBM, DLMC, ZZSXDM, KCXS, CZCSXM)
CLASSES = [("0101", "水田", "LS", 0.0, ""), ("0103", "旱地", "FLS", 0.053, ""), ("0201", "果园", "", 0.0, ""),
           ("0301", "乔木林地", "", 0.0, ""), ("1006", "农村道路", "", 0.0, ""), ("0702", "农村宅基地", "", 0.0, "203"),
           ("1104", "坑塘水面", "", 0.0, ""), ("0404", "其他草地", "", 0.0, "")]


def make_survey(nx: int = 60, ny: int = 45, seed: int = 11, crs: int = 4527) -> gpd.GeoDataFrame:
    """A 地类图斑 layer of nx × ny jittered 50 × 40 m patches (a coverage) with planted defects."""
    rng = np.random.default_rng(seed)
    x0, y0 = origin_xy()
    xs = x0 + np.arange(nx + 1) * 50.0
    ys = y0 + np.arange(ny + 1) * 40.0
    jx = rng.uniform(-12, 12, (nx + 1, ny + 1))
    jy = rng.uniform(-9, 9, (nx + 1, ny + 1))
    jx[[0, -1], :] = 0
    jy[:, [0, -1]] = 0
    # a long thin gap: the patches left of grid line i0 stop 5 cm short of it in rows 6 … ny-7
    i0 = nx // 2
    geoms, rows = [], []
    for j in range(ny):
        for i in range(nx):
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            pts = []
            for a, b in corners:
                x = xs[a] + jx[a, b]
                if a == i0 + 0 and i == i0 - 1 and 6 <= j < ny - 6 and 7 <= b < ny - 6:
                    x -= 0.05
                pts.append((x, ys[b] + jy[a, b]))
            geoms.append(shapely.Polygon(pts))
            rows.append(CLASSES[int(rng.integers(len(CLASSES)))])
    n = len(geoms)
    g = np.array(geoms, dtype=object)
    pick = rng.permutation(np.arange(nx + 1, n - nx - 1))
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
    df.loc[[3, 850], "TBBH"] = "9999"
    for k, code in zip(pick[100:104], ["0999", "", "01", "0999"]):
        df.loc[k, "DLBM"] = code
    df.loc[pick[104], "DLMC"] = "旱地"
    df.loc[pick[105], "ZZSXDM"] = "XX"
    df.loc[pick[106], "XZDWKD"] = 12.0
    df.loc[pick[106], "DLBM"], df.loc[pick[106], "DLMC"] = "1006", "农村道路"
    df = df.drop(index=removed).reset_index(drop=True)
    return df.to_crs(crs) if crs != 4527 else df


@pytest.fixture(scope="module")
def survey():
    return make_survey()


def fingerprint(res) -> str:
    """One hash of everything a result holds (problem geometries as WKB)."""
    h = hashlib.sha1()
    p = res.problems
    for c in p.columns:
        if c == "geometry":
            h.update(b"".join(b"N" if g is None else shapely.to_wkb(g) for g in p.geometry.values))
        else:
            h.update(repr(p[c].tolist()).encode())
    h.update(json.dumps([res.counts, res.summary, res.report], sort_keys=True, ensure_ascii=False, default=str).encode())
    return h.hexdigest()


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
    assert fingerprint(a) == fingerprint(b)
