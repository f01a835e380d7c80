"""`evidence import`: every photo and GPX track under a folder into the ledger. Photos are read, matched
and staged; new ones (by content hash) become rows of the ledger's `photos` layer and `photo` history
rows, tracks `site_check` rows; all in one atomic save under the ledger's lock. Importing the same folder
again changes nothing. Each photo ends as one report row: attached, known, or listed with its reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import vocabulary
from ..errors import LandcheckError
from ..ledger import ledger_transaction
from ..ledger.schema import now
from .copies import copy_photos
from .match import local_naive, match_photos, stage_of, stage_times
from .photos import HEIC_SUFFIXES, JPEG_SUFFIXES, read_photo
from .settings import EvidenceSettings
from .store import ORIGIN, PHOTO_FIELD, VISIT_FIELD, append_photos, read_photos, visit_rows
from .tracks import read_gpx, tasks_passed, tasks_with_ground

#: Report statuses (keys; words: vocabulary evidence_status_KEY).
ATTACHED, KNOWN, LISTED = "attached", "known", "listed"
REPORT_COLUMNS = ("file", "status", "issue_id", "stage", "distance_m", "taken_at", "lon", "lat", "direction", "device",
                  "sha256", "reason", "detail")


@dataclass
class ImportResult:
    folder: str
    report: pd.DataFrame
    #: (issue_id, date, track name, distance_m) of new site checks; tracks read; unreadable GPX files
    visits: list[tuple] = field(default_factory=list)
    tracks: int = 0
    track_problems: list[tuple[str, str]] = field(default_factory=list)
    copies: list[Path] = field(default_factory=list)

    def count(self, status: str) -> int:
        return int((self.report["status"] == status).sum()) if len(self.report) else 0


def walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """Photos (JPEG, HEIC) and GPX files under `folder`, recursively, sorted; symbolic links not followed."""
    photos, gpx = [], []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            p = Path(root) / name
            if name.startswith(".") or p.is_symlink():
                continue
            suffix = p.suffix.lower()
            if suffix in JPEG_SUFFIXES + HEIC_SUFFIXES:
                photos.append(p)
            elif suffix == ".gpx":
                gpx.append(p)
    return photos, gpx


def relative(path: Path, base: Path) -> str:
    """`path` relative to the folder `base` (posix separators)."""
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()


def inside_ledger_tree(target: Path, ledger_path: Path) -> None:
    """LandcheckError unless `target` lies in the ledger's folder tree (copies are filed beside the ledger)."""
    base = ledger_path.resolve().parent
    if not target.resolve().is_relative_to(base):
        raise LandcheckError(f"{target}: --copy-to must be a folder inside the ledger's folder {ledger_path.parent} "
                             f"(copies are filed beside the ledger), e.g. --copy-to {ledger_path.parent / 'photos'}.")


def import_folder(folder: str | Path, ledger_path: str | Path, settings: EvidenceSettings, stage: str | None = None,
                  copy_to: str | Path | None = None) -> ImportResult:
    """Import every photo and track under `folder` into the ledger (see the module). `stage`: before /
    during / after for every photo (else from each task's history)."""
    folder, ledger_path = Path(folder), Path(ledger_path)
    if not folder.is_dir():
        raise LandcheckError(f"{folder}: not a folder. Give the folder of photos (and GPX tracks) to import.")
    if copy_to is not None:
        inside_ledger_tree(Path(copy_to), ledger_path)
    label = vocabulary().label
    photo_paths, gpx_paths = walk(folder)
    records = [read_photo(p, settings.limits) for p in photo_paths]
    tracks_read = [(gpx, *read_gpx(gpx, settings.limits.default_offset)) for gpx in gpx_paths]  # before the lock
    rows = [{"file": relative(Path(r.path), folder), "status": LISTED, "issue_id": "", "stage": "", "distance_m": None,
             "taken_at": r.taken_at, "lon": r.lon, "lat": r.lat, "direction": r.direction, "device": r.device,
             "sha256": r.sha256, "reason": r.reason, "detail": r.detail} for r in records]
    result = ImportResult(str(folder), pd.DataFrame(columns=list(REPORT_COLUMNS)))
    to_copy = []
    with ledger_transaction(ledger_path, purpose="evidence import") as ledger:
        ledger.touched = False
        photos = read_photos(ledger_path)
        known = dict(zip(photos["sha256"], zip(photos["issue_id"], photos["stage"])))
        usable = [i for i, r in enumerate(records) if not r.reason]
        for i in usable:
            if records[i].sha256 in known:
                rows[i].update(status=KNOWN, issue_id=known[records[i].sha256][0], stage=known[records[i].sha256][1])
        fresh = [i for i in usable if rows[i]["status"] != KNOWN]
        matched = match_photos(pd.DataFrame([records[i].to_dict() for i in fresh], index=fresh), ledger.tasks, settings) \
            if fresh else pd.DataFrame(columns=["issue_id", "distance_m", "reason", "detail"])
        history = ledger.all_history()  # the photo rows this import logs below are no visits
        times = stage_times(history, ledger.tasks)
        new_rows, seen = [], set()
        base = ledger_path.parent
        for i, m in matched.iterrows():
            rec, row = records[i], rows[i]
            row.update(reason=m["reason"], detail=m["detail"])
            if not m["issue_id"]:
                continue
            row.update(issue_id=m["issue_id"], distance_m=m["distance_m"])
            key = stage or stage_of(local_naive(rec.taken_at, settings.limits.default_offset), times.get(m["issue_id"], (None, None)))
            if not key:
                row.update(reason="evidence_reason_no_time")
                continue
            if rec.sha256 in seen:  # the same photo twice in the folder
                row.update(status=KNOWN, stage=label(f"evidence_stage_{key}"))
                continue
            seen.add(rec.sha256)
            word = label(f"evidence_stage_{key}")
            row.update(status=ATTACHED, stage=word)
            path = relative(Path(rec.path), base)
            new_rows.append({**{k: getattr(rec, k) for k in ("sha256", "taken_at", "lon", "lat", "direction", "altitude", "device",
                                                             "thumbnail")},
                             "path": path, "drone": "1" if rec.drone else "0", "issue_id": m["issue_id"], "stage": word,
                             "distance_m": m["distance_m"], "imported": now()})
            ledger.log(m["issue_id"], PHOTO_FIELD, "", f"{word} {path}", ORIGIN)
        for i, row in enumerate(rows):
            if row["status"] in (ATTACHED, KNOWN) and row["issue_id"]:
                to_copy.append((photo_paths[i], row["sha256"], row["issue_id"], row["stage"]))
        done = visit_rows(history)
        live = tasks_with_ground(ledger.tasks) if tracks_read else None
        for gpx, tracks, reason in tracks_read:
            if reason:
                result.track_problems.append((relative(gpx, folder), reason))
            for track in tracks:
                result.tracks += 1
                for issue_id, dist in tasks_passed(track, ledger.tasks, settings.track_tolerance_m, live):
                    text = f"{track.date} {track.name}".strip()
                    if (issue_id, text) in done:
                        continue
                    done.add((issue_id, text))
                    ledger.log(issue_id, VISIT_FIELD, "", text, ORIGIN)
                    result.visits.append((issue_id, track.date, track.name, dist))
        if new_rows:
            ledger.layers["photos"] = append_photos(photos, new_rows)
    result.report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    if copy_to is not None:
        result.copies = copy_photos(to_copy, Path(copy_to))
    return result


def report_frame(result: ImportResult) -> pd.DataFrame:
    """The report as evidence_report.csv holds it: statuses and reasons in words, the detail kept."""
    label = vocabulary().label
    df = result.report.copy()
    df["status"] = df["status"].map(lambda s: label(f"evidence_status_{s}"))
    df["reason"] = df["reason"].map(lambda r: label(r.split(":")[0]) if r else "")
    return df
