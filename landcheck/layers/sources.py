"""Where a delivered layer lies: a user's path (Shapefile, zip, File Geodatabase folder, GML,
GeoParquet …) resolved to what GDAL or pyarrow opens, its layers listed and the one to read chosen.

Opens sources only to list them; reading the features is `raw.py`'s job.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio

from ..config import vocabulary
from ..errors import LandcheckError
from .report import ReadReport

#: Layer-name hints per kind of layer (upper-cased substrings).
LAYER_HINTS: dict[str, tuple[str, ...]] = {
    "survey": ("DLTB", "地类图斑", "BGDLTB"),
    "farmland": ("YJJBNTBHTB", "YJJBNTTB", "JBNTBHTB", "YJJBNT", "永久基本农田", "基本农田"),
    "transfer": ("流转", "LZDK", "TDLZ", "TRANSFER"),
    "facility": ("设施农用地", "SSNYD", "FACILITY"),
}

_DATASET_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".gml", ".xml", ".fgb", ".parquet", ".geoparquet", ".sqlite")


@dataclass
class Source:
    """A delivered source as GDAL (kind "ogr") or pyarrow (kind "parquet") opens it."""

    path: Path  # the file the user named
    gdal_path: str  # what pyogrio opens (may be /vsizip/...)
    kind: str  # "ogr" or "parquet"
    open_options: dict = field(default_factory=dict)
    dbf: tuple[str, str | None] | None = None  # (file or zip, member) of a shapefile's DBF
    cpg: tuple[str, str | None] | None = None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (GDAL's can run over many), for an error message."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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


def read_member(ref: tuple[str, str | None], limit: int | None = None) -> bytes:
    """The bytes of a sidecar file (`Source.dbf`, `Source.cpg`): a file, or a member of a zip."""
    path, member = ref
    if member is None:
        with open(path, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        return fh.read() if limit is None else fh.read(limit)


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
        raise LandcheckError(f"{src.path}: cannot be opened as a GIS layer ({first_line(exc)}). Check the file is complete and a supported format.") from None


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
    label = vocabulary().label
    what = {"survey": f"{label('layers_survey')} (DLTB) layer", "farmland": f"{label('farmland')} layer",
            "transfer": f"{label('transfer_parcels')} layer"}.get(kind, "one to read")
    raise LandcheckError(
        f"{src.path}: has {len(spatial)} layers and none is clearly the {what}: {', '.join(spatial)}. "
        f"Choose one with --layer NAME."
    )


def open_layer(path: str | Path, kind: str, layer: str | int | None) -> tuple[Source, ReadReport]:
    """The source of `path` and a new report naming its layers and the one chosen (`report.layer`)."""
    src = resolve_source(path)
    report = ReadReport(path=str(src.path))
    layers = list_layers(src)
    report.layers = [n for n, _ in layers]
    report.layer = choose_layer(src, layers, kind, layer)
    return src, report
