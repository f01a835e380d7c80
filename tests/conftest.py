"""Fixtures: the builders of tests/helpers.py handed to test modules (`patches`, `write`, `set_ldid`,
`real_file`, `layer_format`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FORMATS, REAL, make_patches, set_dbf_language_byte, write_layer


# Fixtures hand the builders to test modules (no `import conftest` needed).
@pytest.fixture
def patches():
    """`make_patches`: build survey patches."""
    return make_patches


@pytest.fixture
def write():
    """`write_layer`: write a GeoDataFrame in one of `FORMATS`."""
    return write_layer


@pytest.fixture
def set_ldid():
    """`set_dbf_language_byte`: patch a .dbf's language driver byte."""
    return set_dbf_language_byte


@pytest.fixture
def real_file():
    """`real_file("china-lakes-ngcc-hyd1_4p/hyd1_4p.shp")` → the path under ../shared/data/real, or a
    clean skip when it is absent."""
    def get(rel: str) -> Path:
        path = REAL / rel
        if not path.exists():
            pytest.skip(f"real data absent: {path}")
        return path
    return get


@pytest.fixture(params=FORMATS)
def layer_format(request):
    """Parametrises a test over every format in `FORMATS`."""
    return request.param
