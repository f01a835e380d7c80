"""The 照片 sheet of the ledger workbook: every photo attached by `landcheck evidence import` (task, stage,
time, file relative to the ledger, content hash), by task and time; and the tasks' evidence columns
照片(张) and 最近核查 for the village sheets. An import skips the sheet (it holds no officer's edit).

Writes one sheet; the photo text (EXIF, paths) goes in as strings, never formulas.
"""

from __future__ import annotations

from ..config import vocabulary
from ..evidence.patrol import task_evidence
from ..evidence.store import read_photos
from ..ledger import HEADERS, Ledger
from .cells import put
from .layout import PHOTOS_SHEET


def with_evidence(L: Ledger, ledger_path) -> tuple[Ledger, object]:
    """The ledger with photo_count and last_visit columns on its tasks, and its photos layer."""
    photos = read_photos(ledger_path)
    ev = task_evidence(L.tasks, L.history, photos)
    L.tasks = L.tasks.assign(photo_count=ev["photo_count"].to_numpy(), last_visit=ev["last_visit"].to_numpy())
    return L, photos


def photos_sheet(wb, fmt, photos) -> None:
    """The 照片 sheet (nothing when no photo is attached)."""
    if photos is None or not len(photos):
        return
    lab = vocabulary().label
    ws = wb.add_worksheet(PHOTOS_SHEET)
    heads = [HEADERS["issue_id"], lab("evidence_col_stage"), lab("evidence_col_taken"), lab("evidence_col_file"),
             lab("evidence_col_hash")]
    for c, (h, w) in enumerate(zip(heads, (14, 9, 26, 40, 66))):
        ws.write_string(0, c, h, fmt["head"])
        ws.set_column(c, c, w)
    rows = photos.sort_values(["issue_id", "taken_at", "path"], kind="stable")
    for r, (_, p) in enumerate(rows.iterrows(), start=1):
        for c, key in enumerate(("issue_id", "stage", "taken_at", "path", "sha256")):
            put(ws, r, c, p[key], "text", fmt)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, len(rows), len(heads) - 1)
