"""The raw features of a chosen layer, `chunk_size` at a time, read as `raw.read_raw` reads the whole
layer: one sequential pyogrio Arrow stream (or feature ranges), GeoParquet by record batches, and
the same fall-back to reading text byte for byte when it is not in the encoding found.

Reads only: the whole-layer decisions are taken by scan.py and applied by chunks.py.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from ..compat import arrow_to_geopandas, parse_ogr_datetime
from ..errors import LandcheckError
from .encoding import decode_latin1_frame, detect_latin1_encoding, is_named, is_text
from .raw import (cannot_read, cannot_read_parquet, gdal_notes, latin1, layer_info, note_parquet, not_in_encoding,
                  read_ogr, read_options)
from .report import ReadReport
from .sources import Source


class Latin1Needed(Exception):
    """A chunk's text is not valid in the encoding: the whole layer is read byte for byte (as the
    whole-layer read does) and decoded afterwards."""


class RawChunks:
    """The raw features of one layer, `chunk_size` at a time. Opening fills the report's driver and
    encoding; `info_notes` is what GDAL said on opening."""

    def __init__(self, src: Source, name: str, encoding: str | None, report: ReadReport, chunk_size: int):
        self.src, self.name, self.chunk_size = src, name, max(1, int(chunk_size))
        self.latin1: tuple[str, str] | None = None  # (encoding, how) once text must be decoded from bytes
        self.detect = False  # latin-1 mode with the encoding still to be detected from the whole text
        self.info_notes: list[str] = []
        if src.kind == "parquet":
            note_parquet(report)
            return
        self.kwargs, self.enc, self.how = read_options(src, name, encoding)
        report.encoding, report.encoding_source = self.enc, self.how
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always")
            try:
                info = layer_info(src, name)
            except Exception as exc:
                raise cannot_read(src, name, exc) from None
        report.driver = info.get("driver")
        self.info_notes = gdal_notes(notes)

    def go_latin1(self) -> None:
        """Read every chunk as ISO-8859-1 from now on, like `read_raw` after a UnicodeDecodeError."""
        if is_named(self.how):
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
            except (Latin1Needed, LandcheckError):
                raise
            except Exception:
                first = None  # the stream cannot be opened: read by feature ranges as `read_ogr` would
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
                            df = read_ogr(self.src.gdal_path, kwargs)
                        except UnicodeDecodeError:
                            raise Latin1Needed() from None
                    else:
                        df = read_ogr(self.src.gdal_path, latin1(kwargs))
                        if self.latin1 is not None:
                            scratch = ReadReport(path=str(self.src.path))
                            try:
                                df = decode_latin1_frame(df, self.latin1[0], self.latin1[1], scratch)
                            except UnicodeDecodeError as exc:
                                raise not_in_encoding(self.src, self.name, self.latin1[0], exc) from None
                            decode_notes = scratch.warnings
                except (LandcheckError, Latin1Needed):
                    raise
                except Exception as exc:
                    raise cannot_read(self.src, self.name, exc) from None
            n = len(df)
            if n == 0 and start > 0:
                return
            df.index = pd.RangeIndex(start, start + n)
            yield start, df, gdal_notes(notes), decode_notes
            if n < self.chunk_size:
                return
            start += n

    def _stream(self):
        """Chunks of one sequential pyogrio Arrow stream (each feature range re-opened and skipped to
        costs up to 5 times as much on a GeoPackage), converted as `pyogrio.read_dataframe` converts
        its Arrow table."""
        import pyarrow as pa

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
                            if is_text(df[col]):
                                df[col].tolist()
                    except UnicodeDecodeError:
                        raise Latin1Needed() from None
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
                gdal = gdal_notes([*notes, *more])
                notes = []
                yield start, df, gdal, []
                start += n
        finally:
            source.__exit__(None, None, None)

    def _parquet(self):
        import pyarrow as pa
        import pyarrow.parquet as pq

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
            raise cannot_read_parquet(self.src, exc) from None

    def detect_encoding(self, report: ReadReport) -> None:
        """Latin-1 mode without a named encoding: detect it from all the text of the layer, as
        `decode_latin1_frame` does on the whole layer (each field's distinct values in order of
        first appearance, then the field names)."""
        samples: dict[str, dict[str, None]] = {}
        names: list = []
        for _, df, _, _ in self:
            geom = df.geometry.name
            if not names:
                names = [c for c in df.columns if c != geom]
            for c in df.columns:
                if c == geom or not is_text(df[c]):
                    continue
                bucket = samples.setdefault(c, {})
                for v in df[c].dropna().unique():
                    if isinstance(v, str):
                        bucket.setdefault(v, None)
        values = [v for c in names for v in samples.get(c, {})]
        self.latin1 = (detect_latin1_encoding(values, names), "detected")
        self.detect = False
        report.encoding, report.encoding_source = self.latin1
