"""Tables and lines that more than one command prints: what a run did to the ledger, and the farmland
check's totals and per-village findings (`landcheck farmland` and `landcheck run`).

Formats a summary dict; computes nothing. The library and rich are imported inside each function, so
that declaring a command (`landcheck --help`) loads neither.
"""

from __future__ import annotations

from pathlib import Path

from .output import console, print_warnings

#: Categories of the per-village findings table.
VILLAGE_CATEGORIES = ("non_farm", "non_grain", "pond", "non_grain_crop", "mixed_crop", "abandoned", "facility", "other")


def print_ledger_merge(m: dict) -> None:
    """One line on what the run did to the ledger."""
    from ..config import vocabulary
    from ..ledger import status_roles

    roles = status_roles()
    text = vocabulary().label("cli_ledger_merge", n_new=m["n_new"], n_matched=m["n_matched"], n_updated=m["n_updated"],
                 disappeared=roles.disappeared, n_disappeared=m["n_disappeared"], n_tasks=m["n_tasks"])
    if m.get("n_out_of_scope"):
        text += vocabulary().label("cli_ledger_out_of_scope", n=m["n_out_of_scope"])
    if m.get("n_not_rechecked"):
        text += "; [yellow]" + vocabulary().label("cli_ledger_not_rechecked", n=m["n_not_rechecked"],
                                                  disappeared=roles.disappeared) + "[/yellow]"
    if m.get("finished_but_found"):
        found = vocabulary().label("cli_ledger_finished_but_found", done=roles.done, closed=roles.closed, n=len(m["finished_but_found"]))
        text += f"; [yellow]{found}[/yellow]"
    if m.get("kept_edits"):
        text += "; [yellow]" + vocabulary().label("cli_ledger_kept_edits", n=len(m["kept_edits"])) + "[/yellow]"
    console().print(text)
    if m.get("backup"):
        console().print(vocabulary().label("cli_ledger_backup", path=m["backup"]))


def print_losses(found: dict) -> None:
    """One line per input that lost or guessed anything in reading (summary.json `losses`): features
    dropped (with the reasons and first ids) and repaired, text repaired or cleaned, a CRS or encoding
    guessed — so that no loss lives only in summary.json."""
    from ..config import vocabulary

    vocab = vocabulary()
    for role, e in (found or {}).items():
        parts = []
        if e["n_dropped"]:
            why = "、".join(f"{r} ×{n}" for r, n in e["reasons"].items())
            parts.append(vocab.label("cli_losses_dropped", n=e["n_dropped"], n_read=e["n_read"], why=why,
                                     ids="、".join(e["dropped_ids"])))
        if e["n_repaired"]:
            parts.append(vocab.label("cli_losses_repaired", n=e["n_repaired"], ids="、".join(e["repaired_ids"])))
        if e["crs"]:
            parts.append(vocab.label(f"cli_losses_crs_{e['crs']}"))
        if e["encoding"]:
            parts.append(vocab.label("cli_losses_encoding", encoding=e["encoding"]))
        if e["mojibake"] or e["text_cleaned"]:
            parts.append(vocab.label("cli_losses_text", n=e["mojibake"] + e["text_cleaned"]))
        name = Path(str(e["path"])).name
        console().print(f"[yellow]{vocab.label('cli_losses', name=name)}{'；'.join(parts)}[/yellow]")


def print_unknown_codes(read_reports: dict, roles=None) -> None:
    """For each survey layer (`roles`, default `pipeline.outputs.SURVEY_ROLES`), a table of its land-use
    codes and names that map to no class: the code or name, its features, mu and what the checks do with
    it (nothing when there is none)."""
    from rich import box
    from rich.table import Table

    from ..config import vocabulary
    from ..pipeline.outputs import SURVEY_ROLES
    from ..units import area_mu

    roles = SURVEY_ROLES if roles is None else roles
    vocab = vocabulary()
    for role, rep in read_reports.items():
        table = (rep or {}).get("unknown_table") or []
        if role not in roles or not table:
            continue
        t = Table(title=vocab.label("cli_unknown_title", name=Path(str(rep.get("path"))).name), title_justify="left",
                  box=box.SIMPLE_HEAD)
        t.add_column(vocab.label("cli_unknown_value"))
        t.add_column(vocab.label("cli_n_patches"), justify="right")
        t.add_column(vocab.label("mu"), justify="right")
        t.add_column(vocab.label("cli_unknown_action"), overflow="fold")
        for e in table:
            m2 = e.get("area_m2")
            mu = "" if m2 is None or m2 != m2 else f"{area_mu(m2):.2f}"
            kind = vocab.label("cli_unknown_kind_code" if e["kind"] == "code" else "cli_unknown_kind_name")
            action = vocab.label(f"unknown_action_{e['action']}", category=vocab.category_label(e["category"]))
            t.add_row(f"{e['value']}（{kind}）", str(e["rows"]), mu, action)
        console().print(t)


def print_farmland_summary(summary: dict, title: str) -> None:
    """Totals and a per-village table of findings, in mu, as printed: every figure is the sum of the
    printed figures it totals (summary `printed`, checks/printed.py): a category is the sum of its
    findings' printed mu; 耕地（种粮） is the printed 永久基本农田 less every other printed row, so
    that the rows add up to it; villages in village-code order."""
    from rich import box
    from rich.table import Table

    from ..config import CATEGORIES, vocabulary
    from ..findings import HEADERS_ZH

    con = console()
    vocab = vocabulary()
    p = summary["printed"]
    t = Table(title=title, title_justify="left")
    t.add_column(HEADERS_ZH["category"])
    t.add_column(HEADERS_ZH["area_mu"], justify="right")
    t.add_column(vocab.label("places"), justify="right")  # findings (pieces), not survey patches
    origins = list(vocab.origins)
    by_origin = p.get("by_origin", {})
    for o in origins:
        t.add_column(vocab.origins[o], justify="right")
    blank = [""] * len(origins)
    t.add_row(vocab.label("farmland"), f"{p['pbf_mu']:.2f}", "", *blank)
    for c in CATEGORIES:
        n = p["n_by_category"].get(c, "")
        cells = by_origin.get(c, {})
        t.add_row(vocab.category_label(c), f"{p['categories'][c]:.2f}", str(n),
                  *[f"{cells[o]:.2f}" if o in cells else "" for o in origins])
    t.add_row(vocab.label("cli_slivers"), f"{p['sliver_mu']:.2f}", "", *blank)
    t.add_row(vocab.label("cli_uncovered"), f"{p['uncovered_mu']:.2f}", "", *blank)
    t.add_section()
    t.add_row(vocab.label("farmland_net"), f"{p['pbf_net_mu']:.2f}", "", *blank)
    con.print(t)
    v = Table(title=vocab.label("cli_findings_by_village"), title_justify="left", box=box.SIMPLE_HEAD,
              pad_edge=False, padding=(0, 0, 0, 1), collapse_padding=True)  # 80 columns hold every category
    v.add_column(HEADERS_ZH["village"], no_wrap=True)
    found = {c for entry in p["by_village"].values() for c in entry.get("categories", {})}
    shown = [c for c in VILLAGE_CATEGORIES if c in found]  # a column only for categories with findings
    for c in shown:
        short = vocab.category_label(c, short=True)  # a 4-character header on two lines: figures never cut
        v.add_column(short if len(short) < 4 else f"{short[:2]}\n{short[2:]}", justify="right", no_wrap=True, min_width=5)
    v.add_column(vocab.label("total"), justify="right", no_wrap=True, min_width=6)
    v.add_column(vocab.label("places"), justify="right", no_wrap=True, min_width=3)
    for name, entry in p["by_village"].items():
        if not entry.get("n_findings"):
            continue
        cats = entry["categories"]
        v.add_row(name, *[f"{cats[c]:.2f}" if c in cats else "" for c in shown],
                  f"{entry['findings_mu']:.2f}", str(entry["n_findings"]))
    con.print(v)
    con.print(vocabulary().label("cli_findings_total", n=p["n_findings"], mu=p["findings_mu"]))
    if summary.get("farmland_overlaps"):
        overlaps = vocabulary().label("cli_farmland_overlaps", n=summary["farmland_overlaps"], mu=summary["farmland_overlap_mu"])
        con.print(f"[yellow]{overlaps}[/yellow]")
    print_warnings(summary.get("warnings", []))
