"""TOML files read for the configuration: the packaged ones under landcheck/data and a person's own.

Reading only; what the tables mean is for the modules beside this one.
"""

from __future__ import annotations

import sys
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: The error a TOML text that does not parse raises.
TOMLDecodeError = tomllib.TOMLDecodeError


def packaged_toml(name: str) -> dict:
    """A TOML file of the package's data (landcheck/data/NAME)."""
    return tomllib.loads(resources.files("landcheck.data").joinpath(name).read_text(encoding="utf-8"))


def parse_toml(text: str) -> dict:
    """A TOML text as a dict (TOMLDecodeError when it is not TOML)."""
    return tomllib.loads(text)
