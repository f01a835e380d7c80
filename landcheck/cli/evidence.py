"""`landcheck evidence …`: field photos and patrol tracks into the ledger (import), the day's 巡查日志 (patrol).

Thin: options in, `landcheck.evidence` called, results printed and written (evidence_report.csv,
巡查日志_DATE.csv, summary.json, manifest.json). Exit status: import 0 every photo attached (or known),
1 some listed with a reason; patrol 0, 1 open tasks not visited for --days; 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import PATH, format_option, output_option
from .output import console, verbosity

DEFAULT_LEDGER = Path("out/ledger.gpkg")


def _settings(rules: Path | None):
    from ..config import load_rules
    from ..evidence import evidence_settings

    return evidence_settings(load_rules(rules))


@click.group("evidence")
def evidence() -> None:
    """现场照片与巡查轨迹 (field evidence): phone and drone photos, and GPX patrol tracks, attached to ledger tasks."""


@evidence.command("import")
@click.argument("folder", type=PATH)
@click.option("--ledger", "ledger_path", type=PATH, default=DEFAULT_LEDGER, show_default=True, help="The ledger 整改台账.")
@click.option("--stage", type=click.Choice(["before", "during", "after"]), default=None,
              help="Stage of every photo (整改前 / 整改中 / 整改后); default: from each task's status history.")
@click.option("--copy-to", type=PATH, default=None, help="Also copy attached photos here, named by task (SL-2026-0040_整改前_1.jpg).")
@click.option("--rules", type=PATH, default=None, help="Rules TOML overriding [evidence] (tolerances, limits, time offset).")
@output_option(None, "Folder of evidence_report.csv (default: evidence/ beside the ledger).")
@format_option()
@click.pass_context
def import_cmd(ctx, folder: Path, ledger_path: Path, stage, copy_to, rules, output, fmt) -> None:
    """Import 导入现场照片: every photo (JPEG; HEIC with pillow-heif) and GPX track under FOLDER, recursively.

    Photos attach to the task whose ground holds their position, else the nearest within 30 m (drone
    100 m) they face; tracks add 现场核查 rows. Originals are only read. Every photo not attached is
    listed with its reason (console and evidence_report.csv). Importing again changes nothing.
    """
    from ..evidence.importer import import_folder, report_frame
    from ..export import strict_nested, write_csv, write_json
    from ..manifest import begin, write_manifest

    settings = _settings(rules)
    out = output or ledger_path.parent / "evidence"
    result = import_folder(folder, ledger_path, settings, stage=stage, copy_to=copy_to)
    begin(out)
    report = report_frame(result)
    files = [write_csv(report, out / "evidence_report.csv")]
    summary = {"command": "evidence import", "folder": str(folder), "ledger": str(ledger_path),
               "photos": len(report), "attached": result.count("attached"), "known": result.count("known"),
               "listed": result.count("listed"), "tracks": result.tracks, "site_checks": len(result.visits),
               "copies": [str(p) for p in result.copies],
               "track_problems": [{"file": f, "reason": r} for f, r in result.track_problems]}
    files.append(write_json(summary, out / "summary.json"))
    write_manifest(out, files, keep=True)
    if fmt == "json":
        click.echo(json.dumps(strict_nested({**summary, "report": report.to_dict("records")}), ensure_ascii=False, indent=2,
                              default=str))
    elif verbosity(ctx) >= 0:
        print_import(result, report, out)
    ctx.exit(1 if summary["listed"] or result.track_problems else 0)


def print_import(result, report, out: Path) -> None:
    from ..config import vocabulary

    label = vocabulary().label
    con = console()
    con.print(label("evidence_import_line", folder=result.folder, photos=len(report), attached=result.count("attached"),
                    known=result.count("known"), listed=result.count("listed"), tracks=result.tracks,
                    visits=len(result.visits)), soft_wrap=True, markup=False)
    for _, r in report[result.report["status"] == "listed"].iterrows():
        con.print(f"  {r['file']}: {r['reason']}" + (f" ({r['detail']})" if r["detail"] else ""), soft_wrap=True, markup=False)
    for f, reason in result.track_problems:
        con.print(f"  {f}: {label(reason.split(':')[0])}", soft_wrap=True, markup=False)
    for p in result.copies:
        con.print(f"  → {p}", soft_wrap=True, markup=False)
    con.print(f"wrote {out / 'evidence_report.csv'}", markup=False)


@evidence.command("patrol")
@click.option("--ledger", "ledger_path", type=PATH, default=DEFAULT_LEDGER, show_default=True, help="The ledger 整改台账.")
@click.option("--date", "day", default=None, help="The day YYYY-MM-DD (default: today).")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="List open tasks not visited for this many days (default: patrol_days of the rules, 30).")
@click.option("--rules", type=PATH, default=None, help="Rules TOML overriding [evidence].")
@output_option(None, "Folder of 巡查日志_DATE.csv (default: evidence/ beside the ledger).")
@format_option()
@click.pass_context
def patrol_cmd(ctx, ledger_path: Path, day, days, rules, output, fmt) -> None:
    """Patrol 巡查日志: the tasks visited on --date (photos, tracks), and open tasks not visited for --days.
    Exit 1 when such open tasks exist."""
    from ..config import vocabulary
    from ..evidence.patrol import parse_day, patrol_log
    from ..evidence.store import read_photos
    from ..export import strict_nested, write_csv
    from ..ledger import load_ledger
    from ..manifest import begin, write_manifest

    try:
        when = parse_day(day)
    except ValueError:
        raise click.BadParameter(f"{day!r} is not a date like 2026-06-12.", param_hint="--date") from None
    settings = _settings(rules)
    ledger = load_ledger(ledger_path)
    p = patrol_log(ledger.tasks, ledger.history, read_photos(ledger_path), when, days or settings.patrol_days,
                   settings.limits.default_offset)
    out = output or ledger_path.parent / "evidence"
    label = vocabulary().label
    begin(out)
    files = [write_csv(p.log, out / label("evidence_patrol_file", date=when.isoformat()))]
    write_manifest(out, files, keep=True)
    if fmt == "json":
        click.echo(json.dumps(strict_nested({"date": when.isoformat(), "days": p.days, "log": p.log.to_dict("records"),
                                             "photos": len(p.photos)}), ensure_ascii=False, indent=2, default=str))
    elif verbosity(ctx) >= 0:
        con = console()
        con.print(label("evidence_patrol_title", date=when.isoformat()), markup=False)
        con.print(label("evidence_patrol_visited", n=len(p.visited)) + "，" + label("evidence_patrol_photos", n=len(p.photos)),
                  markup=False)
        for _, r in p.visited.iterrows():
            con.print(f"  {r['issue_id']} {r['village']} {r['status']} {r['photos']} {r['tracks']}".rstrip(), markup=False)
        con.print(label("evidence_patrol_overdue", days=p.days, n=len(p.overdue)), markup=False)
        for _, r in p.overdue.iterrows():
            last = r["last_visit"] or label("evidence_patrol_never")
            con.print(f"  {r['issue_id']} {r['village']} {r['status']} {last}", markup=False)
        con.print(f"wrote {files[0]}", markup=False)
    ctx.exit(1 if len(p.overdue) else 0)
