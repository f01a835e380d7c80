"""layers.encoding.suspicious_values: the vectorised (Arrow) way finds the same values, in the same
order, as the per-value regex on an object column."""

from __future__ import annotations

import pandas as pd
import pytest

from landcheck.layers.encoding import suspicious_values

VALUES = ["水田", "Ã¦Â°Â´Ã§\x94Â°", None, "café", "水田", "plain", "", "¿", "Ã¦Â°Â´Ã§\x94Â°", "ÿ", "Ā", "\x7f",
          "村Â"]


@pytest.mark.parametrize("dtype", ["string[pyarrow]", pd.StringDtype("pyarrow", na_value=float("nan")), "string[python]"])
def test_suspicious_values_same_as_object_column(dtype):
    expected = suspicious_values(pd.Series(VALUES, dtype=object))
    assert expected == ["Ã¦Â°Â´Ã§\x94Â°", "café", "¿", "ÿ", "村Â"]  # distinct, first-seen order, U+0080..U+00FF only
    assert suspicious_values(pd.Series(VALUES, dtype=dtype)) == expected


def test_suspicious_values_none_and_empty():
    assert suspicious_values(pd.Series(["水田", None, "a"], dtype="string[pyarrow]")) == []
    assert suspicious_values(pd.Series([], dtype="string[pyarrow]")) == []
