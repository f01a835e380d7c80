"""`landcheck supplement`: 调出补划 — current 耕地 that can replace farmland which cannot be restored (exit 0
every need met, 1 some not met, 2 bad input).

Calls `pipeline.supplement.supplement_job` and prints what it returns.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import PATH, layer_spec, map_option, named_input, output_option
from .output import console, print_written, verbosity


@click.command()
@named_input("survey", True, "地类图斑 DLTB layer (latest 年度变更调查): where the candidates come from.")
@named_input("farmland", True, "永久基本农田 layer.")
@click.option("--from-ledger", "ledger", type=PATH, default=None,
              help="Ledger 整改台账: the need is its open tasks whose 整改措施 an officer set to 调出补划.")
@click.option("--include-suggested", is_flag=True,
              help="With --from-ledger: also tasks whose 调出补划 is landcheck's own untouched suggestion.")
@click.option("--need-mu", type=click.FloatRange(min=0, min_open=True), default=None,
              help="The need as one figure for the township (mu), instead of --from-ledger.")
@click.option("--exclude", "excludes", type=PATH, multiple=True,
              help="A layer candidates must avoid (城镇开发边界, 生态保护红线, planned construction); repeatable.")
@click.option("--prefer", "prefers", type=PATH, multiple=True,
              help="A layer preferred for candidates, in the order given (永久基本农田储备区, then 高标准农田); repeatable.")
@click.option("--township", default="", help="Township 乡镇 name written into the titles.")
@click.option("--rules", type=PATH, default=None, help="Rules 核查规则: TOML overriding the packaged rules ([supplement]).")
@output_option(Path("out") / "supplement")
@map_option("supplement")
@click.pass_context
def supplement(ctx: click.Context, ledger, include_suggested, need_mu, excludes, prefers, township, rules, output,
               map_path, online_assets, **values) -> None:
    """调出补划: propose current 耕地 to replace farmland taken out (exit 0 every need met, 1 some not met)."""
    if (ledger is None) == (need_mu is None):
        raise click.UsageError("give the need: --from-ledger LEDGER or --need-mu MU (one of them).")
    if include_suggested and ledger is None:
        raise click.UsageError("--include-suggested goes with --from-ledger.")
    from ..pipeline.supplement import SupplementOptions, supplement_job

    survey, farmland = layer_spec(values, "survey"), layer_spec(values, "farmland")
    options = SupplementOptions(output_dir=output, ledger_path=ledger, include_suggested=include_suggested, need_mu=need_mu,
                                excludes=list(excludes), prefers=list(prefers), rules_path=rules, township=township,
                                map_path=map_path, map_online_assets=online_assets)
    summary, outputs = supplement_job(survey, farmland, options)
    if verbosity(ctx) >= 0:
        print_books(summary)
        print_written(outputs.values())
    ctx.exit(0 if summary["all_met"] else 1)


def print_books(summary: dict) -> None:
    """The need, the proposal and the shortfall per village, the total row as printed."""
    from rich.table import Table

    from ..config import vocabulary

    L = vocabulary().label
    t = Table(title=L("supplement_title"), title_justify="left")
    for key in ("supplement_village", "supplement_need", "supplement_proposed", "supplement_shortfall",
                "supplement_n_parcels", "supplement_met", "supplement_township_used"):
        t.add_column(L(key), justify="left" if key == "supplement_village" else "right", overflow="fold")
    yes = lambda v: L("supplement_yes" if v else "supplement_no")  # noqa: E731
    for v, row in summary["by_village"].items():
        t.add_row(v or L("supplement_township"), f"{row['need_mu']:.2f}", f"{row['proposed_mu']:.2f}",
                  f"{row['shortfall_mu']:.2f}", str(row["n_parcels"]), yes(row["met"]), yes(row["township_used"]))
    t.add_row(vocabulary().label("total"), f"{summary['need_mu']:.2f}", f"{summary['proposed_mu']:.2f}",
              f"{summary['shortfall_mu']:.2f}", str(summary["n_proposed"]), yes(summary["all_met"]), "")
    console().print(t)
    if not summary["quality"]["slope_constraint"]:
        console().print(L("supplement_no_slope"))
