"""The raw features of a chosen layer, as the file holds them: pyogrio + Arrow with the encoding
found for the source (or GeoParquet through geopandas), text that is not in that encoding read byte
for byte and decoded here, and what GDAL said on the way. Also the pieces the chunked reader shares.

Reads only: no cleaning, no field mapping, no CRS decision.
"""

from __future__ import annotations

import codecs
import warnings

import geopandas as gpd
import pyogrio

from ..errors import LandcheckError
from .encoding import decode_latin1_frame, detect_shapefile_encoding, is_named, is_text
from .report import ReadReport
from .sources import Source, first_line


def read_options(src: Source, layer: str, encoding: str | None) -> tuple[dict, str, str]:
    """(pyogrio keyword arguments, encoding, how it was found) for reading `layer` of an OGR source
    with the `--encoding` option (None: the .cpg, DBF language byte or detection; UTF-8 elsewhere)."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise LandcheckError(f"{src.path}: unknown text encoding '{encoding}'. Use e.g. --encoding GBK or UTF-8.") from None
    kwargs = dict(layer=layer, use_arrow=True, **src.open_options)
    if src.dbf is not None:
        enc, how = (encoding, "option") if encoding else detect_shapefile_encoding(src)
        kwargs["encoding"] = enc
    else:
        enc, how = (encoding, "option") if encoding else ("UTF-8", "format")
        if encoding:
            kwargs["encoding"] = encoding
            kwargs["use_arrow"] = False  # pyogrio reads other encodings than UTF-8 without Arrow only
    return kwargs, enc, how


def latin1(kwargs: dict) -> dict:
    """The read options that give every text byte as it is (one ISO-8859-1 character a byte)."""
    return {**kwargs, "encoding": "ISO-8859-1", "use_arrow": False}


def layer_info(src: Source, layer: str) -> dict:
    """pyogrio's information on a layer; field names that are not in the declared encoding are
    read byte for byte."""
    try:
        return pyogrio.read_info(src.gdal_path, layer=layer, **src.open_options)
    except UnicodeDecodeError:
        return pyogrio.read_info(src.gdal_path, layer=layer, encoding="ISO-8859-1", **src.open_options)


def gdal_notes(caught: list) -> list[str]:
    """What GDAL said (its RuntimeWarnings among the caught warnings), as text."""
    return [str(w.message).strip() for w in caught if issubclass(w.category, RuntimeWarning)]


def note_parquet(report: ReadReport) -> None:
    """GeoParquet's driver and text encoding (UTF-8 by the format) in the report."""
    report.driver = "GeoParquet"
    report.encoding, report.encoding_source = "UTF-8", "format"


def not_in_encoding(src: Source, layer: str, encoding: str | None, exc: UnicodeDecodeError) -> LandcheckError:
    return LandcheckError(f"{src.path}: the text of layer '{layer}' is not {encoding} ({exc.reason}). "
                          f"Name its encoding with --encoding (e.g. GBK, GB18030 or UTF-8).")


def cannot_read(src: Source, layer: str, exc: Exception) -> LandcheckError:
    return LandcheckError(f"{src.path}: cannot read layer '{layer}' ({first_line(exc)}).")


def cannot_read_parquet(src: Source, exc: Exception) -> LandcheckError:
    return LandcheckError(f"{src.path}: cannot be read as GeoParquet ({first_line(exc)}).")


def empty_layer(src: Source, layer: str) -> LandcheckError:
    return LandcheckError(f"{src.path}: layer '{layer}' is empty (0 features). Check that the right file and layer were delivered.")


def read_raw(src: Source, name: str, encoding: str | None, report: ReadReport) -> gpd.GeoDataFrame:
    """Read one layer with pyogrio + Arrow (or pyarrow for GeoParquet), with the right encoding."""
    if src.kind == "parquet":
        try:
            df = gpd.read_parquet(src.path)
        except Exception as exc:
            raise cannot_read_parquet(src, exc) from None
        note_parquet(report)
        return df
    read_kwargs, enc, how = read_options(src, name, encoding)
    report.encoding, report.encoding_source = enc, how
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report.driver = layer_info(src, name).get("driver")
            try:
                df = read_ogr(src.gdal_path, read_kwargs)
            except UnicodeDecodeError:
                # Text that is not in `enc` (a wrong .cpg or --encoding, GBK inside a GeoJSON), or a field
                # name cut inside a character at the DBF's 10-byte limit: read every byte as it is and
                # decode here (with the encoding the user or the file named, else detected from the bytes).
                raw = read_ogr(src.gdal_path, latin1(read_kwargs))
                df = decode_latin1_frame(raw, enc if is_named(how) else None, how, report)
        # what GDAL said while reading (a duplicate field skipped, M values dropped …) goes into the report
        for note in dict.fromkeys(gdal_notes(caught)):
            report.warn(f"GDAL: {note}")
    except LandcheckError:
        raise
    except UnicodeDecodeError as exc:
        raise not_in_encoding(src, name, report.encoding, exc) from None
    except Exception as exc:
        raise cannot_read(src, name, exc) from None
    return df


def read_ogr(path: str, kwargs: dict) -> gpd.GeoDataFrame:
    """pyogrio read, with Arrow when it can; text that is not valid in the encoding raises
    UnicodeDecodeError here (Arrow decodes lazily: the error would otherwise surface much later)."""
    if kwargs.get("use_arrow"):
        try:
            df = pyogrio.read_dataframe(path, **kwargs)
            for col in df.columns:
                if col != df.geometry.name and is_text(df[col]):
                    df[col].tolist()
            return df
        except UnicodeDecodeError:
            raise
        except Exception:
            pass
    return pyogrio.read_dataframe(path, **{**kwargs, "use_arrow": False})
