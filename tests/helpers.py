"""Shared test builders (the one module tests import helpers from; fixtures live in conftest.py).

* `make_patches(...)` → GeoDataFrame of rectangles in EPSG:4527 near 117.1°E 37.3°N with DLBM / DLMC /
  BSM / ZLDWMC fields; `dltb(...)`/`grid(...)` → a clean 地类图斑 layer with every DLTB field;
* `write_layer(gdf, folder, fmt, ...)` → the layer written as `fmt` (see `FORMATS`);
* `set_dbf_language_byte(path, byte)` → patch byte 29 (the language driver id) of a .dbf;
* `page_payloads(html)` → the JSON payloads of a landcheck map page, by kind;
* `facility_records(*rows)` → 设施农用地备案 records (dicts of field → value) on 50 m squares;
* `check_sample(township, folder)` → a sample township written as delivered, read back and checked by
  `check_farmland` (the findings beside what `landcheck.sample.expected_findings` expects);
* `REPO`, `REAL` (the real third-party data: read-only, absent on a clean clone), `LAYERS`, `DOMAIN`.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

from landcheck import units

#: The real third-party data (read-only, may be absent on a clean clone).
REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real"
#: The bundled sample township.
LAYERS = REPO / "layers"
#: The domain reference (land-use codes …), beside the checkout.
DOMAIN = REPO.parent / "shared" / "domain"

#: Where the fixture rectangles sit (lon, lat): a Shandong township, CGCS2000 3° GK zone 39.
ORIGIN_LONLAT = (117.1, 37.3)

#: Every format `write_layer` can write (and `read_layer` must read).
FORMATS = ("gpkg", "shp", "shp.zip", "gdb", "gdb.zip", "geojson", "kml", "parquet", "fgb", "gml")

#: The default patches: (DLBM, DLMC, ZLDWMC); BSM is 1-based text.
DEFAULT_ROWS = (
    ("0101", "水田", "东村"),
    ("0103", "旱地", "东村"),
    ("0201", "果园", "西村"),
    ("1006", "农村道路", "西村"),
)

#: The rectangle of the area test: 300 m × 222.2222 m, 66 666.53 m² on the ellipsoid at the origin.
RECT_W, RECT_H = 300.0, 222.2222


def origin_xy(epsg: int = 4527) -> tuple[float, float]:
    """The origin (117.1°E 37.3°N) in `epsg`."""
    return Transformer.from_crs(4490, epsg, always_xy=True).transform(*ORIGIN_LONLAT)


def jittered_corners(nx: int, ny: int, rng, w: float = 50.0, h: float = 40.0):
    """Corner coordinates X, Y (shape (nx+1, ny+1), EPSG:4527) of an nx × ny grid of w × h m cells from
    the origin, jittered (±w/4.17, ±h/4.44) inside and straight along the outer edges: cell (i, j) is
    the ring X/Y[(i, j), (i+1, j), (i+1, j+1), (i, j+1)], neighbours share their edges."""
    x0, y0 = origin_xy()
    jx = rng.uniform(-12, 12, (nx + 1, ny + 1)) * (w / 50.0)
    jy = rng.uniform(-9, 9, (nx + 1, ny + 1)) * (h / 40.0)
    jx[[0, -1], :] = 0
    jy[:, [0, -1]] = 0
    X = x0 + np.arange(nx + 1)[:, None] * w + jx
    Y = y0 + np.arange(ny + 1)[None, :] * h + jy
    return X, Y


def make_patches(n: int | None = None, *, crs: int = 4527, geoms=None, width: float = RECT_W,
                 height: float = RECT_H, gap: float = 10.0, **columns) -> gpd.GeoDataFrame:
    """Survey patches: `n` rectangles `width` × `height` metres in a row from the origin (EPSG:4527
    coordinates, then transformed to `crs`), with DLBM/DLMC/BSM/ZLDWMC. Any keyword replaces or adds a
    column (a list of length n, or None to leave that column out); `geoms` replaces the rectangles."""
    if n is None:
        n = len(geoms) if geoms is not None else len(DEFAULT_ROWS)
    rows = [DEFAULT_ROWS[i % len(DEFAULT_ROWS)] for i in range(n)]
    data = {
        "DLBM": [r[0] for r in rows],
        "DLMC": [r[1] for r in rows],
        "BSM": [str(i + 1) for i in range(n)],
        "ZLDWMC": [r[2] for r in rows],
    }
    for key, value in columns.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = list(value)
    if geoms is None:
        x0, y0 = origin_xy(4527)
        geoms = [shapely.box(x0 + i * (width + gap), y0, x0 + i * (width + gap) + width, y0 + height) for i in range(n)]
    gdf = gpd.GeoDataFrame(data, geometry=list(geoms), crs=4527 if crs is not None else None)
    if crs is not None and crs != 4527:
        gdf = gdf.to_crs(crs)
    return gdf


def write_layer(gdf: gpd.GeoDataFrame, folder: Path, fmt: str = "gpkg", *, name: str = "DLTB",
                encoding: str | None = None, prj: bool = True) -> Path:
    """Write `gdf` as `fmt` (one of `FORMATS`) into `folder`; returns the path a user would name.
    `encoding` applies to Shapefiles; `prj=False` deletes a Shapefile's .prj. GDAL's notes while
    writing (field names cut to 10 bytes, characters that do not fit the encoding) are silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _write_layer(gdf, Path(folder), fmt, name, encoding, prj)


def _write_layer(gdf, folder, fmt, name, encoding, prj):
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        gdf.to_parquet(path)
        return path
    if fmt in ("shp", "shp.zip"):
        sub = folder / f"{name}_shp"
        sub.mkdir(exist_ok=True)
        shp = sub / f"{name}.shp"
        kwargs = {"encoding": encoding} if encoding else {}
        pyogrio.write_dataframe(gdf, shp, driver="ESRI Shapefile", **kwargs)
        if not prj:
            shp.with_suffix(".prj").unlink(missing_ok=True)
        if fmt == "shp":
            return shp
        path = folder / f"{name}.shp.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for f in sorted(sub.iterdir()):
                zf.write(f, f.name)
        return path
    if fmt in ("gdb", "gdb.zip"):
        gdb = folder / f"{name}.gdb"
        pyogrio.write_dataframe(gdf, gdb, layer=name, driver="OpenFileGDB")
        if fmt == "gdb":
            return gdb
        path = folder / f"{name}.gdb.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for f in sorted(gdb.rglob("*")):
                zf.write(f, f.relative_to(folder).as_posix())
        shutil.rmtree(gdb)
        return path
    driver, suffix = {
        "gpkg": ("GPKG", ".gpkg"),
        "geojson": ("GeoJSON", ".geojson"),
        "kml": ("KML", ".kml"),
        "fgb": ("FlatGeobuf", ".fgb"),
        "gml": ("GML", ".gml"),
    }[fmt]
    path = folder / f"{name}{suffix}"
    layer_kw = {"layer": name} if fmt in ("gpkg", "kml", "gml", "fgb") else {}
    pyogrio.write_dataframe(gdf, path, driver=driver, **layer_kw)
    return path


def set_dbf_language_byte(dbf: Path, value: int) -> None:
    """Set byte 29 of a .dbf header (the language driver id: 0 = unknown, 0x4D = GBK)."""
    with open(dbf, "r+b") as fh:
        fh.seek(29)
        fh.write(bytes([value]))


# --- 地类图斑 layers for the survey check
X0, Y0 = 39_508_866.0, 4_129_810.0  # EPSG:4527, ~117.1°E 37.3°N
W, H = 100.0, 80.0

#: One clean row per class: (DLBM, DLMC, extra attributes)
CLASSES = {
    "0101": ("水田", {"ZZSXDM": "LS"}),
    "0103": ("旱地", {"ZZSXDM": "FLS", "KCXS": 0.053, "KCDLBM": "1203", "GDLX": "PD", "GDPDJB": "2"}),
    "0201": ("果园", {"ZZSXDM": "JKHF"}),
    "1006": ("农村道路", {"XZDWKD": 6.0}),
    "0702": ("农村宅基地", {"CZCSXM": "203"}),
    "0601": ("工业用地", {"CZCSXM": "203A"}),
}


def grid(nx: int, ny: int = 1, w: float = W, h: float = H) -> list:
    """nx × ny adjacent rectangles (a coverage without gaps), row by row."""
    return [shapely.box(X0 + i * w, Y0 + j * h, X0 + (i + 1) * w, Y0 + (j + 1) * h) for j in range(ny) for i in range(nx)]


def dltb(geoms=None, codes=None, crs=4527, **overrides) -> gpd.GeoDataFrame:
    """A clean 地类图斑 layer: every DLTB field, TBMJ = the ellipsoidal area, KCMJ/TBDLMJ consistent.
    `overrides`: column → list of values (applied before the areas are derived unless the column is
    an area field)."""
    codes = list(codes or CLASSES)
    geoms = list(geoms) if geoms is not None else grid(len(codes))
    n = len(geoms)
    codes = [codes[i % len(codes)] for i in range(n)]
    rows = []
    for i, c in enumerate(codes):
        name, extra = CLASSES.get(c, ("", {}))
        rows.append({
            "BSM": f"B{i + 1}", "YSDM": "2001010100", "TBBH": str(i + 1), "DLBM": c, "DLMC": name, "QSXZ": "30",
            "QSDWDM": "3714261041010000000", "QSDWMC": "东村", "ZLDWDM": "3714261041010000000", "ZLDWMC": "东村",
            "KCDLBM": extra.get("KCDLBM", ""), "KCXS": extra.get("KCXS", 0.0), "GDLX": extra.get("GDLX", ""),
            "GDPDJB": extra.get("GDPDJB", ""), "ZZSXDM": extra.get("ZZSXDM", ""), "CZCSXM": extra.get("CZCSXM", ""),
            "XZDWKD": extra.get("XZDWKD", 0.0), "SJNF": 2025,
        })
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=4527)
    for k, v in overrides.items():
        if k not in ("TBMJ", "KCMJ", "TBDLMJ"):
            gdf[k] = v
    tbmj = np.round(units.ellipsoidal_area(gdf.geometry.values, gdf.crs), 2)
    gdf["TBMJ"] = tbmj
    gdf["KCMJ"] = np.round(tbmj * gdf["KCXS"].astype(float), 2)
    gdf["TBDLMJ"] = np.round(gdf["TBMJ"] - gdf["KCMJ"], 2)
    for k in ("TBMJ", "KCMJ", "TBDLMJ"):
        if k in overrides:
            gdf[k] = overrides[k]
    if crs != 4527:
        gdf = gdf.to_crs(crs)
    return gdf


# --- map pages
def page_payloads(page: str) -> dict[str, dict]:
    """The JSON payloads of the page's landcheck layers, by kind (findings, farmland, survey)."""
    out = {}
    for text in re.findall(r'<script type="application/json" id="\w+_data">(.*?)</script>', page):
        d = json.loads(text)
        out[d["kind"]] = d
    return out


# --- 设施农用地备案 records
def facility_records(*rows: dict, geoms=None, crs=4527) -> gpd.GeoDataFrame:
    """Filed facility records, one per dict of field → value (备案编号, 设施类型, 备案日期 … as given; a
    field missing from a row is ''), on 50 × 50 m squares in a row from the origin, or on `geoms`."""
    x0, y0 = origin_xy()
    if geoms is None:
        geoms = [shapely.box(x0 + i * 60, y0, x0 + i * 60 + 50, y0 + 50) for i in range(len(rows))]
    cols = {k: [r.get(k, "") for r in rows] for k in dict.fromkeys(k for r in rows for k in r)}
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def check_sample(township, folder: Path, names_only: bool = False):
    """Write a sample township (`landcheck.sample`) into `folder`, read its layers as landcheck reads
    deliveries and run the farmland check with its facility records. Returns the FarmlandResult."""
    from landcheck.checks.farmland import check_farmland
    from landcheck.config import load_rules
    from landcheck.layers import read_layer
    from landcheck.sample import write_township

    paths = write_township(township, folder)
    survey, _ = read_layer(paths["survey"], kind="survey", require_landuse=True)
    farmland, _ = read_layer(paths["farmland"], kind="farmland")
    records, _ = read_layer(paths["facility_records"], kind="facility") if len(township.facility_records) else (None, None)
    return check_farmland(survey, farmland, load_rules(), facility_records=records, names_only=names_only)


def by_category_and_origin(findings) -> dict:
    """{(category, origin): (count, mu unrounded)} of a findings frame."""
    g = findings.groupby(["category", "origin"])["area_m2"].agg(["size", "sum"])
    return {k: (int(r["size"]), float(units.m2_to_mu(r["sum"]))) for k, r in g.iterrows()}
