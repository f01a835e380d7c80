"""Bringing officers' edits back (`import_xlsx`): the people-filled columns of every village sheet,
applied to the ledger with history. Everything is validated first; one bad value raises
`ImportValidationError` naming sheet, row and column of every bad value, and nothing is applied.

A three-way comparison against the export record applies only what officers changed in this copy; the
same comparison tells an export whether a workbook still holds edits not imported (`unsafe_to_overwrite`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import vocabulary
from ..errors import LandcheckError
from ..ledger import HEADERS, Ledger, apply_people_edits, ledger_transaction, load_ledger
from .layout import COUNTY_SHEET
from .parse import Parsed, Problem, parse_workbook
from .record import Record, canonical, read_record


class ImportValidationError(LandcheckError):
    """Bad values in a workbook: `problems` names each; nothing was applied."""

    def __init__(self, xlsx: Path, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        n = len(problems)
        super().__init__(f"{xlsx}: {n} bad value{'s' if n != 1 else ''}, nothing was imported:\n{lines}")


@dataclass
class ImportResult:
    """What an import changed. `changes`: dicts issue_id, field, old, new, sheet, row."""

    xlsx: Path
    changes: list[dict] = field(default_factory=list)
    n_rows: int = 0
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"xlsx": str(self.xlsx), "n_rows": self.n_rows, "n_changes": len(self.changes), "changes": self.changes,
                "sheets": self.sheets, "skipped_sheets": self.skipped_sheets, "conflicts": self.conflicts, "warnings": self.warnings}


def office_lock_files(path: Path) -> list[Path]:
    """Owner files of LibreOffice (``.~lock.NAME#``) or Excel/WPS (``~$NAME``) beside `path`."""
    cands = [path.with_name(f".~lock.{path.name}#"), path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])]
    return [c for c in cands if c.exists()]


def open_workbook(xlsx: Path):
    """The workbook, read-only, formulas as formulas (openpyxl; an import refuses them). LandcheckError when it
    is missing or no .xlsx."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not xlsx.exists():
        raise LandcheckError(f"{xlsx}: file not found.")
    try:
        return load_workbook(xlsx, read_only=True)  # formulas as formulas: an import refuses them
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LandcheckError(f"{xlsx}: cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc}).") from None


def _edits(L: Ledger, parsed: Parsed, record: Record | None) -> tuple[list[tuple], list[dict], list[dict]]:
    """Three-way: a cell is applied when it differs from what was exported (officers changed it) and from
    the ledger now. Without an export record every difference from the ledger is applied."""
    T = L.tasks.set_index("issue_id", drop=False)
    edits, where, conflicts = [], [], []
    for iid, vals in parsed.cells.items():
        base_row = record.values.get(iid) if record else None
        for key, (new, sheet, row, col) in vals.items():
            cur = canonical(key, T.at[iid, key])
            base = base_row.get(key) if base_row is not None and key in base_row else None
            if base is not None and new == base:
                continue
            if new == cur:
                continue
            if base is not None and cur != base:
                conflicts.append({"issue_id": iid, "field": key, "exported": base, "ledger": cur, "workbook": new,
                                  "sheet": sheet, "row": row})
            value = (float(new) if new else None) if key == "remaining_mu" else new
            edits.append((iid, key, value))
            where.append({"sheet": sheet, "row": row, "column": col})
    return edits, where, conflicts


def _n_pending(L: Ledger, wb, record: Record | None) -> int:
    """Cells that differ from both the export and the ledger, bad values included."""
    parsed = parse_workbook(wb, L)
    edits, _, _ = _edits(L, parsed, record)
    return len(edits) + len(parsed.problems)


def import_xlsx(ledger_path: str | Path, xlsx_path: str | Path) -> ImportResult:
    """Read the people-filled columns of every village sheet and apply them to the ledger with history.
    Validates everything first: any bad value (unknown status, bad date, unknown 问题编号, …) raises
    ImportValidationError listing every one of them by sheet, row and column, and nothing is applied.
    Rows missing from the workbook leave their tasks unchanged."""
    ledger_path, xlsx = Path(ledger_path), Path(xlsx_path)
    wb = open_workbook(xlsx)
    try:
        record = read_record(wb)
        if record and record.template == "county":
            raise LandcheckError(f"{xlsx}: this is the county {COUNTY_SHEET} layout, which has no "
                                 f"{vocabulary().label('spreadsheet_ledger')} columns to import. "
                                 f"Import the workbook written by `landcheck ledger export` (default template).")
        result = ImportResult(xlsx=xlsx)
        if office_lock_files(xlsx):
            result.warnings.append(f"{xlsx.name} is open in a spreadsheet program: unsaved changes there are not imported.")
        if record is None:
            result.warnings.append("no landcheck export record in this workbook: every value that differs from the ledger is applied.")
        with ledger_transaction(ledger_path, purpose=f"import {xlsx.name}") as L:
            if record and record.ledger_id and record.ledger_id != L.meta.get("ledger_id"):
                raise LandcheckError(f"{xlsx}: was exported from another ledger (id {record.ledger_id}), not from {ledger_path} "
                                     f"(id {L.meta.get('ledger_id')}). Its {HEADERS['issue_id']} may mean other tasks here; "
                                     f"nothing was imported.")
            parsed = parse_workbook(wb, L)
            if parsed.problems:
                raise ImportValidationError(xlsx, parsed.problems)
            edits, where, conflicts = _edits(L, parsed, record)
            changes = apply_people_edits(L, edits, origin=f"import {xlsx.name}")
            loc = {(e[0], e[1]): w for e, w in zip(edits, where)}
            result.changes = [{**c, **loc[(c["issue_id"], c["field"])]} for c in changes]
            result.n_rows, result.sheets, result.skipped_sheets = parsed.n_rows, parsed.sheets, parsed.skipped
            result.conflicts = conflicts
            result.warnings += parsed.warnings
            if not changes:
                L.touched = False
    finally:
        wb.close()
    return result


def pending_edits(ledger_path: str | Path, xlsx_path: str | Path) -> int:
    """How many cells of an exported workbook differ from both the export and the ledger (edits not yet
    imported), bad values included."""
    L = load_ledger(ledger_path)
    wb = open_workbook(Path(xlsx_path))
    try:
        return _n_pending(L, wb, read_record(wb))
    finally:
        wb.close()


def unsafe_to_overwrite(L: Ledger, xlsx: Path) -> str | None:
    """Why `xlsx` must not be replaced by an export (None when it may)."""
    try:
        wb = open_workbook(xlsx)
    except LandcheckError:
        return "exists and is not a workbook landcheck wrote"
    try:
        record = read_record(wb)
        if record is None:
            return "exists and was not written by landcheck"
        if record.template == "county":
            return None
        if record.ledger_id and record.ledger_id != L.meta.get("ledger_id"):
            return "was exported from another ledger"
        n = _n_pending(L, wb, record)
        return f"has {n} edited cell{'s' if n != 1 else ''} not imported yet" if n else None
    finally:
        wb.close()
