"""Shared fixture builders: small survey-patch layers built in code, written in every format the
reader accepts, plus the path of the real third-party data (tests skip cleanly where it is absent).

Everything here is generic on purpose so later test modules can reuse it:

* `make_patches(...)`  → GeoDataFrame of rectangles in EPSG:4527 near 117.1°E 37.3°N with
  DLBM / DLMC / BSM / ZLDWMC fields (override any column, the CRS or the rectangles);
* `write_layer(gdf, folder, fmt, ...)` → path of the layer written as `fmt` (see `FORMATS`);
* `set_dbf_language_byte(path, byte)` → patch byte 29 (the language driver id) of a .dbf.

Test modules get them as fixtures (`patches`, `write`, `set_ldid`, `real_file`, `layer_format`).
"""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

#: The real third-party data (read-only, may be absent on a clean clone).
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"

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


# Fixtures hand the builders to test modules (no `import conftest` needed).
@pytest.fixture
def patches():
    """`make_patches`: build survey patches."""
    return make_patches


@pytest.fixture
def write():
    """`write_layer`: write a GeoDataFrame in one of `FORMATS`."""
    return write_layer


@pytest.fixture
def set_ldid():
    """`set_dbf_language_byte`: patch a .dbf's language driver byte."""
    return set_dbf_language_byte


@pytest.fixture
def real_file():
    """`real_file("china-lakes-ngcc-hyd1_4p/hyd1_4p.shp")` → the path under ../shared/data/real, or a
    clean skip when it is absent."""
    def get(rel: str) -> Path:
        path = REAL / rel
        if not path.exists():
            pytest.skip(f"real data absent: {path}")
        return path
    return get


@pytest.fixture(params=FORMATS)
def layer_format(request):
    """Parametrises a test over every format in `FORMATS`."""
    return request.param
