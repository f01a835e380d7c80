"""`landcheck run`: the main job on the layers of a landcheck.toml (CONFIG, else ./landcheck.toml), or
on the bundled sample township when there is none; its first line says which.

Calls `pipeline.run` and prints what it returns. Exit status 0 when the outputs are written (findings
are a run's normal product), 1 with --fail-on-findings when anything is found, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .local_config import LOCAL_CONFIG
from .options import PATH, allow_drops_option, allow_partial_option, output_option, unknown_codes_option
from .output import console, print_warnings, print_written, progress_bar, verbosity
from .supplement import print_books
from .tables import print_farmland_summary, print_ledger_merge, print_losses, print_unknown_codes

if TYPE_CHECKING:
    from ..config import RunConfig


def chosen_config(config: Path | None) -> RunConfig:
    """CONFIG, else ./landcheck.toml when it exists, else the bundled sample township."""
    from ..config import load_run_config, sample_config

    if config is None and LOCAL_CONFIG.exists():
        config = LOCAL_CONFIG
    return load_run_config(config) if config else sample_config()


def first_line(cfg: RunConfig) -> str:
    """Which configuration and township the run is on."""
    from ..config import vocabulary

    if cfg.source is None:
        return vocabulary().label("cli_run_sample")
    return vocabulary().label("cli_run_config", township=cfg.township or vocabulary().label("pipeline_township"),
                              path=cfg.source, prefix=cfg.prefix)


def combined_merge(merges: list[dict]) -> dict:
    """One ledger line for the whole run: the counts of every merge added, the tasks the ledger holds
    after the last one."""
    keys = ("n_new", "n_matched", "n_updated", "n_disappeared", "n_out_of_scope", "n_not_rechecked")
    out = {k: sum(int(m.get(k) or 0) for m in merges) for k in keys}
    out["n_tasks"] = merges[-1]["n_tasks"]
    for k in ("finished_but_found", "kept_edits"):
        out[k] = [x for m in merges for x in (m.get(k) or [])]
    out["backup"] = next((m["backup"] for m in merges if m.get("backup")), None)
    return out


@click.command()
@click.argument("config", type=PATH, required=False)
@output_option(None, help="Output folder 输出目录 for results, ledger and maps (default: [output] dir and maps of the configuration).")
@unknown_codes_option
@allow_partial_option
@allow_drops_option
@click.option("--fail-on-findings", is_flag=True,
              help="Exit 1 when anything is found 有问题时退出码为1 (for scripts; default: exit 0 once the outputs are written).")
@click.option("--online-assets", is_flag=True,
              help="Link the maps' Leaflet/folium files from the CDN 在线加载地图组件 (by default the maps work offline).")
@click.pass_context
def run(ctx: click.Context, config: Path | None, output: Path | None, unknown_codes: str, allow_partial: bool,
        allow_drops: bool, fail_on_findings: bool, online_assets: bool) -> None:
    """Main job 一键核查: all checks on your layers (CONFIG, else ./landcheck.toml), or on the bundled sample township 示例镇."""
    from ..config import vocabulary
    from ..pipeline.main_job import run as run_pipeline

    cfg = chosen_config(config)
    if output is not None:  # everything the run writes moves with -o: results, ledger and maps
        cfg.output_dir, cfg.maps_dir = output, output / "maps"
    cfg.online_assets = online_assets
    talk = verbosity(ctx) >= 0
    if talk:
        console().print(first_line(cfg))
    with progress_bar(talk) as progress:
        result = run_pipeline(cfg, progress, unknown_codes=unknown_codes, allow_partial=allow_partial,
                              allow_drops=allow_drops)
    if talk:
        jobs = [job for job in (result.farmland, result.transfer) if job is not None]
        # each input once, though both checks read the survey
        print_losses({f"{role} {e['path']}": e for job in jobs for role, e in (job.summary.get("losses") or {}).items()})
        for job in jobs:
            print_unknown_codes(job.summary.get("read_report", {}))
    if talk and result.farmland is not None:
        township = cfg.township or vocabulary().label("pipeline_township")
        print_farmland_summary(result.farmland.summary, f"{township} {vocabulary().label('cli_farmland_title')}")
    if talk and result.transfer is not None:
        ts = result.transfer.summary
        console().print(vocabulary().label("cli_run_transfer", n_blocks=ts.get("n_blocks"), min_mu=cfg.min_block_mu,
                              n_below_min=ts.get("n_below_min"), total_mu=ts.get("total_mu"),
                              target_mu=ts.get("target_mu"), progress_pct=ts.get("progress_pct")))
    merges = [job.summary["ledger"] for job in (result.farmland, result.transfer)
              if job is not None and "ledger" in job.summary]
    if talk and merges:
        print_ledger_merge(combined_merge(merges))
    if talk and result.supplement is not None:
        print_supplement(result.supplement)
    if talk:
        print_written(result.outputs.values())
    print_warnings(result.warnings, err=True)
    ctx.exit(result.exit_code if fail_on_findings else 0)


def print_supplement(summary: dict) -> None:
    """The 调出补划 books of the run; first, when the need is landcheck's own suggestion, a line saying so."""
    from ..config import vocabulary

    if summary.get("suggested_only"):
        console().print(vocabulary().label("supplement_run_suggested", n=len(summary["suggested_only"])))
    print_books(summary)
