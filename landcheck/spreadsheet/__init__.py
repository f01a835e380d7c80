"""The ledger as an Excel workbook, out and back in.

* `write` — `export_xlsx`: `summary` (汇总), one `village` sheet each, the hidden lists, the `record`
  of what was exported; or the `county` template. `layout` holds names, columns and widths, `cells`
  the formats and cell writing;
* `read` — `import_xlsx`: `parse` finds and validates the officers' cells, a three-way comparison with
  the record applies only their edits, through `landcheck.ledger.apply_people_edits`.

Holds no ledger logic of its own: tasks, statuses and history are `landcheck.ledger`'s.
"""

from .county import county_rows, county_selection
from .layout import COUNTY_HEADERS, COUNTY_SHEET, LISTS_SHEET, RECORD_SHEET, RESERVED_SHEETS, SUMMARY_SHEET, legal_sheet_names
from .parse import Problem
from .read import ImportResult, ImportValidationError, import_xlsx, pending_edits
from .record import MARKER, canonical
from .write import UnimportedEditsError, export_xlsx

__all__ = [
    "COUNTY_HEADERS", "COUNTY_SHEET", "LISTS_SHEET", "MARKER", "RECORD_SHEET", "RESERVED_SHEETS", "SUMMARY_SHEET",
    "ImportResult", "ImportValidationError", "Problem", "UnimportedEditsError", "canonical", "county_rows", "county_selection", "export_xlsx",
    "import_xlsx", "legal_sheet_names", "pending_edits",
]
