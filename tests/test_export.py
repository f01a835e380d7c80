"""export: formula safety and control characters in every kind of text column (Arrow strings, plain
object text, text with a lone surrogate, mixed values), the vectorised path and the per-value one alike;
freed heap pages handed back."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from landcheck.export import formula_safe_frame, release_free_memory


def test_formula_safe_frame_quotes_formulas_and_removes_controls_in_every_column_kind():
    df = pd.DataFrame({
        "arrow": pd.array(["=SUM(A1)", "ok", None, "a\x01b"], dtype="string"),
        "text": pd.Series(["-3", "\tx", None, "@cmd"], dtype=object),
        "surrogate": pd.Series(["\ud800y", "=z", None, "+1"], dtype=object),
        "mixed": pd.Series([1, "=x", None, 2.5], dtype=object),
        "number": [1.0, 2.0, 3.0, 4.0],
    })
    out = formula_safe_frame(df)
    assert out["arrow"].tolist()[:2] == ["'=SUM(A1)", "ok"] and out["arrow"].tolist()[3] == "ab"
    assert out["text"].tolist()[:2] == ["'-3", "'\tx"] and out["text"].tolist()[3] == "'@cmd"
    assert out["surrogate"].tolist()[:2] == ["y", "'=z"] and out["surrogate"].tolist()[3] == "'+1"
    assert out["mixed"].tolist()[:2] == [1, "'=x"] and out["mixed"].tolist()[3] == 2.5
    assert out["number"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert df["text"].tolist()[0] == "-3", "the input frame is left as it was"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_release_free_memory_hands_freed_heap_pages_back():
    import numpy as np

    def rss_mb():
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024

    blocks = [np.ones(8192) for _ in range(2000)]  # 64 KB each, on the heap (below mmap's threshold): ~128 MB
    keep = blocks[-1]  # the last block pins the heap's top: freeing the others does not shrink it
    del blocks
    before = rss_mb()
    release_free_memory()
    assert before - rss_mb() > 60 and keep.sum() == 8192
