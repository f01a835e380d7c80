"""The `landcheck` command (like rasterio's `rio`): `group` holds the click group and how errors end a
command, `options` every shared option, `output` and `tables` what is printed, and one module per
command (inspect, init, run, farmland, transfer, survey, ledger, map). Commands call `pipeline` and
the library and format what they return; no check lives here.
"""

from .group import cli, main

__all__ = ["cli", "main"]
