"""The rectification ledger 整改台账: a GeoPackage that remembers every task across runs.

* `schema` — the columns (tool-filled, people-filled, bookkeeping), headers, status roles;
* `lock`, `store` — the lock beside the file, loading and the atomic save;
* `match`, `disappear`, `merge` — a run's findings into the ledger (matchers, tasks no longer found);
* `edits` — people's edits with history; `status` — progress and overdue tasks; `export` — CSV/GPKG;
* `cross_village` — transfer blocks over more than one village, their land in each.

A run updates only tool-filled fields; people-filled fields are written by an import (or once, when a
task is created). Draws no maps and writes no workbooks (`landcheck.spreadsheet` does).
"""

from .cross_village import cross_village_line, cross_village_tasks, touching
from .edits import apply_people_edits
from .export import export_csv, export_gpkg
from .lock import ledger_lock, lock_path
from .merge import MergeResult, merge_findings, next_issue_ids
from .schema import (
    BOOK_FIELDS, DATE_FIELDS, DECIMALS, FORMAT_VERSION, HEADERS, HISTORY, HISTORY_COLUMNS, META, NUMERIC_FIELDS,
    PEOPLE_FIELDS, PLAN_CATEGORIES, TASK_COLUMNS, TASKS, TOOL_FIELDS, StatusRoles, empty_tasks, is_blank, is_violation,
    parse_iso_date, status_roles,
)
from .status import ledger_status, overdue_mask
from .store import IDENTITY_KEYS, Ledger, check_identity, ledger_transaction, load_ledger, new_ledger, read_meta, read_tasks, save_ledger

__all__ = [
    "IDENTITY_KEYS", "check_identity", "read_meta",
    "BOOK_FIELDS", "DATE_FIELDS", "DECIMALS", "FORMAT_VERSION", "HEADERS", "HISTORY", "HISTORY_COLUMNS", "META",
    "NUMERIC_FIELDS", "PEOPLE_FIELDS", "PLAN_CATEGORIES", "TASK_COLUMNS", "TASKS", "TOOL_FIELDS", "Ledger", "MergeResult", "StatusRoles",
    "apply_people_edits", "cross_village_line", "cross_village_tasks", "touching", "empty_tasks", "export_csv", "export_gpkg", "is_blank", "is_violation", "ledger_lock",
    "ledger_status", "ledger_transaction", "load_ledger", "lock_path", "merge_findings", "new_ledger", "next_issue_ids",
    "overdue_mask", "parse_iso_date", "read_tasks", "save_ledger", "status_roles",
]
