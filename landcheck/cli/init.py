"""`landcheck init`: write a commented landcheck.toml template for the officer's own layers."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import LandcheckError
from .options import PATH


@click.command()
@click.argument("path", type=PATH, default=Path("landcheck.toml"))
@click.option("--force", is_flag=True, help="Overwrite an existing file 覆盖已有文件.")
def init(path: Path, force: bool) -> None:
    """Configuration template 配置模板: write a commented landcheck.toml for your own layers."""
    from ..config import CONFIG_TEMPLATE
    from ..export import atomic_path

    if path.exists() and not force:
        raise LandcheckError(f"{path}: already exists. Edit it, or use --force to overwrite it with the template.")
    with atomic_path(path) as tmp:
        tmp.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    click.echo(f"wrote {path}: set the layer paths, then run `landcheck run {path}`")
