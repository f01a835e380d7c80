"""`landcheck survey`: quality check of a newly delivered layer (annual survey, 卫片 / 无人机 change
patches, farmland) and its changes against the baseline.

Calls `pipeline.survey_job` and prints what it returns. Exit status (a contract for scripts): 0 the
layer passed, 1 a problem (or change) at or above --fail-on, 2 bad input or usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import PATH, format_option, input_options, job_options, job_options_from, layer_spec, named_input
from .local_config import configured
from .output import console, print_warnings, print_written, progress_bar, verbosity
from .tables import print_ledger_merge, print_losses, print_unknown_codes

if TYPE_CHECKING:
    from ..pipeline.survey import SurveyJobResult

#: The summary's change figures shown on the terminal, in order (their words: cli_change_KEY); the
#: 耕地 account is a table of its own (`account_rows`).
CHANGE_FIGURES = ("new_construction_on_cultivated_mu", "new_on_farmland_mu", "in_farmland_mu", "in_cultivated_mu")
#: Causes printed even when nothing changed that way (the unclassified ones only when they hold ground).
ALWAYS_SHOWN = ("to_other_farmland", "to_construction", "to_unused", "exempt_water", "exempt_ecological",
                "exempt_disaster", "from_other_farmland", "from_construction", "from_unused")


@click.command()
@click.argument("path", type=PATH)
@input_options
@named_input("baseline", False, "Baseline 地类图斑 layer (last year's survey): report what changed (新增占用耕地 …).")
@named_input("farmland", False, "永久基本农田 layer: changes and change patches inside it are measured and flagged.")
@click.option("--schema", type=click.Choice(["auto", "dltb", "farmland", "change", "geometry"]), default="auto",
              show_default=True, help="What the layer is: 地类图斑 (dltb), 永久基本农田 (farmland), 卫片/无人机 change "
                                      "patches (change), or any polygons (geometry: geometry and topology only).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 when a problem of this severity or worse exists.")
@click.option("--batch", default="", help="监测批次 of 卫片 change patches whose layer has no batch field "
                                         "(default: [monitoring] batch in ./landcheck.toml).")
@format_option("text: a summary for a person; json: report.json on standard output, for scripts.")
@job_options("survey")
@click.pass_context
def survey(ctx: click.Context, schema, fail_on, batch, fmt, **values) -> None:
    """Survey layer check 成果质检: a delivered layer PATH: schema, codes, geometry, CRS, topology, and what changed against
    --baseline (exit 1 when a problem at or above --fail-on is found)."""
    from ..export import strict_nested
    from ..pipeline.survey import survey_job

    talk = verbosity(ctx) >= 0
    new, baseline, farmland = layer_spec(values), layer_spec(values, "baseline"), layer_spec(values, "farmland")
    with progress_bar(talk and fmt == "text") as progress:
        result, outputs = survey_job(new, job_options_from(values, progress), baseline=baseline, farmland=farmland,
                                     schema=schema, fail_on=fail_on, batch=configured(batch, "batch"))
    if fmt == "json":
        sys.stdout.write(json.dumps(strict_nested(result.report), ensure_ascii=False, indent=2, default=str, allow_nan=False) + "\n")
    elif talk:
        print_losses(result.summary.get("losses"))
        print_unknown_codes(result.summary.get("read_report", {}))
        print_survey_summary(result, new.path)
        if "ledger" in result.summary:
            print_ledger_merge(result.summary["ledger"])
        print_written(outputs.values())
    print_warnings(result.summary.get("warnings", []), err=True)
    ctx.exit(result.exit_code)


def print_survey_summary(result: SurveyJobResult, path: Path, max_rows: int = 15) -> None:
    """Counts by problem code, the first problems, the changes against the baseline, the verdict."""
    from rich.table import Table

    from ..config import vocabulary

    s = result.summary
    con = console()
    labels = vocabulary().labels
    severity = {level: vocabulary().label(f"cli_severity_{level}") for level in ("error", "warning")}
    con.print(f"[bold]{path.name}[/bold]: " + vocabulary().label("cli_survey_layer", n=s["n_features"], mu=s["area_mu"],
                                                    schema=s["schema"], crs=s.get("crs")))
    if s["n_problems"]:
        t = Table(title=vocabulary().label("cli_survey_problems"), title_justify="left")
        for col, just in ((vocabulary().label("cli_code"), "left"), (vocabulary().label("cli_problem"), "left"),
                          (severity["error"], "right"), (severity["warning"], "right")):
            t.add_column(col, justify=just)
        for code, n_err, n_warn in problem_count_rows(s):
            t.add_row(code, labels.get(f"cli_problem_{code}", code), str(n_err), str(n_warn))
        con.print(t)
        p = result.quality.problems
        shown = p.head(max_rows)
        d = Table(title=vocabulary().label("cli_survey_details", shown=len(shown), n=len(p)), title_justify="left")
        d.add_column(vocabulary().label("cli_code"))
        d.add_column(vocabulary().label("patch"), overflow="fold")
        d.add_column(vocabulary().label("cli_message"), overflow="fold")
        for code, fid, msg in zip(shown["code"], shown["feature_id"], shown["message"]):
            d.add_row(code, str(fid), str(msg))
        con.print(d)
    cs = s.get("changes")
    if cs:
        con.print(changes_line(cs))
        if cs.get("cultivated_account"):
            a = Table(title=vocabulary().label("cli_account_title"), title_justify="left")
            a.add_column(vocabulary().label("cli_account_cause"))
            a.add_column(vocabulary().label("mu"), justify="right")
            for label, mu in account_rows(cs["cultivated_account"]):
                a.add_row(label, mu)
            con.print(a)
    verdict = {0: f"[green]{vocabulary().label('cli_passed')}[/green]", 1: f"[red]{vocabulary().label('cli_failed')}[/red]"}[result.exit_code]
    con.print(f"{verdict}: " + vocabulary().label("cli_survey_verdict", error=severity["error"], n_errors=s["n_errors"],
                                     warning=severity["warning"], n_warnings=s["n_warnings"], fail_on=s["fail_on"]))


def problem_count_rows(summary: dict) -> list[tuple[str, int, int]]:
    """(code, errors, warnings) of every problem code in the summary's order: a code can be both (3 of
    19 missing fields errors, 16 warnings)."""
    sev = summary.get("counts_by_severity", {})
    return [(code, int(sev.get("error", {}).get(code, 0)), int(sev.get("warning", {}).get(code, 0)))
            for code in summary["counts"]]


def account_rows(account: dict) -> list[tuple[str, str]]:
    """The 耕地 account as printed (label, mu): each cause, then the totals and the two balances from
    the printed rows, in whole hundredths (the rows add up to the printed totals; domain.md §9.8)."""
    from ..config import vocabulary

    words = vocabulary()
    rows: list[tuple[str, str]] = []
    cents: dict[str, int] = {}
    totals = {}
    for side in ("out", "in"):
        for key, mu in account[side].items():
            if key in ALWAYS_SHOWN or mu:
                cents[key] = round(float(mu) * 100)
                rows.append((f"{words.label(f'cli_account_{side}')}: {words.label(f'cause_{key}')}",
                             f"{cents[key] / 100:.2f}"))
        totals[side] = sum(cents[k] for k in account[side] if k in cents)
        rows.append((words.label(f"cli_account_{side}_total"), f"{totals[side] / 100:.2f}"))
    balance = cents["from_other_farmland"] - cents["to_other_farmland"]
    rows.append((words.label("cli_account_in_out_balance"), f"{balance / 100:.2f}"))
    rows.append((words.label("cli_account_net"), f"{(totals['in'] - totals['out']) / 100:.2f}"))
    return rows


def changes_line(cs: dict) -> str:
    """One line of the changes' figures (mu) that the summary holds."""
    from ..config import vocabulary

    parts = [vocabulary().label("cli_label_mu", label=vocabulary().label(f"cli_change_{key}"), mu=cs[key])
             for key in CHANGE_FIGURES if isinstance(cs.get(key), (int, float))]
    if not parts:
        return vocabulary().label("cli_changes", what=vocabulary().label("cli_none"))
    n = cs.get("n_changes", cs.get("n_patches"))
    return vocabulary().label("cli_changes", what=(vocabulary().label("cli_n_places", n=n) + ", " if n is not None else "") + ", ".join(parts))
