"""The `landcheck` command (like rasterio's `rio`): `group` holds the click group and how errors end a
command, `options` every shared option, `output` and `tables` what is printed, and one module per
command (inspect, init, run, farmland, transfer, survey, ledger, map). Commands call `pipeline` and
the library and format what they return; no check lives here. Commands import the library (and rich)
inside their functions, so that `landcheck --help` loads neither pandas nor geopandas
(tests/cli/test_group.py).
"""

from .group import cli, main

__all__ = ["cli", "main"]
