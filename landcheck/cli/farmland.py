"""`landcheck farmland`: non-farm and non-grain use inside permanent basic farmland (exit 1 when found).

Calls `pipeline.farmland_job` and prints what it returns.
"""

from __future__ import annotations

import click

from .options import PATH, job_options, job_options_from, layer_spec, named_input
from .output import print_written, progress_bar, verbosity
from .tables import print_farmland_summary, print_ledger_merge, print_losses, print_unknown_codes


@click.command()
@named_input("survey", True, "地类图斑 DLTB layer (latest 年度变更调查).")
@named_input("farmland", True, "永久基本农田 layer.")
@click.option("--facility-records", type=PATH, default=None,
              help="设施农用地备案 polygons with their type and filing date: 1202 inside an allowed record is not a finding.")
@named_input("baseline", False, "Baseline 地类图斑 layer (last year's survey): 新增 or 存量 of every finding.")
@job_options("farmland")
@click.pass_context
def farmland(ctx: click.Context, facility_records, **values) -> None:
    """Farmland check 永久基本农田核查: non-farm 非农化 and non-grain 非粮化 use inside permanent basic farmland (exit 1 when found)."""
    from ..config import LayerSpec, vocabulary
    from ..pipeline.farmland import farmland_job

    talk = verbosity(ctx) >= 0
    survey, farmland = layer_spec(values, "survey"), layer_spec(values, "farmland")
    records = None if facility_records is None else LayerSpec(path=facility_records)
    baseline = layer_spec(values, "baseline")
    with progress_bar(talk) as progress:
        result, outputs = farmland_job(survey, farmland, job_options_from(values, progress), facility_records=records,
                                       baseline=baseline)
    if talk:
        print_losses(result.summary.get("losses"))
        print_unknown_codes(result.summary["read_report"])
        print_farmland_summary(result.summary, vocabulary().label("cli_farmland_title"))
        if "ledger" in result.summary:
            print_ledger_merge(result.summary["ledger"])
        print_written(outputs.values())
    ctx.exit(1 if result.summary["n_findings"] else 0)
