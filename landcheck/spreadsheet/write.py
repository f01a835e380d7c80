"""Writing the ledger as an Excel workbook (xlsxwriter), atomically: 汇总, one sheet per village, the
hidden drop-down lists and the export record — or the county's template. Every text goes in with
``write_string``: a value such as ``=HYPERLINK("http://x","y")`` stays text.

Refuses to replace a workbook that holds edits not yet imported; reads nothing else.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..errors import LandcheckError
from ..export import atomic_path
from ..ledger import Ledger, cross_village_tasks, load_ledger
from ..text import clean_frame, clean_text
from .cells import formats
from .county import county_sheet
from .layout import legal_sheet_names, village_names
from .photos_sheet import photos_sheet, with_evidence
from .read import office_lock_files, unsafe_to_overwrite
from .record import write_record
from .summary import summary_sheet
from .transfer_sheet import transfer_sheet
from .village import lists_sheet, village_sheet


class UnimportedEditsError(LandcheckError):
    """The target workbook holds officers' edits not yet imported (or is not landcheck's)."""


def export_xlsx(ledger_path: str | Path, out_path: str | Path, template: str = "default", *, county: str = "",
                today: date | None = None, force: bool = False) -> Path:
    """Write the ledger as an XLSX workbook, atomically. `template`: ``default`` (汇总 + one sheet per
    village) or ``county`` (非农违法图斑清单). Refuses (UnimportedEditsError) to replace a workbook that
    has edits not yet imported, or that landcheck did not write, unless `force`."""
    if template not in ("default", "county"):
        raise LandcheckError(f"unknown template '{template}': use default or county.")
    ledger_path, out_path = Path(ledger_path), Path(out_path)
    today = today or date.today()
    L, photos = with_evidence(without_controls(load_ledger(ledger_path)), ledger_path)
    locks = office_lock_files(out_path)
    if locks:
        raise LandcheckError(f"{out_path}: is open in a spreadsheet program ({locks[0].name} exists). Close it first.")
    if out_path.exists() and not force:
        reason = unsafe_to_overwrite(L, out_path)
        if reason:
            raise UnimportedEditsError(
                f"{out_path}: {reason}. Import it first (landcheck ledger import {ledger_path} {out_path}), "
                f"export to another file, or use --force to overwrite it."
            )
    try:
        _write_workbook(L, out_path, template, clean_text(county), today, photos)
    except PermissionError as exc:
        raise LandcheckError(f"{out_path}: cannot be replaced ({exc}). Is it open in Excel or WPS? Close it and retry.") from None
    return out_path


def without_controls(L: Ledger) -> Ledger:
    """The ledger's tasks, blocks and meta without control characters (a last guard: they make the workbook
    invalid XML; a ledger written by an earlier version may hold them)."""
    L.tasks = clean_frame(L.tasks)[0]
    L.meta = {clean_text(k): clean_text(v) for k, v in L.meta.items()}
    if L.blocks is not None:
        L.blocks = clean_frame(L.blocks)[0]
    return L


def _write_workbook(L: Ledger, out_path: Path, template: str, county: str, today: date, photos=None) -> None:
    import xlsxwriter

    with atomic_path(out_path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        try:
            fmt = formats(wb)
            if template == "county":
                county_sheet(wb, fmt, L, county, today)
            else:
                names = village_names(L.tasks)
                sheets = legal_sheet_names(names)
                summary_sheet(wb, fmt, L, names, sheets, today)
                cross = cross_village_tasks(L.tasks, L.blocks)
                for v in names:
                    village_sheet(wb, fmt, L, v, sheets[v], cross)
                transfer_sheet(wb, fmt, L, today)  # only when the ledger's block registry holds blocks
                photos_sheet(wb, fmt, photos)  # only when photos are attached (landcheck evidence)
                lists_sheet(wb)
            write_record(wb, L, template)
        finally:
            wb.close()
