"""`landcheck ledger …`: the rectification ledger 整改台账 from the command line (export, import, status).

Thin: options in, functions of `ledger` / `spreadsheet` called, results printed. Exit status: 0 done,
2 bad input (LandcheckError, handled by the main group); `status` exits 1 when tasks are overdue.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from typing import TYPE_CHECKING

import click

from .local_config import configured
from .options import PATH, format_option
from .output import console, verbosity

if TYPE_CHECKING:
    from rich.table import Table

DEFAULT_LEDGER = Path("out/ledger.gpkg")


@click.group("ledger")
def ledger() -> None:
    """整改台账 (rectification ledger): export to Excel, import officers' edits, progress by village.

    The ledger (default out/ledger.gpkg) is written by the checks' runs (--ledger); these commands read it
    and bring the officers' 核查结论, 整改措施, 责任人, 整改时限 and 整改状态 back in.
    """


@ledger.command("export")
@click.argument("path", type=PATH, default=DEFAULT_LEDGER, required=False)
@click.option("-o", "--output", type=PATH, default=None,
              help="FILE.xlsx, FILE.csv or FILE.gpkg (default: beside the ledger, ledger.xlsx / ledger-county.xlsx).")
@click.option("--template", type=click.Choice(["default", "county"]), default="default", show_default=True,
              help="default: 汇总 + one sheet per village; county: the county's 非农违法图斑清单 (its 14 columns, "
                   "then 乡镇名称, 监测编号, 问题编号, 原地类, 现状地类, 种植属性).")
@click.option("--county", default="", help="县名称 written into the county template (default: [township] county "
                                            "in ./landcheck.toml).")
@click.option("--force", is_flag=True, help="Overwrite a workbook even if it has edits not imported yet.")
@click.pass_context
def export_cmd(ctx: click.Context, path: Path, output: Path | None, template: str, county: str, force: bool) -> None:
    """Export 导出台账: write the ledger PATH as Excel (or CSV / GeoPackage by the output's suffix)."""
    from ..ledger import export_csv, export_gpkg, load_ledger
    from ..manifest import verify
    from ..spreadsheet import export_xlsx

    verify(path.parent)  # the run that wrote the ledger's folder finished
    if output is None:
        output = path.with_name(path.stem + ("-county" if template == "county" else "") + ".xlsx")
    suffix = output.suffix.lower()
    if suffix != ".xlsx" and template != "default":
        raise click.UsageError("--template county writes .xlsx only.")
    if suffix == ".xlsx":
        county = configured(county, "county") if template == "county" else county
        export_xlsx(path, output, template=template, county=county, force=force)
    elif suffix == ".csv":
        export_csv(path, output)
    elif suffix == ".gpkg":
        if output.resolve() == path.resolve():
            raise click.UsageError("the output would replace the ledger itself; choose another file.")
        export_gpkg(path, output)
    else:
        raise click.UsageError(f"{output}: unknown output type; use .xlsx, .csv or .gpkg.")
    if verbosity(ctx) >= 0:
        tasks = load_ledger(path).tasks
        if template == "county":
            console().print(county_line(output, tasks), soft_wrap=True)
        else:
            console().print(f"wrote {output} ({len(tasks)} tasks)")


def county_line(output: Path, tasks) -> str:
    """What the county template lists and what it leaves out, and why (列出 18 项；未列出 159 项：…)."""
    from ..config import vocabulary
    from ..spreadsheet import county_selection

    listed, left = county_selection(tasks)
    label = vocabulary().label
    line = label("spreadsheet_county_listed", path=output, n=listed, left=len(tasks) - listed)
    return f"{line}：{'，'.join(left)}" if len(tasks) > listed else line


@ledger.command("import")
@click.argument("first", metavar="[LEDGER]", type=PATH)
@click.argument("second", metavar="FILE.xlsx", type=PATH, required=False)
@format_option()
@click.pass_context
def import_cmd(ctx: click.Context, first: Path, second: Path | None, fmt: str) -> None:
    """Import 导入台账: apply the officers' edits in FILE.xlsx to the ledger (default out/ledger.gpkg).

    Every value is checked first; one bad value (unknown status, bad date, unknown 问题编号 …) stops the
    import with a list of every bad cell (sheet, row, column), exit 2, and nothing is applied.
    """
    from rich.table import Table

    from ..config import vocabulary
    from ..export import strict_nested
    from ..ledger import HEADERS
    from ..spreadsheet import import_xlsx

    ledger_path, xlsx = (first, second) if second is not None else (DEFAULT_LEDGER, first)
    if xlsx.suffix.lower() != ".xlsx":
        raise click.UsageError(f"{xlsx}: give the .xlsx workbook (exported by `landcheck ledger export`).")
    result = import_xlsx(ledger_path, xlsx)
    if fmt == "json":
        click.echo(json.dumps(strict_nested(result.to_dict()), ensure_ascii=False, indent=2, allow_nan=False))
        return
    if verbosity(ctx) < 0:
        return
    con = console()
    if result.changes:
        t = Table(title=f"{xlsx.name} → {ledger_path}: {len(result.changes)} changes", title_justify="left")
        t.add_column(HEADERS["issue_id"], no_wrap=True)
        for key in ("cli_field", "cli_old_value", "cli_new_value", "cli_cell"):
            t.add_column(vocabulary().label(key))
        for c in result.changes:
            t.add_row(c["issue_id"], HEADERS.get(c["field"], c["field"]), c["old"], c["new"], f"{c['sheet']}!{c['column']}{c['row']}")
        con.print(t)
    else:
        con.print(f"{xlsx.name}: nothing new to import ({result.n_rows} rows read).")
    for c in result.conflicts:
        con.print(f"[yellow]note[/yellow]: {c['issue_id']} {HEADERS.get(c['field'], c['field'])} was changed in the ledger "
                  f"({c['exported']} → {c['ledger']}) since this workbook was exported; the workbook's {c['workbook']} was applied "
                  f"(the ledger's value is kept in history).", markup=True)
    for w in result.warnings:
        con.print(f"[yellow]warning[/yellow]: {w}", markup=True)
    if result.skipped_sheets:
        con.print(f"sheets without a {HEADERS['issue_id']} column were not read: {', '.join(result.skipped_sheets)}")


@ledger.command("status")
@click.argument("path", type=PATH, default=DEFAULT_LEDGER, required=False)
@format_option()
@click.option("--as-of", "as_of", default=None, help="Count overdue tasks as of this date (YYYY-MM-DD; default today).")
@click.pass_context
def status_cmd(ctx: click.Context, path: Path, fmt: str, as_of: str | None) -> None:
    """Status 整改进度: progress per village: tasks and mu by status, overdue tasks. Exit 1 when a task is overdue."""
    from ..config import vocabulary
    from ..export import strict_nested
    from ..ledger import ledger_status, load_ledger

    try:
        today = datetime.strptime(as_of, "%Y-%m-%d").date() if as_of else date.today()
    except ValueError:
        raise click.BadParameter(f"'{as_of}' is not a date like 2026-09-30.", param_hint="--as-of") from None
    L = load_ledger(path)  # read once: the status and the photos' check
    s = ledger_status(path, today=today, ledger=L)
    s["done_without_after_photo"] = _done_without_after(path, L)
    if fmt == "json":
        click.echo(json.dumps(strict_nested(s), ensure_ascii=False, indent=2, allow_nan=False))
    elif verbosity(ctx) >= 0:
        print_status(s)
        if s["done_without_after_photo"]:
            console().print(vocabulary().label("evidence_done_without_after", n=len(s["done_without_after_photo"]),
                                               ids="、".join(s["done_without_after_photo"][:20])), soft_wrap=True, markup=False)
    ctx.exit(1 if s["overdue"] or s["plan_gaps"]["overdue"] else 0)


def print_status(s: dict) -> None:
    """Tasks and mu by village and status (violations only; the 合计 row is the sum of the village rows
    as printed), the transfer plan's gaps apart, and the overdue tasks."""
    from rich.table import Table

    from ..config import vocabulary
    from ..ledger import HEADERS, cross_village_line, status_roles

    vocab = vocabulary()
    roles = status_roles()
    con = console()
    con.print(_status_table(s, vocab.label("cli_ledger_status_title", ledger=s["ledger"], as_of=s["as_of"])))
    plan = s.get("plan_gaps") or {}
    if plan.get("n"):
        con.print(_status_table(plan, vocab.label("cli_ledger_plan_title", category=vocab.category_label("transfer_below_min"))))
        for c in plan.get("cross_village") or []:
            con.print(cross_village_line(c))
    con.print(f"status columns: number of tasks; {vocabulary().label('cli_open_mu')}: mu not {roles.done}/{roles.closed}")
    if s["overdue_tasks"]:
        o = Table(title=f"{vocabulary().label('overdue')} {vocabulary().label('cli_n_places', n=len(s['overdue_tasks']))} "
                        f"(deadline passed, not {roles.done})", title_justify="left")
        for key in ("issue_id", "village", "deadline", "status", "resp_person"):
            o.add_column(HEADERS[key])
        o.add_column(vocabulary().label("mu"), justify="right")
        for x in s["overdue_tasks"]:
            o.add_row(x["issue_id"], x["village"], x["deadline"], x["status"], x["resp_person"], f"{x['area_mu']:.2f}")
        con.print(o)
    if s.get("unknown_statuses"):
        con.print(f"[yellow]statuses not in the vocabulary[/yellow]: {', '.join(s['unknown_statuses'])}", markup=True)


def _status_table(s: dict, title: str) -> Table:
    """One table of `ledger_status`'s figures: a row per village, then 合计."""
    from rich.table import Table

    from ..config import vocabulary
    from ..ledger import HEADERS

    statuses = vocabulary().statuses
    t = Table(title=title, title_justify="left")
    t.add_column(HEADERS["village"], no_wrap=True)
    t.add_column(vocabulary().label("places"), justify="right", no_wrap=True)
    t.add_column(vocabulary().label("mu"), justify="right", no_wrap=True)
    for st in statuses:
        # headers fold onto more lines rather than being cut to "未 …" on 80 columns
        t.add_column(st.replace("（", "\n（"), justify="right", overflow="fold")
    t.add_column(vocabulary().label("cli_open_mu"), justify="right", no_wrap=True)
    t.add_column(vocabulary().label("overdue"), justify="right", overflow="fold")

    def cells(b: dict) -> list[str]:
        out = [str(b["n"]), f"{b['mu']:.2f}"]
        for st in statuses:
            x = b["by_status"][st]
            out.append(str(x["n"]) if x["n"] else "")
        out.append(f"{b['open']['mu']:.2f}")
        out.append(f"[red]{b['overdue']}[/red]" if b["overdue"] else "")
        return out

    for v, b in s["by_village"].items():
        t.add_row(v, *cells(b))
    t.add_section()
    t.add_row(vocabulary().label("total"), *cells(s))
    return t


__all__ = ["ledger"]


def _done_without_after(path: Path, L) -> list[str]:
    """Tasks 已整改 without an 整改后 photo in the ledger's photos layer (landcheck evidence)."""
    from ..evidence.patrol import done_without_after
    from ..evidence.store import read_photos

    return done_without_after(L.tasks, read_photos(path))
