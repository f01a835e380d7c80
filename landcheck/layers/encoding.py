"""Text encodings of delivered layers: a Shapefile's .cpg and DBF language byte, detection of UTF-8 /
GBK / GB18030 from the bytes, decoding text read byte for byte (as ISO-8859-1), and the repair of
mojibake (GBK read as Latin-1: 水田 → 'Ë®Ìï') in a frame's field names and text.

Decides how text reads, nothing else: no geometry, no field names' meaning.
"""

from __future__ import annotations

import re
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import LandcheckError
from ..text import text_mask
from .dbf_text import BLOCK_RECORDS, open_dbf, read_layout, sample_text, stream_text
from .report import ReadReport
from .sources import Source, read_member

# DBF language-driver byte → encoding (only the unambiguous ones; 0x57 "ANSI" means the writer's
# system code page, so it is detected like 0).
_LDID = {0x01: "CP437", 0x02: "CP850", 0x03: "CP1252", 0x4D: "GBK", 0x7A: "GBK", 0x4E: "CP949", 0x4F: "CP950",
         0x13: "CP932", 0x7B: "CP932", 0x78: "CP950", 0x79: "CP949", 0x64: "CP852", 0xC8: "CP1250", 0xC9: "CP1251"}

_CPG = {"UTF-8": "UTF-8", "UTF8": "UTF-8", "65001": "UTF-8", "936": "GBK", "CP936": "GBK", "GBK": "GBK",
        "ANSI 936": "GBK", "GB2312": "GBK", "GB18030": "GB18030", "54936": "GB18030", "950": "CP950", "BIG5": "CP950",
        "ANSI 1252": "CP1252", "1252": "CP1252", "ISO-8859-1": "ISO-8859-1", "88591": "ISO-8859-1", "8859_1": "ISO-8859-1",
        "ISO 88591": "ISO-8859-1", "LATIN1": "ISO-8859-1"}

_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_BY_LATIN = re.compile(r"(?<=[A-Za-z])[\u3400-\u9fff]|[\u3400-\u9fff](?=[A-Za-z])")
_HIGH_LATIN = re.compile(r"[\u0080-\u00ff]")  # a Latin-1 letter: text that may be mojibake


def _gbk_plausible(data: bytes) -> bool:
    """True when GBK-decodable bytes look like Chinese text rather than Latin text that happens to
    decode: in Chinese text nearly every double-byte character has a trail byte ≥ 0xA1 (GB2312
    range), while a Latin letter such as 'ä' is usually followed by an ASCII letter; and the few
    accented pairs that do decode give 'characters' glued to Latin letters."""
    try:
        text = data.decode("gbk")
    except UnicodeDecodeError:
        return False
    wide = "".join(re.findall(r"[^\x00-\x7f]+", text)).encode("gbk")
    if not wide:
        return True
    arr = np.frombuffer(wide, dtype=np.uint8)
    if len(arr) % 2:
        return False
    trail = arr[1::2]
    cjk = len(_CJK.findall(text))
    # Latin words whose accented letters come in pairs decode too ('Ocupação' → 'Ocupa玢o',
    # 'Größe' → 'Gr鲞e'): there the 'characters' stick to Latin letters, which Chinese text rarely does
    glued = len(_CJK_BY_LATIN.findall(text))
    return (trail >= 0xA1).mean() >= 0.9 and cjk >= 0.5 * (len(arr) // 2) and glued <= 0.5 * cjk


def _utf8_line(line: bytes) -> bool:
    """Strict UTF-8, except that a field name (≤ 10 bytes) may end inside a character: the DBF cut it."""
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return len(line) <= 10 and exc.reason == "unexpected end of data"


def detect_bytes_encoding(data: bytes) -> str:
    """UTF-8 when the bytes (one value per line) decode strictly as UTF-8; GBK (or GB18030) when they
    decode as such and look like Chinese; otherwise ISO-8859-1 (GDAL's default for DBF)."""
    if not re.search(rb"[\x80-\xff]", data):
        return "UTF-8"
    if all(_utf8_line(line) for line in data.split(b"\n")):
        return "UTF-8"
    if _gbk_plausible(data):
        return "GBK"
    try:
        if _gbk_plausible(data.decode("gb18030").encode("gbk", "ignore")):
            return "GB18030"
    except UnicodeDecodeError:
        pass
    return "ISO-8859-1"


def unmojibake(text: str) -> str | None:
    """If `text` is GBK or UTF-8 bytes mis-read as Latin-1 (水田 → 'Ë®Ìï'), the repaired text; else None.
    Latin text with accents ('Mähweide') is left alone."""
    if not isinstance(text, str) or not _HIGH_LATIN.search(text) or any(ord(c) > 0xFF for c in text):
        return None
    raw = text.encode("latin-1")
    try:
        fixed = raw.decode("utf-8")
        if _CJK.search(fixed):
            return fixed
    except UnicodeDecodeError:
        pass
    if _gbk_plausible(raw):
        return raw.decode("gbk")
    return None


def refuse_contradicted_cpg(src: Source, enc: str, said: str) -> None:
    """LandcheckError when the DBF's text bytes contradict its .cpg: UTF-8 text under a .cpg that says
    GBK (it would read as 鐧藉潑鏉…), or GBK text under one that says UTF-8. Looks at a bounded sample
    of the DBF's records: the first, the last and evenly spread blocks (`dbf_text.sample_text`)."""
    with open_dbf(src.dbf) as fh:
        sample = sample_text(fh, read_layout(fh))
    if not re.search(rb"[\x80-\xff]", sample):
        return
    found = detect_bytes_encoding(sample)
    chinese = enc in ("GBK", "GB18030", "CP950")
    if (chinese and found == "UTF-8") or (enc == "UTF-8" and found in ("GBK", "GB18030")):
        raise LandcheckError(f"{src.path}: its .cpg says {said} but the text is {found}: read as {enc} it would be garbled. "
                             f"Give the encoding {found} (the layer's --…-encoding option, e.g. --survey-encoding {found}, or "
                              f"`encoding = \"{found}\"` in landcheck.toml) and correct the .cpg.")


def detect_shapefile_encoding(src: Source) -> tuple[str, str]:
    """(encoding, how it was found) of a shapefile's DBF text: .cpg, language byte, or detection from a
    bounded sample of records confirmed on the whole table read as a stream (`detect_dbf_encoding`)."""
    if src.cpg is not None:
        raw = read_member(src.cpg).decode("ascii", "ignore").strip().upper()
        enc = _CPG.get(raw) or _CPG.get(raw.replace("ANSI ", ""))
        if enc:
            if src.dbf is not None:
                refuse_contradicted_cpg(src, enc, raw)
            return enc, "cpg"
    if src.dbf is None:
        return "UTF-8", "default"
    header = read_member(src.dbf, 32)
    ldid = header[29] if len(header) > 29 else 0
    if ldid in _LDID:
        return _LDID[ldid], "dbf_language_byte"
    return detect_dbf_encoding(src.dbf), "detected"


def _decodes(text: bytes, enc: str) -> bool:
    try:
        text.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def detect_dbf_encoding(dbf: tuple[str, str | None], tries: int = 3) -> str:
    """The encoding of a DBF's text, detected from a bounded sample of its records (the first, the last
    and evenly spread blocks: `dbf_text.sample_text`) and confirmed on every record read as a stream
    a chunk at a time (memory bounded by the chunk, not the table). A chunk that does not decode adds
    its own text to the evidence and the confirmation starts again (at most `tries` times; then
    ISO-8859-1, every byte as it is)."""
    with open_dbf(dbf) as fh:
        lay = read_layout(fh)
        evidence = sample_text(fh, lay)
        for _ in range(tries):
            enc = detect_bytes_encoding(evidence)
            if enc == "ISO-8859-1":
                return enc
            bad = next((chunk for chunk in stream_text(fh, lay) if not _decodes(chunk, enc)), None)
            if bad is None:
                return enc
            cut = BLOCK_RECORDS * lay.record_len  # whole lines of the chunk, as many as a sampled block
            evidence += b"\n" + (bad if len(bad) <= cut else bad[:max(bad.rfind(b"\n", 0, cut), 0)])
    return "ISO-8859-1"


def is_named(how: str) -> bool:
    """Whether an encoding found `how` was named (by the user, a .cpg or the DBF) rather than guessed."""
    return how in ("option", "cpg", "dbf_language_byte")


def is_text(s: pd.Series) -> bool:
    """Whether a column holds text (object or string dtype)."""
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def detect_latin1_encoding(values: Iterable[str], names: Iterable) -> str:
    """The encoding of text read byte for byte as ISO-8859-1: detected from the values (one per line)
    and the field names."""
    sample = [v.encode("latin-1") for v in values]
    sample += [str(c).encode("latin-1") for c in names]
    return detect_bytes_encoding(b"\n".join(sample))


def decode_latin1_frame(df: pd.DataFrame, enc: str | None, how: str, report: ReadReport) -> pd.DataFrame:
    """`df` was read as ISO-8859-1, so each text character is one byte of the file: decode the bytes
    as `enc`, or as the encoding detected from them when `enc` is None. A field name whose last
    character was cut by the DBF's 10-byte limit loses that partial character (and is reported)."""
    geom = df.geometry.name
    text_cols = [c for c in df.columns if c != geom and is_text(df[c])]
    if enc is None:
        values = [v for c in text_cols for v in df[c].dropna().unique() if isinstance(v, str)]
        enc, how = detect_latin1_encoding(values, [c for c in df.columns if c != geom]), "detected"
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


def field_name_repairs(columns: Iterable) -> dict:
    """Field name → its repair, for the names that are mojibake."""
    return {c: unmojibake(c) for c in columns if isinstance(c, str) and unmojibake(c)}


def suspicious_values(s: pd.Series) -> list[str]:
    """The distinct text values of a column that could be mojibake (Latin-1 letters), in order."""
    values = pd.Series(s.dropna().unique(), dtype=s.dtype if isinstance(s.dtype, pd.StringDtype) else object)
    return values[text_mask(values, "[\x80-\xff]", _HIGH_LATIN.search).to_numpy(dtype=bool)].tolist()


def mojibake_fixes(values: Iterable[str]) -> dict[str, str]:
    """Suspicious value → repaired value, when at least half of a field's suspicious values are
    mojibake (then the field is repaired); else {} (accented Latin text is left alone)."""
    values = list(values)
    fixes = {v: unmojibake(v) for v in values}
    fixes = {k: v for k, v in fixes.items() if v}
    return fixes if len(fixes) >= max(1, 0.5 * len(values)) else {}


def apply_fixes(s: pd.Series, fixes: dict) -> pd.Series:
    """The column with each text value found in `fixes` replaced."""
    return s.map(lambda v: fixes.get(v, v) if isinstance(v, str) else v)


def repair_mojibake(df: pd.DataFrame, report: ReadReport) -> pd.DataFrame:
    """Repair column names and text columns that came back as mojibake; count repairs per field."""
    renames = field_name_repairs(df.columns)
    if renames:
        df = df.rename(columns=renames)
        report.mojibake_repaired["<field names>"] = len(renames)
    geometry_name = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    for col in df.columns:
        if col == geometry_name or not is_text(df[col]):
            continue
        s = df[col]
        fixes = mojibake_fixes(suspicious_values(s))
        if fixes:
            df[col] = apply_fixes(s, fixes)
            report.mojibake_repaired[col] = int(s.isin(list(fixes)).sum())
    return df
