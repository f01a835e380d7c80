"""The `landcheck` command: a thin click layer (like rasterio's `rio`). Exit status: 0 nothing
found, 1 findings or QA problems, 2 bad input or usage."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path

import click
from rich.table import Table

from . import __version__
from .cli_common import (console, engine_of, engine_options, input_options, layer_spec, map_option, named_input,
                         progress_steps)
from .config import CONFIG_TEMPLATE, load_run_config, sample_config, vocabulary
from .errors import LandcheckError
from .layers import describe_layer, read_layer

log = logging.getLogger("landcheck")


class LandcheckGroup(click.Group):
    """A click group that turns landcheck's own errors into one line and exit status 2, and any
    unexpected error into one line too (the traceback only with -v)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LandcheckError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: say so in one line, not a traceback
            if (ctx.obj or {}).get("verbose", 0) > 0:
                traceback.print_exc()
            click.echo(f"Error: internal error {type(exc).__name__}: {exc} (run with -v for details and report it).", err=True)
            ctx.exit(2)


@click.group(cls=LandcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="landcheck")
@click.option("-v", "--verbose", count=True, help="More detail (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """landcheck — 耕地保护核查: permanent basic farmland, land transfer, survey layers, ledgers, maps."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = -1 if quiet else verbose
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)


# ------------------------------------------------------------------------------------------
# inspect
# ------------------------------------------------------------------------------------------
@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@input_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def inspect(ctx: click.Context, path: Path, layer, crs, encoding, fmt: str) -> None:
    """What landcheck sees in a layer file: layers, CRS, encoding, fields, codes, area (mu)."""
    from .layers import list_layers, resolve_source

    src = resolve_source(path)
    layers = list_layers(src)
    spatial = [n for n, t in layers if t is not None]
    names = [layer] if layer is not None else None
    if names is None:
        try:
            from .layers import choose_layer

            names = [choose_layer(src, layers, "any", None)]
        except LandcheckError:
            names = spatial  # several layers and no hint: describe each of them
    results = []
    for name in names:
        try:
            gdf, report = read_layer(path, layer=name, crs=crs, encoding=encoding)
            results.append(describe_layer(gdf, report))
        except LandcheckError as exc:
            if len(names) == 1:
                raise
            results.append({"path": str(path), "layer": name, "error": exc.message})
    if fmt == "json":
        click.echo(json.dumps(results[0] if len(results) == 1 else {"path": str(path), "layers": results},
                              ensure_ascii=False, indent=2))
        return
    for res in results:
        _print_description(res)


def _print_description(d: dict) -> None:
    con = console()
    if "error" in d:
        con.print(f"[bold]{d['path']}[/bold] · layer {d['layer']}: [red]{d['error']}[/red]\n", markup=True)
        return
    rr = d["read_report"]
    t = Table(title=f"{d['path']}", show_header=False, title_justify="left")
    t.add_column("", style="bold")
    t.add_column("")
    t.add_row("layers", ", ".join(d["layers"]))
    t.add_row("layer", f"{d['layer']} ({d['driver']})")
    t.add_row("features", f"{d['n_features']} (read {rr['n_read']}, repaired {len(rr['repaired'])}, dropped {len(rr['dropped'])})")
    t.add_row("CRS", f"{d['crs'] if len(d['crs']) < 40 else d['crs_name']} — {d['crs_name']} ({d['crs_source']})")
    t.add_row("encoding", f"{d['encoding']} ({d['encoding_source']})")
    t.add_row("fields", ", ".join(map(str, d["fields"])))
    if d["field_map"]:
        t.add_row("field map", ", ".join(f"{k} ← {v}" for k, v in d["field_map"].items()))
    t.add_row("extent (lon/lat)", ", ".join(f"{v:.5f}" for v in d["extent_lonlat"]))
    t.add_row("total area", f"{d['total_area_mu']:.2f} 亩 ({d['total_area_m2']:.2f} m², ellipsoidal CGCS2000)")
    if rr["code_reading"]:
        t.add_row("codes", rr["code_reading"])
    if rr["crs_warning"]:
        t.add_row("CRS warning", f"[yellow]{rr['crs_warning']}[/yellow]")
    for w in rr["warnings"]:
        t.add_row("note", w)
    if rr["mojibake_repaired"]:
        t.add_row("mojibake repaired", ", ".join(f"{k}: {v}" for k, v in rr["mojibake_repaired"].items()))
    con.print(t)
    if d["codes"]:
        c = Table(title="地类 (land-use codes)", title_justify="left")
        for col, just in (("DLBM", "left"), ("DLMC", "left"), ("in 永久基本农田", "left"), ("图斑数", "right"), ("面积(亩)", "right")):
            c.add_column(col, justify=just)
        for row in d["codes"]:
            c.add_row(row["code"], row["name"] or "?", row["pbf_class"] or "[red]unknown[/red]", str(row["count"]), f"{row['area_mu']:.2f}")
        con.print(c)
    for key, title in (("repaired", "repaired"), ("dropped", "dropped")):
        items = rr[key]
        if items:
            shown = "; ".join(f"{x['feature_id']}: {x['reason']}" for x in items[:5])
            more = f" … and {len(items) - 5} more (--format json lists all)" if len(items) > 5 else ""
            con.print(f"{title}: {shown}{more}")
    con.print()


# ------------------------------------------------------------------------------------------
# init / run
# ------------------------------------------------------------------------------------------
@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("landcheck.toml"))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented landcheck.toml template for your own layers."""
    if path.exists() and not force:
        raise LandcheckError(f"{path}: already exists. Edit it, or use --force to overwrite it with the template.")
    from .export import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    click.echo(f"wrote {path}: set the layer paths, then run `landcheck run {path}`")


@cli.command()
@click.argument("config", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Output folder (default: out/).")
@click.pass_context
def run(ctx: click.Context, config: Path | None, output: Path | None) -> None:
    """The main job: all checks on the bundled sample township, or on your layers with CONFIG."""
    from .pipeline import run as run_pipeline

    cfg = load_run_config(config) if config else sample_config()
    if output is not None:
        cfg.output_dir = output
    with progress_steps(ctx.obj["verbose"] >= 0) as step:
        result = run_pipeline(cfg, step)
    if ctx.obj["verbose"] >= 0 and result.farmland is not None:
        print_farmland_summary(result.farmland.summary, f"{cfg.township or '乡镇'} 永久基本农田核查")
        if "ledger" in result.farmland.summary:
            print_ledger_merge(result.farmland.summary["ledger"])
    if ctx.obj["verbose"] >= 0 and result.transfer is not None:
        ts = result.transfer.summary
        console().print(f"土地流转: {ts.get('n_blocks')} 块, 不足{cfg.min_block_mu:g}亩 {ts.get('n_below_min')} 块, "
                        f"合计 {ts.get('total_mu')} 亩, 目标 {ts.get('target_mu')} 亩 ({ts.get('progress_pct')} %)")
    if ctx.obj["verbose"] >= 0:
        for p in result.outputs.values():
            console().print(f"wrote {p}")
    for w in result.warnings:
        console(err=True).print(f"[yellow]warning: {w}[/yellow]")
    ctx.exit(result.exit_code)


@cli.command()
@named_input("survey", True, "地类图斑 DLTB layer (latest 年度变更调查).")
@named_input("farmland", True, "永久基本农田 layer.")
@click.option("--facility-records", type=click.Path(path_type=Path), default=None, help="设施农用地备案 polygons: 1202 inside them is not a finding.")
@click.option("--rules", type=click.Path(path_type=Path), default=None, help="TOML overriding the packaged rules.")
@click.option("--township", default="", help="乡镇 name written into the findings.")
@click.option("--threads", type=int, default=None, help="Threads for the overlay (default: all cores).")
@click.option("--ledger", type=click.Path(path_type=Path), default=None,
              help="整改台账 GeoPackage to merge the findings into (e.g. out/ledger.gpkg).")
@click.option("--prefix", default=None, help="Issue-id prefix of new tasks (default: --township, else the township code).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("out/farmland"), show_default=True)
@map_option("farmland")
@engine_options
@click.pass_context
def farmland(ctx, survey, survey_layer, survey_crs, survey_encoding, farmland, farmland_layer, farmland_crs,
             farmland_encoding, facility_records, rules, township, threads, ledger, prefix, output, map_path,
             engine, scheduler, work_dir, n_workers) -> None:
    """Find non-farm and non-grain use inside permanent basic farmland (exit 1 when found)."""
    from .pipeline import farmland_job

    with progress_steps(ctx.obj["verbose"] >= 0) as step:
        result, outputs = farmland_job(
            layer_spec(survey, survey_layer, survey_crs, survey_encoding),
            layer_spec(farmland, farmland_layer, farmland_crs, farmland_encoding),
            output, facility_records=layer_spec(facility_records, None, None, None), rules_path=rules,
            township=township, step=step, threads=threads, ledger_path=ledger, prefix=prefix, map_path=map_path,
            engine=engine_of(engine, scheduler, work_dir, n_workers),
        )
    if ctx.obj["verbose"] >= 0:
        print_farmland_summary(result.summary, "永久基本农田核查")
        if "ledger" in result.summary:
            print_ledger_merge(result.summary["ledger"])
        for p in outputs.values():
            console().print(f"wrote {p}")
    ctx.exit(1 if result.summary["n_findings"] else 0)


def print_ledger_merge(m: dict) -> None:
    """One line on what the run did to the ledger."""
    text = (f"整改台账: 新增 {m['n_new']} 项, 沿用 {m['n_matched']} 项, 更新 {m['n_updated']} 项, "
            f"待复核（已消失） {m['n_disappeared']} 项, 共 {m['n_tasks']} 项")
    if m.get("n_out_of_scope"):
        text += f"; 本次范围外 {m['n_out_of_scope']} 项未变"
    if m.get("finished_but_found"):
        text += f"; [yellow]已整改/已销号但仍检出 {len(m['finished_but_found'])} 项[/yellow]"
    console().print(text)


#: Categories of the farmland summary table, in its order; labels come from the vocabulary.
SUMMARY_CATEGORIES = ("cultivated", "non_grain_crop", "abandoned", "non_grain", "non_farm", "facility", "infrastructure", "other")
#: Categories of the per-village findings table.
VILLAGE_CATEGORIES = ("non_farm", "non_grain", "non_grain_crop", "abandoned", "facility", "other")


def print_farmland_summary(summary: dict, title: str) -> None:
    """Totals and a per-village table of findings, in mu."""
    con = console()
    t = Table(title=title, title_justify="left")
    t.add_column("类别")
    t.add_column("面积(亩)", justify="right")
    t.add_column("图斑数", justify="right")
    t.add_row("永久基本农田", f"{summary['pbf_mu']:.2f}", "")
    vocab = vocabulary()
    for c in SUMMARY_CATEGORIES:
        n = summary["n_by_category"].get(c, "")
        t.add_row(vocab.category_label(c), f"{summary[c + '_mu']:.2f}", str(n))
    t.add_row("细碎图斑（不计问题）", f"{summary['sliver_mu']:.2f}", "")
    t.add_row("调查未覆盖", f"{summary['uncovered_mu']:.2f}", "")
    con.print(t)
    v = Table(title="分村问题（亩）", title_justify="left")
    v.add_column("行政村", no_wrap=True)
    for c in VILLAGE_CATEGORIES:
        v.add_column(vocab.category_label(c, short=True), justify="right")
    v.add_column("合计", justify="right")
    v.add_column("处", justify="right")
    for name, entry in summary["by_village"].items():
        if not entry.get("n_findings"):
            continue
        cats = entry["categories"]
        v.add_row(name, *[f"{cats[c]['mu']:.2f}" if c in cats else "" for c in VILLAGE_CATEGORIES],
                  f"{entry['findings_mu']:.2f}", str(entry["n_findings"]))
    con.print(v)
    con.print(f"问题 {summary['n_findings']} 处, 合计 {summary['findings_mu']:.2f} 亩")
    if summary.get("farmland_overlaps"):
        con.print(f"[yellow]永久基本农田图斑相互重叠 {summary['farmland_overlaps']} 处 "
                  f"({summary['farmland_overlap_mu']:.2f} 亩), 只计一次[/yellow]")
    for w in summary.get("warnings", []):
        con.print(f"[yellow]warning: {w}[/yellow]")


def _register_subcommands() -> None:
    """Command groups that live in their own modules (one job each) join the main group here."""
    import importlib

    for module, name in (("landcheck.cli_ledger", "ledger"), ("landcheck.cli_maps", "map"),
                         ("landcheck.cli_transfer", "transfer"), ("landcheck.cli_survey", "survey")):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        cli.add_command(getattr(mod, name))


_register_subcommands()


def main() -> None:
    cli(obj={})


if __name__ == "__main__":  # pragma: no cover
    main()
