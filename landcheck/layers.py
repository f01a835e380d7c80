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
from .geometry import polygonal_part, repair_polygons  # noqa: F401 (polygonal_part re-exported)
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
    "YSDM": ("YSDM", "要素代码"),
    "QSXZ": ("QSXZ", "权属性质"),
    "GDLX": ("GDLX", "耕地类型"),
    "GDPDJB": ("GDPDJB", "耕地坡度级别", "PDJB", "坡度级别"),
    "SJNF": ("SJNF", "数据年份"),
    "YJJBNTMJ": ("YJJBNTMJ", "JBNTMJ", "永久基本农田面积", "基本农田面积"),
    # 卫片 / 无人机 change patches (domain.md §5.2)
    "JCBH": ("JCBH", "监测编号", "线索编号", "XSBH"),
    "TBLX": ("TBLX", "图斑类型", "变化类型", "解译类型"),
    "QSX": ("QSX", "前时相"),
    "HSX": ("HSX", "后时相"),
    "JCPC": ("JCPC", "监测批次"),
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
        fixed = repair_polygons(g[invalid])
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
        _report_code_reading(report, reading)
    report.n_features = len(df)
    dup = df["feature_id"][df["feature_id"].duplicated(keep=False)]
    if len(dup):
        report.warn(f"{dup.nunique()} feature ids occur more than once (e.g. {dup.iloc[0]})")
    return df, report


def _report_code_reading(report: ReadReport, reading) -> None:
    """Record how the land-use codes were read (landuse.normalise_codes) and warn about unknown ones."""
    report.code_reading = reading.note
    report.unknown_codes = reading.unknown
    if reading.unknown:
        shown = ", ".join(f"{c} ×{n}" for c, n in sorted(reading.unknown.items())[:10])
        report.warn(f"unknown land-use codes kept as they are: {shown}")
    report.unknown_names = reading.unknown_names
    if reading.unknown_names:
        shown = ", ".join(f"{c} ×{n}" for c, n in sorted(reading.unknown_names.items())[:10])
        report.warn(f"land-use names without a code that match no known class (DLBM left empty): {shown}")


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


# --------------------------------------------------------------------------------------------
# Chunked reading: layers bigger than memory
# --------------------------------------------------------------------------------------------
# `read_layer_chunks` gives the same cleaned features and the same `ReadReport` as `read_layer`,
# chunk by chunk. Every decision `read_layer` takes on the whole layer (the text encoding when it is
# detected from the text, the repair of mojibake per field, the CRS from the layer's extent, the
# reading of 3-digit land-use codes, duplicate feature ids) is taken on the whole layer here too:
# opening scans the source once, chunk by chunk, keeping only small summaries (distinct suspicious
# text values, distinct (code, name) pairs with counts, the extent, the ids, the repaired features);
# iterating reads it again chunk by chunk and applies those decisions. Peak memory is one chunk plus
# the summaries (tens of bytes per feature for the ids), not the layer.


class _Latin1Needed(Exception):
    """A chunk's text is not valid in the encoding: the whole layer is read byte for byte (as the
    whole-layer read does) and decoded afterwards."""


def _drop_stage(reason: str) -> int:
    """Where `clean_geometry` records a drop: null, empty, not a polygon, invalid (its order)."""
    if reason.startswith("no geometry"):
        return 0
    if reason == "empty geometry":
        return 1
    if reason.startswith("invalid geometry"):
        return 3
    return 2


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def _null_to_none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v


class _RawChunks:
    """The raw features of one layer, `chunk_size` at a time, read as `_read_raw` reads the whole
    layer (pyogrio + Arrow with the encoding found once; GeoParquet through pyarrow batches)."""

    def __init__(self, src: Source, name: str, encoding: str | None, report: ReadReport, chunk_size: int):
        self.src, self.name, self.chunk_size = src, name, max(1, int(chunk_size))
        self.latin1: tuple[str, str] | None = None  # (encoding, how) once text must be decoded from bytes
        self.detect = False  # latin-1 mode with the encoding still to be detected from the whole text
        if src.kind == "parquet":
            report.driver = "GeoParquet"
            report.encoding, report.encoding_source = "UTF-8", "format"
            return
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise LandcheckError(f"{src.path}: unknown text encoding '{encoding}'. Use e.g. --encoding GBK or UTF-8.") from None
        self.kwargs = dict(layer=name, use_arrow=True, **src.open_options)
        if src.dbf is not None:
            enc, how = (encoding, "option") if encoding else detect_shapefile_encoding(src)
            self.kwargs["encoding"] = enc
        else:
            enc, how = (encoding, "option") if encoding else ("UTF-8", "format")
            if encoding:
                self.kwargs["encoding"] = encoding
                self.kwargs["use_arrow"] = False
        self.enc, self.how = enc, how
        report.encoding, report.encoding_source = enc, how
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always")
            try:
                try:
                    info = pyogrio.read_info(src.gdal_path, layer=name, **src.open_options)
                except UnicodeDecodeError:
                    info = pyogrio.read_info(src.gdal_path, layer=name, encoding="ISO-8859-1", **src.open_options)
            except Exception as exc:
                raise LandcheckError(f"{src.path}: cannot read layer '{name}' ({_first_line(exc)}).") from None
        report.driver = info.get("driver")
        self.info_notes = [str(w.message).strip() for w in notes if issubclass(w.category, RuntimeWarning)]

    def go_latin1(self) -> None:
        """Read every chunk as ISO-8859-1 from now on, like `_read_raw` after a UnicodeDecodeError."""
        if self.how in ("option", "cpg", "dbf_language_byte"):
            self.latin1 = (self.enc, self.how)
        else:
            self.detect = True

    def __iter__(self):
        """(first position, raw GeoDataFrame indexed by position, GDAL notes, decoding notes)."""
        if self.src.kind == "parquet":
            yield from self._parquet()
            return
        if self.latin1 is None and not self.detect and self.kwargs.get("use_arrow"):
            stream = self._stream()
            try:
                first = next(stream)
            except StopIteration:
                return
            except (_Latin1Needed, LandcheckError):
                raise
            except Exception:
                first = None  # the stream cannot be opened: read by feature ranges as `_read_ogr` would
            if first is not None:
                yield first
                yield from stream
                return
        start = 0
        while True:
            kwargs = {**self.kwargs, "skip_features": start, "max_features": self.chunk_size}
            with warnings.catch_warnings(record=True) as notes:
                warnings.simplefilter("always")
                decode_notes: list[str] = []
                try:
                    if self.latin1 is None and not self.detect:
                        try:
                            df = _read_ogr(self.src.gdal_path, kwargs)
                        except UnicodeDecodeError:
                            raise _Latin1Needed() from None
                    else:
                        df = _read_ogr(self.src.gdal_path, {**kwargs, "encoding": "ISO-8859-1", "use_arrow": False})
                        if self.latin1 is not None:
                            scratch = ReadReport(path=str(self.src.path))
                            try:
                                df = _decode_latin1_bytes(df, self.latin1[0], self.latin1[1], scratch)
                            except UnicodeDecodeError as exc:
                                raise LandcheckError(
                                    f"{self.src.path}: the text of layer '{self.name}' is not {self.latin1[0]} ({exc.reason}). "
                                    f"Name its encoding with --encoding (e.g. GBK, GB18030 or UTF-8).") from None
                            decode_notes = scratch.warnings
                except (LandcheckError, _Latin1Needed):
                    raise
                except Exception as exc:
                    raise LandcheckError(f"{self.src.path}: cannot read layer '{self.name}' ({_first_line(exc)}).") from None
            n = len(df)
            if n == 0 and start > 0:
                return
            df.index = pd.RangeIndex(start, start + n)
            gdal = [str(w.message).strip() for w in notes if issubclass(w.category, RuntimeWarning)]
            yield start, df, gdal, decode_notes
            if n < self.chunk_size:
                return
            start += n

    def _stream(self):
        """Chunks of one sequential pyogrio Arrow stream (each feature range re-opened and skipped to
        costs up to 5 times as much on a GeoPackage), converted as `pyogrio.read_dataframe` converts
        its Arrow table."""
        import pyarrow as pa
        from .compat import parse_ogr_datetime

        kwargs = {k: v for k, v in self.kwargs.items() if k != "use_arrow"}
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always")
            source = pyogrio.open_arrow(self.src.gdal_path, batch_size=self.chunk_size, use_pyarrow=True,
                                        datetime_as_string=True, **kwargs)
            meta, reader = source.__enter__()
        start = 0
        try:
            while True:
                with warnings.catch_warnings(record=True) as more:
                    warnings.simplefilter("always")
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        break
                    try:
                        df = pa.Table.from_batches([batch], schema=reader.schema).to_pandas(self_destruct=True)
                        for col in df.columns:
                            if df[col].dtype == object or pd.api.types.is_string_dtype(df[col].dtype):
                                df[col].tolist()
                    except UnicodeDecodeError:
                        raise _Latin1Needed() from None
                    for dtype, column in zip(meta["dtypes"], meta["fields"], strict=True):
                        if dtype is not None and dtype.startswith("datetime") and dtype != "datetime64[D]":
                            df[column] = parse_ogr_datetime(df[column])
                    geometry_name = meta["geometry_name"] or "wkb_geometry"
                    wkb = df.pop(geometry_name)
                    if wkb.dtype != object:
                        wkb = wkb.to_numpy(na_value=None)
                    df["geometry"] = shapely.from_wkb(wkb, on_invalid="raise")
                    df = gpd.GeoDataFrame(df, geometry="geometry", crs=meta["crs"])
                n = len(df)
                df.index = pd.RangeIndex(start, start + n)
                gdal = [str(w.message).strip() for w in [*notes, *more] if issubclass(w.category, RuntimeWarning)]
                notes = []
                yield start, df, gdal, []
                start += n
        finally:
            source.__exit__(None, None, None)

    def _parquet(self):
        import json

        import pyarrow as pa
        import pyarrow.parquet as pq
        from .compat import arrow_to_geopandas

        try:
            pf = pq.ParquetFile(self.src.path)
            meta = pf.schema_arrow.metadata or {}
            geo = json.loads(meta[b"geo"]) if b"geo" in meta else None
            start = 0
            batches = pf.iter_batches(batch_size=self.chunk_size)
            for batch in batches:
                table = pa.Table.from_batches([batch]).replace_schema_metadata(meta)
                df = arrow_to_geopandas(table, geo)
                if isinstance(df.index, pd.RangeIndex) or len(df.index) != len(df):
                    df.index = pd.RangeIndex(start, start + len(df))
                yield start, df, [], []
                start += len(df)
            if start == 0:  # an empty file: one empty chunk, so that the caller sees the layer is empty
                yield 0, gpd.read_parquet(self.src.path), [], []
        except LandcheckError:
            raise
        except Exception as exc:
            raise LandcheckError(f"{self.src.path}: cannot be read as GeoParquet ({_first_line(exc)}).") from None

    def detect_encoding(self, report: ReadReport) -> None:
        """Latin-1 mode without a named encoding: detect it from all the text of the layer, as
        `_decode_latin1_bytes` does on the whole layer (each field's distinct values in order of
        first appearance, then the field names)."""
        samples: dict[str, dict[bytes, None]] = {}
        names: list = []
        for _, df, _, _ in self:
            geom = df.geometry.name
            if not names:
                names = [c for c in df.columns if c != geom]
            for c in df.columns:
                if c == geom or not _is_text(df[c]):
                    continue
                bucket = samples.setdefault(c, {})
                for v in df[c].dropna().unique():
                    if isinstance(v, str):
                        bucket.setdefault(v.encode("latin-1"), None)
        sample = [v for c in names for v in samples.get(c, {})]
        sample += [str(c).encode("latin-1") for c in names]
        self.latin1 = (detect_bytes_encoding(b"\n".join(sample)), "detected")
        self.detect = False
        report.encoding, report.encoding_source = self.latin1


@dataclass
class _ChunkPlan:
    """The whole-layer decisions that every chunk applies."""

    renames: dict
    fixes: dict  # column → {mojibake value: repaired value}
    field_renames: dict
    code_map: dict | None  # (clean code, name) → normalised code; None when the layer has no DLBM/DLMC
    crs: CRS
    raw_dtypes: dict = field(default_factory=dict)  # column → the whole layer's dtype, where a chunk's may differ
    codes_dtype: object = None  # the dtype the whole layer's normalised DLBM column gets


class LayerChunks:
    """A delivered layer, read in chunks with the same cleaning as `read_layer` (see
    `read_layer_chunks`). Iterate to get the cleaned chunks (GeoDataFrames in feature order, indexed
    by feature position like `read_layer`'s frame); `report` is the whole layer's `ReadReport`;
    `feature_bounds` (n_features × 4: xmin, ymin, xmax, ymax in `crs`) where each kept feature lies,
    in feature order, so that a caller can plan (e.g. sort spatially) before reading the chunks."""

    def __init__(self, raw: _RawChunks, plan: _ChunkPlan, report: ReadReport, total_bounds: tuple,
                 fields: dict | None):
        self._raw, self._plan, self._fields = raw, plan, fields
        self.report = report
        self.path = raw.src.path
        self.crs: CRS = plan.crs
        self.total_bounds = total_bounds
        self.n_features = report.n_features
        self.chunk_size = raw.chunk_size
        self.feature_bounds: np.ndarray = np.empty((0, 4))

    def __iter__(self):
        plan = self._plan
        for start, df, _, _ in self._raw:
            if len(df) == 0:
                continue
            df = _harmonise(df, plan.raw_dtypes)
            df = _apply_text_plan(df, plan)
            positions = np.arange(start, start + len(df))
            ids = feature_ids(df, positions)
            geoms, keep, _ = clean_geometry(df.geometry.values, ids, ReadReport(path=str(self.path)))
            df = df.assign(feature_id=ids.values, feature_no=positions + 1)
            df = gpd.GeoDataFrame(df.drop(columns=df.geometry.name), geometry=gpd.GeoSeries(geoms, index=df.index), crs=None)
            df = df.loc[keep].copy()
            if len(df) == 0:
                continue
            df = df.set_crs(plan.crs, allow_override=True)
            if plan.code_map is not None:
                raw_codes = df["DLBM"] if "DLBM" in df.columns else [None] * len(df)
                names = df["DLMC"] if "DLMC" in df.columns else [None] * len(df)
                df["DLBM"] = np.array([plan.code_map[_code_key(c, n)] for c, n in zip(raw_codes, names)], dtype=object)
                if plan.codes_dtype is not None and df["DLBM"].dtype != plan.codes_dtype:
                    df["DLBM"] = df["DLBM"].astype(plan.codes_dtype)
            yield df

    def read_all(self) -> gpd.GeoDataFrame:
        """Every chunk in one frame (for tests and small layers: equal to `read_layer`'s frame)."""
        return pd.concat(list(self))


def _harmonise(df: gpd.GeoDataFrame, dtypes: dict) -> gpd.GeoDataFrame:
    """Give a chunk's columns the dtypes the whole layer has (a chunk without nulls reads an integer
    field as int64 where the whole layer has float64; a chunk whose text is all null reads as object
    where the whole layer infers str)."""
    for col, dtype in dtypes.items():
        if col in df.columns and df[col].dtype != dtype:
            df[col] = df[col].astype(dtype)
    return df


def _inferred_dtype(values: list):
    """The dtype pandas gives a new column assigned an object array of `values`."""
    probe = pd.DataFrame(index=range(len(values)))
    probe["x"] = np.array(values, dtype=object) if values else np.empty(0, dtype=object)
    return probe["x"].dtype


def _code_key(code, name) -> tuple:
    name = _null_to_none(name)
    return landuse.clean_code(code), (None if name is None else str(name).strip())


def _apply_text_plan(df: gpd.GeoDataFrame, plan: _ChunkPlan) -> gpd.GeoDataFrame:
    """Mojibake repairs (whole-layer decisions), field aliases, as `read_layer` does."""
    if plan.renames:
        df = df.rename(columns=plan.renames)
    for col, fixes in plan.fixes.items():
        s = df[col]
        df[col] = s.map(lambda v: fixes.get(v, v) if isinstance(v, str) else v)
    df = df.rename(columns=plan.field_renames)
    return df.loc[:, ~df.columns.duplicated()]


def read_layer_chunks(
    path: str | Path,
    *,
    chunk_size: int = 100_000,
    layer: str | int | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    kind: str = "any",
    fields: dict[str, str] | None = None,
    require_landuse: bool = False,
) -> LayerChunks:
    """Open a delivered layer for reading in chunks of `chunk_size` features: the same options,
    checks, errors, cleaned features and `ReadReport` as `read_layer`, with peak memory bounded by
    the chunk. Opening scans the source once (pyogrio + Arrow by feature ranges; GeoParquet by
    record batches) to take the whole-layer decisions and fill the report; iterating the returned
    `LayerChunks` reads it again and yields the cleaned chunks. Concatenated, the chunks equal
    `read_layer(path, ...)[0]` (index, columns, dtypes, values, geometries); the report is equal
    field by field. Besides the decisions, opening keeps the ids of all features and the bounds of
    the kept ones (some 50 bytes a feature)."""
    src = resolve_source(path)
    report = ReadReport(path=str(src.path))
    layers = list_layers(src)
    report.layers = [n for n, _ in layers]
    name = choose_layer(src, layers, kind, layer)
    report.layer = name
    raw = _RawChunks(src, name, encoding, report, chunk_size)
    try:
        scan = _scan(raw, src, name, report, crs, fields, require_landuse)
    except _Latin1Needed:
        raw.go_latin1()
        if raw.detect:
            try:
                raw.detect_encoding(report)
            except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
                raise LandcheckError(f"{src.path}: the text of layer '{name}' cannot be decoded ({exc.reason}).") from None
        report = ReadReport(path=str(src.path), layers=report.layers, layer=name, driver=report.driver,
                            encoding=raw.latin1[0], encoding_source=raw.latin1[1])
        scan = _scan(raw, src, name, report, crs, fields, require_landuse)
    plan, bounds, feature_bounds = scan
    chunks = LayerChunks(raw, plan, report, bounds, fields)
    chunks.feature_bounds = feature_bounds
    return chunks


def _scan(raw: _RawChunks, src: Source, name: str, report: ReadReport, crs_option: str | None, fields, require_landuse):
    """The scanning pass of `read_layer_chunks`: fills `report` as `read_layer` would, and returns
    the plan every chunk applies and the extent of the kept features."""
    n_read = 0
    gdal_notes: dict[str, None] = dict.fromkeys(getattr(raw, "info_notes", []))
    decode_notes: dict[str, None] = {}
    first = True
    declared = None
    geom_name = None
    columns: list = []  # after the repair of mojibake field names, before aliases
    renames: dict = {}
    fmap: dict = {}
    field_renames: dict = {}
    after: list = []
    text_cols: list = []
    high: dict = {}  # column → {suspicious value: rows}, values in order of first appearance
    bsm_parts: list = []
    types: set[int] = set()
    staged: list[tuple[int, int, dict]] = []
    repaired: list[dict] = []
    originals: list = []
    fixed: list = []
    kept_pos: list[np.ndarray] = []
    kept_bounds: list[np.ndarray] = []
    bmin = np.array([np.inf, np.inf])
    bmax = np.array([-np.inf, -np.inf])
    pairs: dict[tuple, int] = {}  # (code, name) of kept rows as read → rows, in order of first appearance
    chunk_dtypes: dict = {}  # raw column → [(dtype, all null and object)] per chunk
    for start, df, gdal, dec in raw:
        gdal_notes.update(dict.fromkeys(gdal))
        decode_notes.update(dict.fromkeys(dec))
        if first:
            first = False
            declared = df.crs
            geom_name = df.geometry.name
            renames = {c: unmojibake(c) for c in df.columns if isinstance(c, str) and unmojibake(c)}
            columns = [renames.get(c, c) for c in df.columns]
            fmap = map_fields([c for c in columns if c != geom_name], fields)
            field_renames = {v: k for k, v in fmap.items() if v != k}
            mapped = pd.Index([field_renames.get(c, c) for c in columns])
            after = list(mapped[~mapped.duplicated()])
            if len(df) == 0:
                break
            if require_landuse and not any(f in after for f in LANDUSE_FIELDS):
                looked = ", ".join(FIELD_ALIASES["DLBM"][:4] + FIELD_ALIASES["DLMC"][:2])
                raise LandcheckError(
                    f"{src.path}: layer '{name}' has no land-use field (looked for {looked} …). "
                    f"Fields: {', '.join(map(str, [c for c in after if c != geom_name]))}. "
                    f"Map yours in landcheck.toml ([layers.survey.fields] DLBM = \"…\")."
                )
        if len(df) == 0:
            continue
        n_read += len(df)
        for c in df.columns:
            if c != df.geometry.name:
                s_ = df[c]
                chunk_dtypes.setdefault(c, []).append((s_.dtype, bool(s_.dtype == object and s_.isna().all())))
        if renames:
            df = df.rename(columns=renames)
        for c in df.columns:
            if c == geom_name or not _is_text(df[c]):
                continue
            if c not in text_cols:
                text_cols.append(c)
            s = df[c]
            vals = [v for v in s.dropna().unique() if isinstance(v, str) and _HIGH_LATIN.search(v)]
            if vals:
                counts = s[s.isin(vals)].value_counts()
                bucket = high.setdefault(c, {})
                for v in vals:
                    bucket[v] = bucket.get(v, 0) + int(counts.get(v, 0))
        df = df.rename(columns=field_renames)
        df = df.loc[:, ~df.columns.duplicated()]
        positions = np.arange(start, start + len(df))
        if "BSM" in df.columns:
            bsm_parts.append(pd.Series(df["BSM"].to_numpy(dtype=object), dtype=object))
        gv = df.geometry.values
        types |= set(shapely.get_type_id(gv[~shapely.is_missing(gv)]).tolist())
        chunk_report = ReadReport(path=str(src.path))
        geoms, keep, orig = clean_geometry(gv, pd.Series(positions, index=df.index), chunk_report)
        staged.extend((_drop_stage(e["reason"]), len(staged) + k, e) for k, e in enumerate(chunk_report.dropped))
        repaired.extend(chunk_report.repaired)
        for i, g0 in orig.items():
            originals.append(g0)
            fixed.append(geoms[i])
        kept_pos.append(positions[keep])
        kept = geoms[keep]
        kept_bounds.append(shapely.bounds(kept))
        if len(kept):
            b = kept_bounds[-1]
            bmin = np.minimum(bmin, np.nanmin(b[:, :2], axis=0))
            bmax = np.maximum(bmax, np.nanmax(b[:, 2:], axis=0))
        if "DLBM" in df.columns or "DLMC" in df.columns:
            kdf = df.loc[keep]
            codes = kdf["DLBM"].tolist() if "DLBM" in kdf.columns else [None] * len(kdf)
            names = kdf["DLMC"].tolist() if "DLMC" in kdf.columns else [None] * len(kdf)
            for key in zip(map(_null_to_none, codes), map(_null_to_none, names)):
                pairs[key] = pairs.get(key, 0) + 1
    report.n_read = n_read
    if n_read == 0:
        raise LandcheckError(f"{src.path}: layer '{name}' is empty (0 features). Check that the right file and layer were delivered.")
    report.warnings.extend(decode_notes)
    report.warnings.extend(f"GDAL: {n}" for n in gdal_notes)
    # mojibake: decided per field on the whole layer, as repair_mojibake does
    if renames:
        report.mojibake_repaired["<field names>"] = len(renames)
    fixes_by_col: dict = {}
    for c in columns:
        vals = high.get(c)
        if c == geom_name or not vals:
            continue
        fixes = {v: unmojibake(v) for v in vals}
        fixes = {k: v for k, v in fixes.items() if v}
        if len(fixes) >= max(1, 0.5 * len(vals)):
            fixes_by_col[c] = fixes
            report.mojibake_repaired[c] = int(sum(vals[v] for v in fixes))
    report.field_map = {k: str(v) for k, v in fmap.items()}
    for col in [c for c in columns if c != geom_name]:
        could_be = _CUT_NAMES.get(str(col).upper(), set()) - set(fmap)
        if len(could_be) > 1 and col not in fmap.values():
            report.warn(f"field '{col}' is a name cut at the DBF's 10-byte limit and could be any of "
                        f"{', '.join(sorted(could_be))}: map it in landcheck.toml ([layers.<name>.fields])")
    # ids: BSM (after its mojibake repair) or #n
    source_of = {k: v for k, v in fmap.items()}
    if bsm_parts:
        bsm = pd.concat(bsm_parts, ignore_index=True)
        fix = fixes_by_col.get(source_of.get("BSM", "BSM"))
        if fix:
            bsm = bsm.map(lambda v: fix.get(v, v) if isinstance(v, str) else v)
        ids = feature_ids(pd.DataFrame({"BSM": bsm}), np.arange(n_read))
    else:
        ids = feature_ids(pd.DataFrame(index=range(n_read)), np.arange(n_read))
    if types and not (types & {3, 6, 7}):
        kinds = sorted({ {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint", 5: "MultiLineString"}.get(t, str(t)) for t in types})
        raise LandcheckError(
            f"{src.path}: layer '{name}' holds {', '.join(kinds)} features, not polygons. landcheck needs polygon "
            f"layers (地类图斑 / 永久基本农田 / 流转地块); choose another layer with --layer."
        )
    for _, _, e in sorted(staged, key=lambda t: (t[0], t[1])):
        report.dropped.append({**e, "feature_id": ids.iloc[int(e["feature_id"])]})
    for e in repaired:
        report.repaired.append({**e, "feature_id": ids.iloc[int(e["feature_id"])]})
    kept_all = np.concatenate(kept_pos) if kept_pos else np.empty(0, np.int64)
    if len(kept_all) == 0:
        raise LandcheckError(f"{src.path}: layer '{name}' has no usable polygon (all {report.n_read} features dropped: "
                             f"{report.dropped[0]['reason']} …). Check the delivery.")
    bounds = (float(bmin[0]), float(bmin[1]), float(bmax[0]), float(bmax[1]))
    settled = settle_crs(declared, crs_option, bounds, src.path, report)
    _measure_repairs(report, dict(enumerate(originals)), gpd.GeoSeries(np.array(fixed, dtype=object), crs=settled))
    code_map = None
    if "DLBM" in after or "DLMC" in after:
        code_map = _plan_codes(pairs, fixes_by_col.get(source_of.get("DLBM", "DLBM")),
                               fixes_by_col.get(source_of.get("DLMC", "DLMC")), "DLMC" in after, report)
    report.n_features = int(len(kept_all))
    kept_ids = ids.iloc[kept_all]
    dup = kept_ids[kept_ids.duplicated(keep=False)]
    if len(dup):
        report.warn(f"{dup.nunique()} feature ids occur more than once (e.g. {dup.iloc[0]})")
    raw_dtypes = {}
    for c, seen in chunk_dtypes.items():
        if len({d for d, _ in seen}) > 1:
            informative = [d for d, all_null in seen if not all_null] or [d for d, _ in seen]
            raw_dtypes[c] = pd.concat([pd.Series([], dtype=d) for d in informative]).dtype
    codes_dtype = _inferred_dtype(list({v: None for v in code_map.values()})) if code_map else None
    plan = _ChunkPlan(renames=renames, fixes=fixes_by_col, field_renames=field_renames, code_map=code_map, crs=settled,
                      raw_dtypes=raw_dtypes, codes_dtype=codes_dtype)
    return plan, bounds, np.concatenate(kept_bounds) if kept_bounds else np.empty((0, 4))


def _plan_codes(pairs: dict, code_fix: dict | None, name_fix: dict | None, has_names: bool, report: ReadReport) -> dict:
    """Normalise the land-use codes as `read_layer` does on the whole layer, from the distinct
    (code, name) pairs and their row counts (in order of first appearance, so that the report's
    counters keep `read_layer`'s order); returns (clean code, name) → normalised code."""
    keyed: dict[tuple, int] = {}
    for (c, n), k in pairs.items():
        if code_fix and isinstance(c, str):
            c = code_fix.get(c, c)
        if name_fix and isinstance(n, str):
            n = name_fix.get(n, n)
        key = _code_key(c, n)
        keyed[key] = keyed.get(key, 0) + k
    keys = list(keyed)
    counts = np.array([keyed[k] for k in keys], dtype=np.int64)
    codes = np.empty(len(keys), dtype=object)
    names = np.empty(len(keys), dtype=object)
    codes[:] = [k[0] for k in keys]
    names[:] = [k[1] for k in keys]
    reading = landuse.normalise_codes(np.repeat(codes, counts).tolist(),
                                      np.repeat(names, counts).tolist() if has_names else None)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.empty(0, np.int64)
    out = reading.codes.to_numpy(dtype=object)
    _report_code_reading(report, reading)
    return {k: out[i] for k, i in zip(keys, first)}
