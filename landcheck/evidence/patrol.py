"""The day's 巡查日志 from a ledger: the tasks visited that day (a photo taken there, or a patrol track that
passed it), the photos taken, and the open tasks not visited for N days (or never); per task its photo
count and last visit (the workbook's columns); the tasks 已整改 without an 整改后 photo.

Pure: the ledger's tasks, history and photos layer in, frames out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from ..config import vocabulary
from ..ledger import parse_iso_date, status_roles
from .match import local_naive
from .store import VISIT_FIELD

LOG_COLUMNS = ("issue_id", "village", "status", "visited", "photos", "tracks", "last_visit", "days_since")


@dataclass
class Patrol:
    day: date
    days: int
    #: one row per task visited that day or open and not visited for `days` days (LOG_COLUMNS)
    log: pd.DataFrame
    photos: pd.DataFrame

    @property
    def visited(self) -> pd.DataFrame:
        return self.log[self.log["visited"]]

    @property
    def overdue(self) -> pd.DataFrame:
        return self.log[~self.log["visited"]]


def _photo_days(photos: pd.DataFrame, offset: str) -> pd.Series:
    def day(iso):
        try:
            t = local_naive(str(iso), offset)
        except ValueError:
            return None
        return t.date() if t else None
    return photos["taken_at"].map(day) if len(photos) else pd.Series([], dtype=object)


def visits(history: pd.DataFrame, photos: pd.DataFrame, offset: str = "+08:00") -> dict[str, list[tuple[date, str]]]:
    """issue_id → (day, track name or '' for a photo) of every visit: a photo taken there, a site check."""
    out: dict[str, list[tuple[date, str]]] = {}
    for iid, d in zip(photos.get("issue_id", []), _photo_days(photos, offset)):
        if d is not None:
            out.setdefault(str(iid), []).append((d, ""))
    h = history[history["field"] == VISIT_FIELD] if len(history) else history
    for iid, new in zip(h.get("issue_id", []), h.get("new", [])):
        d = parse_iso_date(str(new)[:10])
        if d is not None:
            out.setdefault(str(iid), []).append((d, str(new)[10:].strip()))
    return out


def task_evidence(tasks: pd.DataFrame, history: pd.DataFrame, photos: pd.DataFrame, offset: str = "+08:00") -> pd.DataFrame:
    """Per task (in the tasks' order): photo_count (photos attached) and last_visit (ISO day of the latest
    photo or site check; '' never)."""
    seen = visits(history, photos, offset)
    counts = photos["issue_id"].astype(str).value_counts().to_dict() if len(photos) else {}
    ids = tasks["issue_id"].astype(str)
    return pd.DataFrame({"issue_id": ids.to_numpy(), "photo_count": [int(counts.get(i, 0)) for i in ids],
                         "last_visit": [max(d for d, _ in seen[i]).isoformat() if i in seen else "" for i in ids]})


def patrol_log(tasks: pd.DataFrame, history: pd.DataFrame, photos: pd.DataFrame, day: date, days: int,
               offset: str = "+08:00") -> Patrol:
    """The 巡查日志 of `day` (see the module); `days`: open tasks last visited this many days before (or never)."""
    pdays = _photo_days(photos, offset)
    seen = {i: [(d, t) for d, t in v if d <= day] for i, v in visits(history, photos, offset).items()}
    tracks_today = {i: [t for d, t in v if d == day and t] for i, v in seen.items()}
    visits_ = {i: [d for d, _ in v] for i, v in seen.items() if v}
    today_photos = photos[[d == day for d in pdays]] if len(photos) else photos
    n_photos = today_photos["issue_id"].value_counts().to_dict() if len(today_photos) else {}
    roles = status_roles()
    closed = {*roles.finished, roles.disappeared}
    rows = []
    for iid, village, status in zip(tasks["issue_id"].astype(str), tasks["village"].astype(str), tasks["status"].astype(str)):
        last = max(visits_[iid]) if iid in visits_ else None
        since = (day - last).days if last else None
        visited = last == day
        if visited or (status not in closed and (since is None or since >= days)):
            rows.append({"issue_id": iid, "village": village, "status": status, "visited": visited,
                         "photos": int(n_photos.get(iid, 0)), "tracks": "; ".join(tracks_today.get(iid, [])),
                         "last_visit": last.isoformat() if last else "", "days_since": since})
    log = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    log = log.sort_values(["visited", "issue_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return Patrol(day, days, log, today_photos.drop(columns=["thumbnail", "geometry"], errors="ignore"))


def parse_day(text: str | None) -> date:
    """YYYY-MM-DD (None: today); ValueError when not a date."""
    return datetime.now().date() if not text else date.fromisoformat(text)


def done_without_after(tasks: pd.DataFrame, photos: pd.DataFrame) -> list[str]:
    """Issue ids of the tasks 已整改 with no photo of stage 整改后 (the county asks for them), sorted."""
    after = vocabulary().label("evidence_stage_after")
    with_after = set(photos.loc[photos["stage"] == after, "issue_id"].astype(str)) if len(photos) else set()
    done = tasks.loc[tasks["status"] == status_roles().done, "issue_id"].astype(str)
    return sorted(i for i in done if i not in with_after)
