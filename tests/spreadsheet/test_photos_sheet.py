"""The ledger workbook with field evidence: 照片(张) and 最近核查 on the village sheets, the 照片 sheet, and
the round trip (an officer's edit imported, the evidence columns ignored by the import and written again)."""

from __future__ import annotations

import openpyxl

from landcheck.config import vocabulary
from landcheck.evidence import evidence_settings
from landcheck.evidence.importer import import_folder
from landcheck.ledger import HEADERS, load_ledger
from landcheck.spreadsheet import export_xlsx, import_xlsx

from ..evidence.conftest import write_photo
from ..evidence.test_core import ll, write_gpx
from ..evidence.test_import import make_ledger

LABEL = vocabulary().label


def _rows(ws):
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if HEADERS["issue_id"] in r)
    return rows[head], rows[head + 1:]


def test_workbook_evidence_columns_and_round_trip(tmp_path):
    ledger = make_ledger(tmp_path / "ledger.gpkg")
    f = tmp_path / "field"
    write_photo(f / "a.jpg", *ll(50, 50))
    write_photo(f / "b.jpg", *ll(60, 50), color=(9, 9, 9), when="2026:06:14 08:00:00")
    write_gpx(f / "t.gpx", "巡查", [(-50, 120), (200, 120), (450, 120), (450, 400)])
    import_folder(f, ledger, evidence_settings())
    book = export_xlsx(ledger, tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(book)
    head, rows = _rows(wb["东村"])
    n, last, iid, status = (head.index(HEADERS[k]) for k in ("photo_count", "last_visit", "issue_id", "status"))
    by_id = {r[iid]: r for r in rows if r[iid]}
    assert by_id["SL-2026-0001"][n] == 2 and by_id["SL-2026-0001"][last].date().isoformat() == "2026-06-14"
    assert by_id["SL-2026-0002"][n] == 0 and by_id["SL-2026-0002"][last].date().isoformat() == "2026-06-12"
    assert by_id["SL-2026-0003"][last] is None
    photos = [[c.value for c in r] for r in wb[LABEL("evidence_photos_sheet")].iter_rows()]
    assert photos[0][:2] == [HEADERS["issue_id"], LABEL("evidence_col_stage")] and len(photos) == 3
    assert {p[3] for p in photos[1:]} == {"field/a.jpg", "field/b.jpg"}
    # an officer's edit goes in; the evidence columns and the 照片 sheet are not read
    ws = wb["东村"]
    for r in ws.iter_rows():
        if r[iid].value == "SL-2026-0003":
            r[status].value = vocabulary().statuses[1]
    wb.save(book)
    result = import_xlsx(ledger, book)
    assert [(c["issue_id"], c["field"]) for c in result.changes] == [("SL-2026-0003", "status")]
    assert not result.warnings
    assert load_ledger(ledger).tasks.set_index("issue_id").loc["SL-2026-0003", "status"] == vocabulary().statuses[1]
    export_xlsx(ledger, book)
    head2, _ = _rows(openpyxl.load_workbook(book)["东村"])
    assert head2 == head
