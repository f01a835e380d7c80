"""Every option that more than one command takes, declared once (like rasterio's `rio/options.py`),
and how a command's values become a `LayerSpec` or a `pipeline.JobOptions`.

Declares options only; no command lives here. Imports nothing heavy: what an option shows in --help is
written here, and `LayerSpec`/`JobOptions` are imported when a command turns its values into them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..config import LayerSpec
    from ..pipeline.options import JobOptions
    from ..progress import Progress

#: A path argument or option, as a `pathlib.Path`.
PATH = click.Path(path_type=Path)


def _set_verbosity(ctx: click.Context, param: click.Parameter, value) -> None:
    """-v/-q given after the subcommand: they change the root's verbosity like before it."""
    if not value or ctx.resilient_parsing:
        return
    root = ctx.find_root()
    root.ensure_object(dict)
    if param.name == "quiet":
        root.obj["verbose"] = -1
        logging.getLogger().setLevel(logging.ERROR)
    elif root.obj.get("verbose", 0) >= 0:
        root.obj["verbose"] = max(root.obj.get("verbose", 0), 0) + int(value)
        logging.getLogger().setLevel(logging.DEBUG if root.obj["verbose"] > 1 else logging.INFO)


def add_verbosity_options(command: click.Command) -> None:
    """-v/--verbose and -q/--quiet on a subcommand (`landcheck run -q`), as on the group; a group's
    subcommands get them too."""
    command.params += [
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_set_verbosity,
                     help="More detail 详细信息 (repeat for debug)."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_set_verbosity,
                     help="Only errors 只显示错误."),
    ]
    for sub in getattr(command, "commands", {}).values():
        add_verbosity_options(sub)


def input_options(fn):
    """--layer/--crs/--encoding for a single-input command."""
    fn = click.option("--encoding", default=None, help="Text encoding of the layer (e.g. GBK, UTF-8); detected when omitted.")(fn)
    fn = click.option("--crs", default=None, help="CRS when the file has none and it cannot be inferred (e.g. EPSG:4527).")(fn)
    fn = click.option("--layer", default=None, help="Layer name (or index) in a multi-layer source.")(fn)
    return fn


def named_input(name: str, required: bool, help: str):
    """--NAME PATH with its companions --NAME-layer, --NAME-crs, --NAME-encoding."""

    def deco(fn):
        fn = click.option(f"--{name}-encoding", default=None, help=f"Text encoding of the {name} layer.")(fn)
        fn = click.option(f"--{name}-crs", default=None, help=f"CRS of the {name} layer when it cannot be inferred.")(fn)
        fn = click.option(f"--{name}-layer", default=None, help=f"Layer name in the {name} source.")(fn)
        fn = click.option(f"--{name}", type=PATH, required=required, help=help)(fn)
        return fn

    return deco


def layer_spec(values: dict, name: str | None = None) -> LayerSpec | None:
    """The input NAME of a command (--NAME with --NAME-layer/-crs/-encoding) or, without a name, its PATH
    argument with --layer/--crs/--encoding; taken out of `values`. None when the input was not given."""
    from ..config import LayerSpec

    path = values.pop(name or "path")
    layer, crs, encoding = (values.pop(f"{name}_{k}" if name else k) for k in ("layer", "crs", "encoding"))
    return None if path is None else LayerSpec(path=path, layer=layer, crs=crs, encoding=encoding)


def format_option(help: str | None = None):
    """--format text|json."""
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help=help)


def output_option(default: Path | None, help: str = "Output folder 输出目录."):
    """-o/--output DIR: the folder a command writes into."""
    return click.option("-o", "--output", type=PATH, default=default, show_default=default is not None, help=help)


def map_option(name: str):
    """--map [FILE.html]: also write an inspection map (default maps/NAME.html, DESIGN: maps go to maps/)."""

    def check(ctx, param, value):
        if value is not None and value.suffix.lower() not in (".html", ".htm"):
            raise click.BadParameter(f"{value}: a map is one HTML file; end the name with .html.")
        return value

    def deco(fn):
        fn = click.option("--online-assets", is_flag=True,
                          help="With --map: link Leaflet's JavaScript/CSS from the CDN instead of inlining them "
                               "(by default the map works offline).")(fn)
        return click.option("--map", "map_path", is_flag=False, flag_value=str(Path("maps") / f"{name}.html"), default=None,
                            type=PATH, callback=check, metavar="[FILE.html]",
                            help=f"Also write an inspection map 现场核查图 (default maps/{name}.html; works offline).")(fn)

    return deco


def engine_options(fn):
    """--engine/--scheduler/--work-dir/--workers: where a check runs (see `pipeline.Engine`)."""
    fn = click.option("--workers", "n_workers", type=click.IntRange(min=1), default=None,
                      help="Worker processes of the local dask cluster (default: all cores).")(fn)
    fn = click.option("--work-dir", type=PATH, default=None,
                      help="Folder for the dask engine's GeoParquet parts; with --scheduler it must be shared with "
                           "the workers at the same path (default: a temporary folder, removed afterwards).")(fn)
    fn = click.option("--scheduler", default=None, metavar="ADDRESS",
                      help="dask scheduler to run on, e.g. tcp://10.0.0.5:8786 (implies --engine dask).")(fn)
    fn = click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                      help="local: this process, threads; dask: spatial partitions on a dask cluster (same results; "
                           "memory bounded by the partition; needs pip install 'landcheck[dask]').")(fn)
    return fn


def unknown_codes_option(fn):
    """--unknown-codes warn|error: what a survey layer's land-use codes and names of no class do."""
    return click.option("--unknown-codes", type=click.Choice(["warn", "error"]), default="warn", show_default=True,
                        help="Land-use codes or names (DLBM/DLMC) of a survey layer that map to no class: warn lists "
                             "them and reads them as other land (to verify); error stops with exit 2 naming them.")(fn)


def allow_partial_option(fn):
    """--allow-partial: the inputs are meant to cover a part of each other."""
    return click.option("--allow-partial", is_flag=True,
                        help="Check a part on purpose 允许部分覆盖: farmland or a baseline that lies mostly off the survey is "
                             "checked (with a warning) instead of refused, and tasks not found again may be marked "
                             "待复核（已消失）.")(fn)


def allow_drops_option(fn):
    """--allow-drops: check what is left of a layer that lost features in reading."""
    return click.option("--allow-drops", is_flag=True,
                        help="Check what is left 允许丢弃要素 of a layer that lost more than 0.1 % of its features in reading "
                             "(max_dropped_share; by default such a check stops with exit 2).")(fn)


def job_options(name: str, threads: bool = True, engine: bool = True):
    """The options of a check's job: --rules, --township, --threads, --ledger, --prefix, -o/--output
    (default out/NAME), --map (default maps/NAME.html), --unknown-codes, --allow-partial, --allow-drops and the engine options."""

    def deco(fn):
        fn = allow_drops_option(fn)
        fn = allow_partial_option(fn)
        fn = unknown_codes_option(fn)
        if engine:
            fn = engine_options(fn)
        fn = map_option(name)(fn)
        fn = output_option(Path("out") / name)(fn)
        fn = click.option("--prefix", default=None,
                          help="Issue-id prefix 编号前缀 of new tasks (default: the ledger's, else --township, else the township code of the "
                               "findings, else LC).")(fn)
        fn = click.option("--ledger", type=PATH, default=None,
                          help="Ledger 整改台账 GeoPackage to merge the findings into (e.g. out/ledger.gpkg).")(fn)
        if threads:
            fn = click.option("--threads", type=click.IntRange(min=1), default=None,
                              help="Threads for the overlay (default: all cores).")(fn)
        fn = click.option("--township", default="", help="Township 乡镇 name written into the findings and the ledger.")(fn)
        fn = click.option("--rules", type=PATH, default=None,
                          help="Rules 核查规则: TOML overriding the packaged rules, thresholds and tolerances (unknown keys are errors).")(fn)
        return fn

    return deco


def job_options_from(values: dict, progress: Progress) -> JobOptions:
    """The `JobOptions` of a command's `job_options` values (taken out of `values`)."""
    from ..engine import EngineOptions
    from ..pipeline.options import JobOptions

    engine = EngineOptions()
    if "engine" in values:
        name, scheduler = values.pop("engine"), values.pop("scheduler")
        engine = EngineOptions(name="dask" if scheduler else name, scheduler=scheduler, work_dir=values.pop("work_dir"),
                               n_workers=values.pop("n_workers"))
    return JobOptions(output_dir=values.pop("output"), township=values.pop("township"), rules_path=values.pop("rules"),
                      ledger_path=values.pop("ledger"), prefix=values.pop("prefix"), map_path=values.pop("map_path"),
                      map_online_assets=values.pop("online_assets", False),
                      threads=values.pop("threads", None), engine=engine, progress=progress,
                      unknown_codes=values.pop("unknown_codes", "warn"), allow_partial=values.pop("allow_partial", False),
                      allow_drops=values.pop("allow_drops", False))
