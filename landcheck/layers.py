"""Read any delivered layer into a clean GeoDataFrame plus a `ReadReport` of everything that was
decided, changed or dropped on the way.

Formats: GeoPackage, Shapefile (also zipped), File Geodatabase (folder or zipped), GeoJSON, KML,
GML, FlatGeobuf (through pyogrio/GDAL) and GeoParquet (through geopandas/pyarrow).

What the reader does, in order: pick the layer (name hints, or fail listing the layers), find the
text encoding (`.cpg`, the DBF language byte, then detection, then mojibake repair), read with
pyogrio + Arrow, keep polygons (Z dropped, invalid rings repaired with `make_valid`, null/empty and
non-polygonal features dropped and counted by id), settle the CRS (declared, or inferred from a
zone-prefixed Gauss–Krüger easting or lon/lat; a declared CRS that contradicts the coordinates is
reported with the likely right one), map field aliases to canonical names (DLBM, DLMC, BSM …),
normalise land-use codes, and give every feature an id (`feature_id`: BSM or `#n`).
"""

from __future__ import annotations

import codecs
import re
import warnings
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from . import landuse, units
from .crs import check_crs, crs_id, infer_crs
from .errors import LandcheckError
from .textenc import _CPG, _HIGH_LATIN, _LDID, dbf_text_bytes, detect_bytes_encoding, unmojibake

# --------------------------------------------------------------------------------------------
# Field aliases (case-insensitive). Canonical name → aliases seen in deliveries.
# --------------------------------------------------------------------------------------------
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "BSM": ("BSM", "标识码"),
    "DLBM": ("DLBM", "地类编码", "地类代码", "DLDM", "DL_BM", "DLBH", "地类编号", "LANDUSE_CODE"),
    "DLMC": ("DLMC", "地类名称", "DL_MC", "地类", "LANDUSE_NAME"),
    "TBBH": ("TBBH", "图斑编号"),
    "YJJBNTTBBH": ("YJJBNTTBBH", "JBNTTBBH", "永久基本农田图斑编号", "基本农田图斑编号"),
    "ZLDWDM": ("ZLDWDM", "坐落单位代码"),
    "ZLDWMC": ("ZLDWMC", "坐落单位名称", "村名", "村", "村名称", "行政村", "所属村", "村庄名称"),
    "QSDWDM": ("QSDWDM", "权属单位代码"),
    "QSDWMC": ("QSDWMC", "权属单位名称"),
    "ZZSXDM": ("ZZSXDM", "GDZZSXDM", "种植属性代码", "耕地种植属性代码"),
    "ZZSXMC": ("ZZSXMC", "GDZZSXMC", "种植属性名称", "耕地种植属性名称"),
    "KCDLBM": ("KCDLBM", "扣除地类编码"),
    "KCXS": ("KCXS", "TKXS", "扣除地类系数", "田坎系数"),
    "KCMJ": ("KCMJ", "TKMJ", "扣除地类面积", "田坎面积"),
    "TBMJ": ("TBMJ", "图斑面积", "YJJBNTTBMJ"),
    "TBDLMJ": ("TBDLMJ", "图斑地类面积"),
    "XZDWKD": ("XZDWKD", "XXTBKD", "线状地物宽度", "线性图斑宽度"),
    "CZCSXM": ("CZCSXM", "城镇村属性码"),
    "TBXHDM": ("TBXHDM", "图斑细化代码"),
    # 流转地块 (no national schema): the parcel's own number in the township's transfer ledger
    "DKBM": ("DKBM", "地块编号", "DKDM", "地块代码", "地块编码", "承包地块编码"),
}

#: Layer-name hints per kind of layer (upper-cased substrings).
LAYER_HINTS: dict[str, tuple[str, ...]] = {
    "survey": ("DLTB", "地类图斑", "BGDLTB"),
    "farmland": ("YJJBNTBHTB", "YJJBNTTB", "JBNTBHTB", "YJJBNT", "永久基本农田", "基本农田"),
    "transfer": ("流转", "LZDK", "TDLZ", "TRANSFER"),
    "facility": ("设施农用地", "SSNYD", "FACILITY"),
}

LANDUSE_FIELDS = ("DLBM", "DLMC")

_DATASET_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".gml", ".xml", ".fgb", ".parquet", ".geoparquet", ".sqlite")

@dataclass
class ReadReport:
    """What the reader saw, decided, repaired and dropped. All areas in m² unless named _mu."""

    path: str
    layer: str | None = None
    layers: list[str] = field(default_factory=list)
    driver: str | None = None
    n_read: int = 0
    n_features: int = 0
    encoding: str | None = None
    encoding_source: str | None = None  # option / cpg / dbf_language_byte / detected / format
    crs: str | None = None
    crs_name: str | None = None
    crs_source: str | None = None  # option / declared / inferred / corrected
    crs_warning: str | None = None
    likely_crs: str | None = None
    field_map: dict[str, str] = field(default_factory=dict)
    code_reading: str | None = None
    unknown_codes: dict[str, int] = field(default_factory=dict)
    unknown_names: dict[str, int] = field(default_factory=dict)  # DLMC without DLBM that gave no code
    repaired: list[dict] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)
    mojibake_repaired: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


# --------------------------------------------------------------------------------------------
# Sources: resolve a path (zip, .gdb folder, GML) to what GDAL opens
# --------------------------------------------------------------------------------------------
@dataclass
class Source:
    path: Path  # the file the user named
    gdal_path: str  # what pyogrio opens (may be /vsizip/...)
    kind: str  # "ogr" or "parquet"
    open_options: dict = field(default_factory=dict)
    dbf: tuple[str, str | None] | None = None  # (file or zip, member) of a shapefile's DBF
    cpg: tuple[str, str | None] | None = None


def resolve_source(path: str | Path) -> Source:
    """Turn a user path into something GDAL (or pyarrow) can open; clear errors otherwise."""
    p = Path(path).expanduser()
    if not p.exists():
        raise LandcheckError(f"{p}: file not found. Check the path (and the working directory).")
    suffix = p.suffix.lower()
    if p.is_dir():
        if suffix == ".gdb" or (p / "gdb").exists() or any(p.glob("*.gdbtable")):
            return Source(p, str(p), "ogr")
        shps = sorted(p.glob("*.shp"))
        if len(shps) == 1:
            return _shapefile_source(shps[0])
        raise LandcheckError(
            f"{p}: is a folder, not a File Geodatabase (.gdb) or a single-shapefile folder. Name the file itself."
        )
    if suffix in (".parquet", ".geoparquet"):
        return Source(p, str(p), "parquet")
    if suffix == ".shp":
        return _shapefile_source(p)
    if suffix == ".dbf":
        raise LandcheckError(f"{p}: a .dbf alone has no geometry. Name the .shp file beside it.")
    if suffix in (".gml", ".xml"):
        # GDAL would write a .gfs schema file beside the input; never write beside an input.
        return Source(p, str(p), "ogr", open_options={"WRITE_GFS": "NO"})
    if suffix == ".zip":
        return _zip_source(p)
    return Source(p, str(p), "ogr")


def _shapefile_source(shp: Path) -> Source:
    dbf = _sidecar(shp, ".dbf")
    cpg = _sidecar(shp, ".cpg")
    return Source(shp, str(shp), "ogr", dbf=(str(dbf), None) if dbf else None, cpg=(str(cpg), None) if cpg else None)


def _sidecar(shp: Path, ext: str) -> Path | None:
    for cand in (shp.with_suffix(ext), shp.with_suffix(ext.upper())):
        if cand.exists():
            return cand
    return None


def _zip_source(p: Path) -> Source:
    try:
        with zipfile.ZipFile(p) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile:
        raise LandcheckError(f"{p}: not a readable zip archive. Re-download or unzip it and name the layer file.") from None
    vsi = f"/vsizip/{p.resolve()}"
    gdbs = sorted({re.split(r"(?i)\.gdb/", m)[0] + ".gdb" for m in names if re.search(r"(?i)\.gdb/", m)})
    if gdbs:
        if len(gdbs) > 1:
            raise LandcheckError(f"{p}: holds several File Geodatabases ({', '.join(gdbs)}). Unzip it and name one.")
        return Source(p, f"{vsi}/{gdbs[0]}", "ogr")
    datasets = [m for m in names if m.lower().endswith(_DATASET_SUFFIXES) and not m.startswith("__MACOSX")]
    if not datasets:
        raise LandcheckError(f"{p}: the zip holds no GIS layer (.shp, .gpkg, .gdb, .geojson, .kml, .gml, .fgb).")
    if len(datasets) > 1:
        raise LandcheckError(f"{p}: the zip holds several layers files ({', '.join(datasets)}). Unzip it and name one.")
    member = datasets[0]
    low = member.lower()
    if low.endswith((".parquet", ".geoparquet")):
        raise LandcheckError(f"{p}: GeoParquet inside a zip cannot be read in place. Unzip it and name the .parquet file.")
    if low.endswith(".shp"):
        stem = member[:-4]
        dbf = next((m for m in names if m.lower() == (stem + ".dbf").lower()), None)
        cpg = next((m for m in names if m.lower() == (stem + ".cpg").lower()), None)
        return Source(p, f"{vsi}/{member}", "ogr", dbf=(str(p), dbf) if dbf else None, cpg=(str(p), cpg) if cpg else None)
    opts = {"WRITE_GFS": "NO"} if low.endswith((".gml", ".xml")) else {}
    return Source(p, f"{vsi}/{member}", "ogr", open_options=opts)


def _read_member(ref: tuple[str, str | None], limit: int | None = None) -> bytes:
    path, member = ref
    if member is None:
        with open(path, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        return fh.read() if limit is None else fh.read(limit)


# --------------------------------------------------------------------------------------------
# Layers: list and choose
# --------------------------------------------------------------------------------------------
def list_layers(src: Source) -> list[tuple[str, str | None]]:
    """(name, geometry type or None) of every layer in the source."""
    if src.kind == "parquet":
        return [(src.path.stem, "Unknown")]
    try:
        with warnings.catch_warnings():  # GDAL's notes on the layer itself are reported by the read
            warnings.simplefilter("ignore")
            if src.open_options:  # GML: list_layers would write a .gfs; read_info takes open options
                out = []
                for i in range(64):
                    try:
                        info = pyogrio.read_info(src.gdal_path, layer=i, **src.open_options)
                    except Exception:
                        break
                    out.append((info["layer_name"], info["geometry_type"]))
                if out:
                    return out
            return [(str(n), None if t is None else str(t)) for n, t in pyogrio.list_layers(src.gdal_path)]
    except Exception as exc:
        raise LandcheckError(f"{src.path}: cannot be opened as a GIS layer ({_first_line(exc)}). Check the file is complete and a supported format.") from None


def choose_layer(src: Source, layers: list[tuple[str, str | None]], kind: str, layer: str | int | None) -> str:
    """The layer to read: the one asked for, the only spatial one, or the one whose name matches the
    hints for `kind`; otherwise a message listing the layers and the `--layer` option."""
    names = [n for n, _ in layers]
    if layer is not None:
        if isinstance(layer, int) or (isinstance(layer, str) and layer.isdigit() and layer not in names):
            idx = int(layer)
            if 0 <= idx < len(names):
                return names[idx]
        for n in names:
            if n == layer or n.lower() == str(layer).lower():
                return n
        raise LandcheckError(f"{src.path}: has no layer '{layer}'. Layers: {', '.join(names)}.")
    spatial = [n for n, t in layers if t is not None]
    if len(spatial) == 1:
        return spatial[0]
    if not spatial:
        raise LandcheckError(f"{src.path}: has no layer with geometry (tables only: {', '.join(names)}).")
    kinds = [kind] if kind in LAYER_HINTS else list(LAYER_HINTS)
    for k in kinds:
        for hint in LAYER_HINTS[k]:
            hits = [n for n in spatial if hint.upper() in n.upper()]
            exact = [n for n in hits if n.upper() == hint.upper()]
            if exact:
                return exact[0]
            if len(hits) == 1:
                return hits[0]
    what = {"survey": "地类图斑 (DLTB) layer", "farmland": "永久基本农田 layer", "transfer": "流转地块 layer"}.get(kind, "one to read")
    raise LandcheckError(
        f"{src.path}: has {len(spatial)} layers and none is clearly the {what}: {', '.join(spatial)}. "
        f"Choose one with --layer NAME."
    )


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------
def detect_shapefile_encoding(src: Source) -> tuple[str, str]:
    """(encoding, how it was found) of a shapefile's DBF text: .cpg, language byte, or detection."""
    if src.cpg is not None:
        raw = _read_member(src.cpg).decode("ascii", "ignore").strip().upper()
        enc = _CPG.get(raw) or _CPG.get(raw.replace("ANSI ", ""))
        if enc:
            return enc, "cpg"
    if src.dbf is None:
        return "UTF-8", "default"
    header = _read_member(src.dbf, 32)
    ldid = header[29] if len(header) > 29 else 0
    if ldid in _LDID:
        return _LDID[ldid], "dbf_language_byte"
    return detect_bytes_encoding(dbf_text_bytes(_read_member(src.dbf))), "detected"


def repair_mojibake(df: pd.DataFrame, report: ReadReport) -> pd.DataFrame:
    """Repair column names and text columns that came back as mojibake; count repairs per field."""
    renames = {c: unmojibake(c) for c in df.columns if isinstance(c, str) and unmojibake(c)}
    if renames:
        df = df.rename(columns=renames)
        report.mojibake_repaired["<field names>"] = len(renames)
    geometry_name = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    for col in df.columns:
        if col == geometry_name:
            continue
        s = df[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        values = s.dropna().unique()
        high = [v for v in values if isinstance(v, str) and _HIGH_LATIN.search(v)]
        if not high:
            continue
        fixes = {v: unmojibake(v) for v in high}
        fixes = {k: v for k, v in fixes.items() if v}
        if len(fixes) >= max(1, 0.5 * len(high)):
            df[col] = s.map(lambda v: fixes.get(v, v) if isinstance(v, str) else v)
            report.mojibake_repaired[col] = int(s.isin(list(fixes)).sum())
    return df


# --------------------------------------------------------------------------------------------
# CRS
# --------------------------------------------------------------------------------------------
def settle_crs(declared: CRS | None, option: str | None, bounds, path: Path, report: ReadReport) -> CRS:
    """Decide the CRS: --crs, else declared (checked against the coordinates), else inferred."""
    extent = f"extent x {bounds[0]:.2f}–{bounds[2]:.2f}, y {bounds[1]:.2f}–{bounds[3]:.2f}"
    if option:
        try:
            crs = CRS.from_user_input(option)
        except Exception:
            raise LandcheckError(f"{path}: --crs '{option}' is not a CRS pyproj knows. Use e.g. EPSG:4527.") from None
        source = "option"
        warning, likely = check_crs(crs, bounds)
        if warning:
            report.crs_warning = f"{warning}; kept as given with --crs"
            report.likely_crs = crs_id(likely) if likely else None
    elif declared is not None:
        crs, source = declared, "declared"
        warning, likely = check_crs(declared, bounds)
        if warning:
            report.crs_warning = warning
            report.likely_crs = crs_id(likely) if likely else None
            if likely is not None:
                crs, source = likely, "corrected"
                report.crs_warning += f"; read as {crs_id(likely)} (pass --crs to force another)"
            elif "degrees" in warning or "metre-sized" in warning:
                raise LandcheckError(
                    f"{path}: {warning} ({extent}). Pass the right CRS with --crs (e.g. EPSG:4527 or EPSG:4548)."
                )
    else:
        crs, why = infer_crs(bounds)
        if crs is None:
            raise LandcheckError(
                f"{path}: has no CRS (.prj missing) and it cannot be inferred: {why} ({extent}). "
                f"Pass it with --crs, e.g. EPSG:4548 for CGCS2000 3° GK CM 117°E without zone prefix."
            )
        source = "inferred"
        report.warn(f"no CRS declared; inferred {crs_id(crs)} because {why}")
    report.crs = crs_id(crs)
    report.crs_name = crs.name
    report.crs_source = source
    return crs


# --------------------------------------------------------------------------------------------
# Fields, codes, ids
# --------------------------------------------------------------------------------------------
def _dbf_cuts(alias: str) -> set[str]:
    """The alias as a DBF writes it when longer than 10 bytes: cut at 10 bytes of UTF-8 or of GBK."""
    cuts = set()
    for enc in ("utf-8", "gbk"):
        raw = alias.encode(enc)
        if len(raw) > 10:
            cuts.add(raw[:10].decode(enc, "ignore"))
    return cuts


def _build_cut_names() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for canon, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            for cut in _dbf_cuts(alias):
                out.setdefault(cut.upper(), set()).add(canon)
    return out


#: Cut alias (upper case) → the canonical fields it may stand for (several: e.g. UTF-8 '坐落单' is
#: both 坐落单位代码 and 坐落单位名称).
_CUT_NAMES = _build_cut_names()


def map_fields(columns: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Canonical name → the layer's column, by explicit override, then case-insensitive alias, then
    an alias cut to the 10-byte DBF field-name limit (in UTF-8 or GBK bytes)."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    by_upper = {str(c).upper(): c for c in columns}
    for canon, col in (overrides or {}).items():
        if col not in columns and str(col).upper() not in by_upper:
            raise LandcheckError(f"field override {canon} = '{col}': no such field. Fields: {', '.join(map(str, columns))}.")
        found[canon.upper()] = by_upper.get(str(col).upper(), col)
        taken.add(found[canon.upper()])
    for canon, aliases in FIELD_ALIASES.items():
        if canon in found:
            continue
        for alias in aliases:
            col = by_upper.get(alias.upper())
            for cut in _dbf_cuts(alias):
                if col is None and _CUT_NAMES.get(cut.upper()) == {canon}:  # ambiguous cuts are not guessed
                    col = by_upper.get(cut.upper())
            if col is not None and col not in taken:
                found[canon] = col
                taken.add(col)
                break
    return found


def feature_ids(df: pd.DataFrame, positions: np.ndarray) -> pd.Series:
    """BSM (as text) where present, else `#n` with n the 1-based feature number in the file."""
    fallback = pd.Series([f"#{n}" for n in positions + 1], index=df.index, dtype="object")
    if "BSM" not in df.columns:
        return fallback
    bsm = df["BSM"].map(_id_text)
    return bsm.where(bsm.notna(), fallback)


def _id_text(v) -> str | None:
    if v is None or (isinstance(v, float) and (pd.isna(v))):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    return text or None


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------
def clean_geometry(geoms: np.ndarray, ids: pd.Series, report: ReadReport) -> tuple[np.ndarray, np.ndarray, dict]:
    """Polygonal 2-D geometries and a keep-mask. Z dropped, GeometryCollections reduced to their
    polygons, invalid rings repaired with make_valid (polygonal parts kept); null, empty and
    non-polygonal features dropped. Every repair and drop is recorded by feature id."""
    geoms = np.asarray(geoms, dtype=object)
    keep = np.ones(len(geoms), dtype=bool)
    null = np.array([g is None for g in geoms]) | shapely.is_missing(geoms)
    for i in np.flatnonzero(null):
        report.dropped.append({"feature_id": ids.iloc[i], "reason": "no geometry (null)"})
    keep &= ~null
    idx = np.flatnonzero(keep)
    g = geoms[idx]
    if shapely.has_z(g).any():
        g = shapely.force_2d(g)
    empty = shapely.is_empty(g)
    for i in idx[empty]:
        report.dropped.append({"feature_id": ids.iloc[i], "reason": "empty geometry"})
    keep[idx[empty]] = False
    idx, g = idx[~empty], g[~empty]
    types = shapely.get_type_id(g)
    # Collections: keep polygonal parts
    coll = types == 7
    if coll.any():
        g[coll] = [polygonal_part(x) for x in g[coll]]
        types = shapely.get_type_id(g)
    nonpoly = ~np.isin(types, (3, 6))
    for i, t in zip(idx[nonpoly], g[nonpoly]):
        kind = shapely.get_type_id(t)
        label = {0: "point", 1: "line", 2: "ring", 4: "multipoint", 5: "multiline"}.get(int(kind), "not a polygon")
        if t is None or shapely.is_empty(t):
            label = "geometry collection without polygons"
        report.dropped.append({"feature_id": ids.iloc[i], "reason": f"{label}, not a polygon"})
    keep[idx[nonpoly]] = False
    idx, g = idx[~nonpoly], g[~nonpoly]
    invalid = ~shapely.is_valid(g)
    originals: dict[int, object] = {}
    if invalid.any():
        reasons = shapely.is_valid_reason(g[invalid])
        fixed = shapely.make_valid(g[invalid], method="structure", keep_collapsed=False)
        fixed = np.array([polygonal_part(x) for x in fixed], dtype=object)
        for i, r, g0, fx in zip(idx[invalid], reasons, g[invalid], fixed):
            if fx is None or shapely.is_empty(fx):
                report.dropped.append({"feature_id": ids.iloc[i], "reason": f"invalid geometry ({r}) with no area left after repair"})
                keep[i] = False
            else:
                report.repaired.append({"feature_id": ids.iloc[i], "reason": str(r)})
                originals[int(i)] = g0
        g[invalid] = fixed
    out = geoms.copy()
    out[idx] = g
    return out, keep, originals


def _measure_repairs(report: ReadReport, originals: dict, repaired: gpd.GeoSeries) -> None:
    """Add the ellipsoidal area (m²) before and after each repair to the report, so that what a
    repair changed is accounted for. Before = GEOS's area of the invalid ring (self-overlapping
    lobes count with their sign), after = the repaired polygon."""
    if not originals:
        return
    pos = np.fromiter(originals, dtype=np.int64)
    before = units.ellipsoidal_area(np.array(list(originals.values()), dtype=object), repaired.crs)
    after = units.ellipsoidal_area(repaired.iloc[pos].to_numpy(), repaired.crs)
    for entry, b, a in zip(report.repaired, before, after):
        entry["area_before_m2"] = units.round_half_up(float(b), 2)
        entry["area_after_m2"] = units.round_half_up(float(a), 2)


def polygonal_part(geom):
    """The polygons of a geometry (MultiPolygon when several), None when it has none."""
    if geom is None:
        return None
    t = shapely.get_type_id(geom)
    if t in (3, 6):
        return geom
    if t == 7:
        parts = shapely.get_parts(geom)
        polys = []
        for p in parts:
            pt = shapely.get_type_id(p)
            if pt == 3:
                polys.append(p)
            elif pt == 6:
                polys.extend(shapely.get_parts(p))
            elif pt == 7:
                sub = polygonal_part(p)
                if sub is not None:
                    polys.extend(shapely.get_parts(sub))
        polys = [p for p in polys if not p.is_empty]
        if not polys:
            return None
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return None


# --------------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------------
def read_layer(
    path: str | Path,
    *,
    layer: str | int | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    kind: str = "any",
    fields: dict[str, str] | None = None,
    require_landuse: bool = False,
) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """Read a delivered layer into a clean GeoDataFrame (polygons only, in its own CRS) and a
    `ReadReport`.

    `kind` (survey / farmland / transfer / facility / any) picks the layer among several by name
    hints. `require_landuse` stops with a clear error when the layer has no land-use field
    (DLBM / DLMC or an alias). Added columns: `feature_id` (BSM or `#n`), `feature_no` (1-based).
    Canonical field names replace their aliases (地类编码 → DLBM); DLBM is normalised (text, zero
    padded, suffix upper-case; from DLMC names when there is no code).
    """
    src = resolve_source(path)
    report = ReadReport(path=str(src.path))
    layers = list_layers(src)
    report.layers = [n for n, _ in layers]
    name = choose_layer(src, layers, kind, layer)
    report.layer = name
    df = _read_raw(src, name, encoding, report)
    report.n_read = len(df)
    if len(df) == 0:
        raise LandcheckError(f"{src.path}: layer '{name}' is empty (0 features). Check that the right file and layer were delivered.")
    df = repair_mojibake(df, report)

    fmap = map_fields(list(df.columns.drop(df.geometry.name)), fields)
    report.field_map = {k: str(v) for k, v in fmap.items()}
    for col in df.columns.drop(df.geometry.name):
        could_be = _CUT_NAMES.get(str(col).upper(), set()) - set(fmap)
        if len(could_be) > 1 and col not in fmap.values():
            report.warn(f"field '{col}' is a name cut at the DBF's 10-byte limit and could be any of "
                        f"{', '.join(sorted(could_be))}: map it in landcheck.toml ([layers.<name>.fields])")
    df = df.rename(columns={v: k for k, v in fmap.items() if v != k})
    # a canonical name that is also present under its own name would collide: keep the mapped one
    df = df.loc[:, ~df.columns.duplicated()]
    if require_landuse and not any(f in df.columns for f in LANDUSE_FIELDS):
        looked = ", ".join(FIELD_ALIASES["DLBM"][:4] + FIELD_ALIASES["DLMC"][:2])
        raise LandcheckError(
            f"{src.path}: layer '{name}' has no land-use field (looked for {looked} …). "
            f"Fields: {', '.join(map(str, df.columns.drop(df.geometry.name)))}. "
            f"Map yours in landcheck.toml ([layers.survey.fields] DLBM = \"…\")."
        )
    positions = np.arange(len(df))
    ids = feature_ids(df, positions)

    types = set(shapely.get_type_id(df.geometry.values[~shapely.is_missing(df.geometry.values)]).tolist())
    if types and not (types & {3, 6, 7}):
        kinds = sorted({ {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint", 5: "MultiLineString"}.get(t, str(t)) for t in types})
        raise LandcheckError(
            f"{src.path}: layer '{name}' holds {', '.join(kinds)} features, not polygons. landcheck needs polygon "
            f"layers (地类图斑 / 永久基本农田 / 流转地块); choose another layer with --layer."
        )

    geoms, keep, originals = clean_geometry(df.geometry.values, ids, report)
    declared = df.crs
    df = df.assign(feature_id=ids.values, feature_no=positions + 1)
    df = gpd.GeoDataFrame(df.drop(columns=df.geometry.name), geometry=gpd.GeoSeries(geoms, index=df.index), crs=None)
    df = df.loc[keep].copy()
    if len(df) == 0:
        raise LandcheckError(f"{src.path}: layer '{name}' has no usable polygon (all {report.n_read} features dropped: "
                             f"{report.dropped[0]['reason']} …). Check the delivery.")
    bounds = tuple(df.total_bounds)
    settled = settle_crs(declared, crs, bounds, src.path, report)
    _measure_repairs(report, originals, gpd.GeoSeries(geoms, crs=settled))
    df = df.set_crs(settled, allow_override=True)

    if "DLBM" in df.columns or "DLMC" in df.columns:
        raw_codes = df["DLBM"] if "DLBM" in df.columns else [None] * len(df)
        names = df["DLMC"] if "DLMC" in df.columns else None
        reading = landuse.normalise_codes(raw_codes, names)
        df["DLBM"] = reading.codes.values
        report.code_reading = reading.note
        report.unknown_codes = reading.unknown
        if reading.unknown:
            shown = ", ".join(f"{c} ×{n}" for c, n in sorted(reading.unknown.items())[:10])
            report.warn(f"unknown land-use codes kept as they are: {shown}")
        report.unknown_names = reading.unknown_names
        if reading.unknown_names:
            shown = ", ".join(f"{c} ×{n}" for c, n in sorted(reading.unknown_names.items())[:10])
            report.warn(f"land-use names without a code that match no known class (DLBM left empty): {shown}")
    report.n_features = len(df)
    dup = df["feature_id"][df["feature_id"].duplicated(keep=False)]
    if len(dup):
        report.warn(f"{dup.nunique()} feature ids occur more than once (e.g. {dup.iloc[0]})")
    return df, report


def _read_raw(src: Source, name: str, encoding: str | None, report: ReadReport) -> gpd.GeoDataFrame:
    """Read one layer with pyogrio + Arrow (or pyarrow for GeoParquet), with the right encoding."""
    if src.kind == "parquet":
        try:
            df = gpd.read_parquet(src.path)
        except Exception as exc:
            raise LandcheckError(f"{src.path}: cannot be read as GeoParquet ({_first_line(exc)}).") from None
        report.driver = "GeoParquet"
        report.encoding, report.encoding_source = "UTF-8", "format"
        return df
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise LandcheckError(f"{src.path}: unknown text encoding '{encoding}'. Use e.g. --encoding GBK or UTF-8.") from None
    read_kwargs = dict(layer=name, use_arrow=True, **src.open_options)
    if src.dbf is not None:
        if encoding:
            enc, how = encoding, "option"
        else:
            enc, how = detect_shapefile_encoding(src)
        read_kwargs["encoding"] = enc
        report.encoding, report.encoding_source = enc, how
    else:
        enc, how = (encoding, "option") if encoding else ("UTF-8", "format")
        report.encoding, report.encoding_source = enc, how
        if encoding:
            read_kwargs["encoding"] = encoding
            read_kwargs["use_arrow"] = False  # pyogrio reads other encodings than UTF-8 without Arrow only
    try:
        with warnings.catch_warnings(record=True) as gdal_notes:
            warnings.simplefilter("always")
            try:
                info = pyogrio.read_info(src.gdal_path, layer=name, **src.open_options)
            except UnicodeDecodeError:  # field names not in the declared encoding: see below
                info = pyogrio.read_info(src.gdal_path, layer=name, encoding="ISO-8859-1", **src.open_options)
            report.driver = info.get("driver")
            try:
                df = _read_ogr(src.gdal_path, read_kwargs)
            except UnicodeDecodeError:
                # Text that is not in `enc` (a wrong .cpg or --encoding, GBK inside a GeoJSON), or a field
                # name cut inside a character at the DBF's 10-byte limit: read every byte as it is and
                # decode here (with the encoding the user or the file named, else detected from the bytes).
                raw = _read_ogr(src.gdal_path, {**read_kwargs, "encoding": "ISO-8859-1", "use_arrow": False})
                df = _decode_latin1_bytes(raw, enc if how in ("option", "cpg", "dbf_language_byte") else None, how, report)
        # what GDAL said while reading (a duplicate field skipped, M values dropped …) goes into the report
        for note in dict.fromkeys(str(w.message).strip() for w in gdal_notes if issubclass(w.category, RuntimeWarning)):
            report.warn(f"GDAL: {note}")
    except LandcheckError:
        raise
    except UnicodeDecodeError as exc:
        raise LandcheckError(f"{src.path}: the text of layer '{name}' is not {report.encoding} ({exc.reason}). "
                             f"Name its encoding with --encoding (e.g. GBK, GB18030 or UTF-8).") from None
    except Exception as exc:
        raise LandcheckError(f"{src.path}: cannot read layer '{name}' ({_first_line(exc)}).") from None
    return df


def _read_ogr(path: str, kwargs: dict) -> gpd.GeoDataFrame:
    """pyogrio read, with Arrow when it can; text that is not valid in the encoding raises
    UnicodeDecodeError here (Arrow decodes lazily: the error would otherwise surface much later)."""
    if kwargs.get("use_arrow"):
        try:
            df = pyogrio.read_dataframe(path, **kwargs)
            for col in df.columns:
                if col != df.geometry.name and (df[col].dtype == object or pd.api.types.is_string_dtype(df[col].dtype)):
                    df[col].tolist()
            return df
        except UnicodeDecodeError:
            raise
        except Exception:
            pass
    return pyogrio.read_dataframe(path, **{**kwargs, "use_arrow": False})


def _decode_latin1_bytes(df: gpd.GeoDataFrame, enc: str | None, how: str, report: ReadReport) -> gpd.GeoDataFrame:
    """`df` was read as ISO-8859-1, so each text character is one byte of the file: decode the bytes
    as `enc`, or as the encoding detected from them when `enc` is None. A field name whose last
    character was cut by the DBF's 10-byte limit loses that partial character (and is reported)."""
    geom = df.geometry.name
    text_cols = [c for c in df.columns if c != geom and (df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype))]
    if enc is None:
        sample = [v.encode("latin-1") for c in text_cols for v in df[c].dropna().unique() if isinstance(v, str)]
        sample += [str(c).encode("latin-1") for c in df.columns if c != geom]
        enc, how = detect_bytes_encoding(b"\n".join(sample)), "detected"
    report.encoding, report.encoding_source = enc, how
    out = df.copy()
    for c in text_cols:
        out[c] = pd.Series([v.encode("latin-1").decode(enc) if isinstance(v, str) else v for v in df[c]],
                           index=df.index, dtype=object)
    renames = {}
    for c in df.columns:
        if c == geom or not isinstance(c, str):
            continue
        raw = c.encode("latin-1")
        try:
            renames[c] = raw.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start < len(raw) - 3:
                raise
            renames[c] = raw[:exc.start].decode(enc)
            report.warn(f"field name '{renames[c]}' was cut inside a character at the DBF's 10-byte limit")
    return out.rename(columns=renames)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
