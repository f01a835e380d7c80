"""The day's 巡查日志 from a ledger: the tasks visited that day (a photo taken there, or a patrol track that
passed it), the photos taken, and the open tasks not visited for N days (or never).

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


def patrol_log(tasks: pd.DataFrame, history: pd.DataFrame, photos: pd.DataFrame, day: date, days: int,
               offset: str = "+08:00") -> Patrol:
    """The 巡查日志 of `day` (see the module); `days`: open tasks last visited this many days before (or never)."""
    pdays = _photo_days(photos, offset)
    visits: dict[str, list[date]] = {}
    for iid, d in zip(photos.get("issue_id", []), pdays):
        if d is not None and d <= day:
            visits.setdefault(str(iid), []).append(d)
    tracks_today: dict[str, list[str]] = {}
    h = history[history["field"] == VISIT_FIELD] if len(history) else history
    for iid, new in zip(h.get("issue_id", []), h.get("new", [])):
        d = parse_iso_date(str(new)[:10])
        if d is not None and d <= day:
            visits.setdefault(str(iid), []).append(d)
            if d == day:
                tracks_today.setdefault(str(iid), []).append(str(new)[10:].strip())
    today_photos = photos[[d == day for d in pdays]] if len(photos) else photos
    n_photos = today_photos["issue_id"].value_counts().to_dict() if len(today_photos) else {}
    roles = status_roles()
    closed = {*roles.finished, roles.disappeared}
    rows = []
    for iid, village, status in zip(tasks["issue_id"].astype(str), tasks["village"].astype(str), tasks["status"].astype(str)):
        last = max(visits[iid]) if iid in visits else None
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
