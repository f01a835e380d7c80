"""The text bytes of a DBF (its field names and character fields, one value per line), read a bounded
sample at a time: the first, the last and evenly spread blocks of records, or the whole table as a
stream of chunks that are never held together. What the encoding detection looks at.

Reads bytes only (a file or a zip member); decides no encoding.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

#: Records in each sampled block (first, last and `SPREAD_BLOCKS` between them).
BLOCK_RECORDS = 1000
SPREAD_BLOCKS = 8
#: Bytes of records read at once when the whole table is streamed.
CHUNK_BYTES = 4 << 20


@dataclass
class DbfLayout:
    """Where a DBF's records and their character fields are."""

    n_records: int = 0
    header_len: int = 0
    record_len: int = 0
    names: list[bytes] = field(default_factory=list)
    slices: list[tuple[int, int]] = field(default_factory=list)  # character fields: byte ranges in a record

    @property
    def sample_bytes(self) -> int:
        """The most bytes of records `sample_text` reads."""
        return (SPREAD_BLOCKS + 2) * BLOCK_RECORDS * self.record_len


def layout(header: bytes) -> DbfLayout:
    """The layout of a DBF from its header (the first `header_len` bytes, or more)."""
    if len(header) < 32:
        return DbfLayout()
    out = DbfLayout(int.from_bytes(header[4:8], "little"), int.from_bytes(header[8:10], "little"),
                    int.from_bytes(header[10:12], "little"))
    offset = 1  # byte 0 of a record is the deletion flag
    for pos in range(32, min(out.header_len, len(header)) - 1, 32):
        desc = header[pos:pos + 32]
        if not desc or desc[0] == 0x0D or len(desc) < 32:
            break
        out.names.append(desc[:11].split(b"\x00")[0])
        ftype, flen = chr(desc[11]), desc[16]
        if ftype == "C":
            flen += desc[17] << 8  # some writers use the decimal byte as a length extension for C
            out.slices.append((offset, offset + flen))
        offset += flen
    return out


def records_text(body: bytes, lay: DbfLayout) -> bytes:
    """The character fields of whole records in `body`, one value per line; only values with a
    non-ASCII byte (the others cannot decide anything)."""
    n = len(body) // lay.record_len if lay.record_len else 0
    if n == 0 or not lay.slices:
        return b""
    rec = np.frombuffer(body[: n * lay.record_len], dtype=np.uint8).reshape(n, lay.record_len)
    parts = []
    for a, b in lay.slices:
        block = rec[:, a:b]
        rows = block[(block >= 0x80).any(axis=1)]
        if len(rows):
            parts.append(b"\n".join(bytes(r).rstrip(b" \x00") for r in rows))
    return b"\n".join(parts)


def whole_text(data: bytes) -> bytes:
    """The field names and character fields of a whole DBF held in memory, one value per line."""
    lay = layout(data)
    body = data[lay.header_len:lay.header_len + lay.n_records * lay.record_len]
    return b"\n".join(p for p in (b"\n".join(lay.names), records_text(body, lay)) if p)


@contextmanager
def open_dbf(ref: tuple[str, str | None]) -> Iterator[BinaryIO]:
    """A DBF (`Source.dbf`: a file, or a member of a zip) opened for reading bytes."""
    path, member = ref
    if member is None:
        with open(path, "rb") as fh:
            yield fh
        return
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        yield fh


def read_layout(fh: BinaryIO) -> DbfLayout:
    """The layout of the DBF open in `fh` (reads its header)."""
    head = fh.read(32)
    lay = layout(head)
    if lay.header_len > 32:
        lay = layout(head + fh.read(lay.header_len - 32))
    return lay


def block_starts(n_records: int) -> list[int]:
    """The first record of each sampled block: the first, the last and evenly spread ones."""
    if n_records <= (SPREAD_BLOCKS + 2) * BLOCK_RECORDS:
        return list(range(0, n_records, BLOCK_RECORDS))
    last = n_records - BLOCK_RECORDS
    return sorted({round(last * k / (SPREAD_BLOCKS + 1)) for k in range(SPREAD_BLOCKS + 2)})


def sample_text(fh: BinaryIO, lay: DbfLayout) -> bytes:
    """The field names and the character fields of a bounded sample of records (at most
    `lay.sample_bytes` of records): the first, the last and evenly spread blocks."""
    parts = [b"\n".join(lay.names)]
    for start in block_starts(lay.n_records):
        fh.seek(lay.header_len + start * lay.record_len)
        n = min(BLOCK_RECORDS, lay.n_records - start)
        parts.append(records_text(fh.read(n * lay.record_len), lay))
    return b"\n".join(p for p in parts if p)


def stream_text(fh: BinaryIO, lay: DbfLayout) -> Iterator[bytes]:
    """The character fields of every record, `CHUNK_BYTES` of records at a time (never held together)."""
    if not lay.record_len:
        return
    per_chunk = max(1, CHUNK_BYTES // lay.record_len)
    fh.seek(lay.header_len)
    left = lay.n_records
    while left > 0:
        n = min(per_chunk, left)
        body = fh.read(n * lay.record_len)
        if not body:
            return
        text = records_text(body, lay)
        if text:
            yield text
        left -= n
