"""Defaults the commands take from `./landcheck.toml` when the command line gives none (监测批次 for
`survey`, 县名称 for `ledger export --template county`).

Reads the file only when it exists; a file that cannot be read is named in a warning and ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LandcheckError
from .output import print_warnings

if TYPE_CHECKING:
    from ..config import RunConfig

LOCAL_CONFIG = Path("landcheck.toml")


def local_config() -> RunConfig | None:
    """`./landcheck.toml` as a RunConfig, or None when there is none (or it cannot be read: warned)."""
    from ..config import load_run_config

    if not LOCAL_CONFIG.exists():
        return None
    try:
        return load_run_config(LOCAL_CONFIG)
    except LandcheckError as exc:
        print_warnings([f"{LOCAL_CONFIG}: not used for defaults ({exc.message})"], err=True)
        return None


def configured(value: str, key: str) -> str:
    """`value` when given on the command line, else `key` of ./landcheck.toml (RunConfig attribute), else ''."""
    if value:
        return value
    cfg = local_config()
    return str(getattr(cfg, key, "") or "") if cfg is not None else ""
