"""`landcheck run`: the main job on the bundled sample township, or on the layers of a landcheck.toml.

Calls `pipeline.run` and prints what it returns; its exit status is the run's (`RunResult.exit_code`).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_run_config, sample_config, vocabulary
from ..pipeline import run as run_pipeline
from .options import PATH, output_option, unknown_codes_option
from .output import console, print_warnings, print_written, progress_bar, verbosity
from .tables import print_farmland_summary, print_ledger_merge, print_unknown_codes


@click.command()
@click.argument("config", type=PATH, required=False)
@output_option(None, help="Output folder (default: out/).")
@unknown_codes_option
@click.pass_context
def run(ctx: click.Context, config: Path | None, output: Path | None, unknown_codes: str) -> None:
    """The main job: all checks on the bundled sample township, or on your layers with CONFIG."""
    cfg = load_run_config(config) if config else sample_config()
    if output is not None:
        cfg.output_dir = output
    talk = verbosity(ctx) >= 0
    with progress_bar(talk) as progress:
        result = run_pipeline(cfg, progress, unknown_codes=unknown_codes)
    if talk:
        for job in (result.farmland, result.transfer):
            if job is not None:
                print_unknown_codes(job.summary.get("read_report", {}))
    if talk and result.farmland is not None:
        township = cfg.township or vocabulary().label("pipeline_township")
        print_farmland_summary(result.farmland.summary, f"{township} {vocabulary().label('cli_farmland_title')}")
        if "ledger" in result.farmland.summary:
            print_ledger_merge(result.farmland.summary["ledger"])
    if talk and result.transfer is not None:
        ts = result.transfer.summary
        console().print(vocabulary().label("cli_run_transfer", n_blocks=ts.get("n_blocks"), min_mu=cfg.min_block_mu,
                              n_below_min=ts.get("n_below_min"), total_mu=ts.get("total_mu"),
                              target_mu=ts.get("target_mu"), progress_pct=ts.get("progress_pct")))
    if talk:
        print_written(result.outputs.values())
    print_warnings(result.warnings, err=True)
    ctx.exit(result.exit_code)
