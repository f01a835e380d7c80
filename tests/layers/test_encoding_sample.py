"""The encoding of a Shapefile without .cpg detected from a bounded sample of its DBF (first, last and
spread records) and confirmed on the whole table as a stream, never held whole (issue 15 item 8)."""

from __future__ import annotations

import io

import pytest

from landcheck.layers import dbf_text, read_layer
from landcheck.layers.encoding import detect_dbf_encoding


class CountingFile(io.FileIO):
    """A file that counts the bytes each read returns."""

    reads: list[int] = []

    def read(self, size=-1):
        data = super().read(size)
        CountingFile.reads.append(len(data))
        return data


@pytest.fixture
def counted(monkeypatch):
    CountingFile.reads = []
    real_open = open

    def fake_open(path, mode="r", *a, **k):
        return CountingFile(path, "r") if mode == "rb" and str(path).endswith(".dbf") else real_open(path, mode, *a, **k)

    monkeypatch.setattr(dbf_text, "open", fake_open, raising=False)
    monkeypatch.setattr(dbf_text, "BLOCK_RECORDS", 50)
    monkeypatch.setattr(dbf_text, "SPREAD_BLOCKS", 4)
    monkeypatch.setattr(dbf_text, "CHUNK_BYTES", 64 << 10)
    return CountingFile


def big_layer(patches, n: int, names: list[str]):
    """`n` patches, all ASCII (DLMC codes in Latin letters) except the villages in `names` (by position)."""
    gdf = patches(n, DLBM=["0101"] * n, DLMC=["shuitian"] * n, ZLDWMC=names, BSM=[str(i + 1) for i in range(n)],
                  width=1, height=10, gap=0.1)  # a row of 22 km: inside the zone
    return gdf


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
@pytest.mark.parametrize("where", ["first", "last", "middle"])
def test_detection_reads_a_bounded_sample_and_confirms_by_chunks(patches, write, tmp_path, counted, encoding, where):
    n = 20_000
    names = ["village"] * n
    at = {"first": [0], "last": [n - 3, n - 1], "middle": [12_345]}[where]  # non-ASCII only there
    for i in at:
        names[i] = "白杨村"
    path = write(big_layer(patches, n, names), tmp_path, "shp", encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = (str(path.with_suffix(".dbf")), None)
    with dbf_text.open_dbf(dbf) as fh:
        lay = dbf_text.read_layout(fh)
    size = path.with_suffix(".dbf").stat().st_size
    counted.reads = []
    assert detect_dbf_encoding(dbf) == encoding
    # the whole table is confirmed, but never held: no read is larger than a stream chunk
    assert max(counted.reads) <= max(dbf_text.CHUNK_BYTES, lay.header_len)
    if where != "middle":  # first and last records are always in the sample: found without a second pass
        assert sum(counted.reads) <= lay.header_len + lay.sample_bytes + size
    counted.reads = []
    with dbf_text.open_dbf(dbf) as fh:
        dbf_text.sample_text(fh, dbf_text.read_layout(fh))
    assert sum(counted.reads) <= lay.header_len + lay.sample_bytes < size / 3  # the sample itself is bounded
    df, r = read_layer(path)
    assert r.encoding == encoding and r.encoding_source == "detected" and df["ZLDWMC"].iloc[at[0]] == "白杨村"


def test_text_in_no_single_encoding_falls_back_to_bytes(patches, write, tmp_path, counted):
    n = 2_000
    names = ["village"] * n
    names[0] = "白杨村"
    path = write(big_layer(patches, n, names), tmp_path, "shp", encoding="UTF-8")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    tail = "东村".encode("gbk")  # the last record's village in GBK: not UTF-8 any more
    pos = data.rindex(b"village")
    data[pos:pos + len(tail)] = tail
    dbf.write_bytes(bytes(data))
    assert detect_dbf_encoding((str(dbf), None)) in ("ISO-8859-1", "GBK", "GB18030")
