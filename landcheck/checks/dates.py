"""Dates as offices write them in record tables: 2022-03-01, 2022/3/1, 2022.3.1, 20220301, 2022年3月1日,
ISO with a time, Excel serial numbers (44621), and the values GDAL gives (datetime.date, pandas
Timestamp, numpy datetime64). A value that is none of these is never guessed: it is `unreadable`.

Pure functions on single values; no layers, no rules.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import numpy as np
import pandas as pd

#: Years a filing date may have; a date outside (0001-01-01, a GDB's empty date) is unreadable.
YEARS = (1950, 2100)
#: Day 0 of Excel's serial numbers (1899-12-30, so that 1900's phantom 29 February is skipped).
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Excel serials read as dates: five digits (10000 = 1927-05-18 … 99999 = 2173-10-14).
EXCEL_SERIALS = (10_000, 99_999)

_YMD = re.compile(
    r"(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"  # 2022-03-01, 2022/3/1, 2022.3.1
    r"|(?P<cy>\d{4})\s*年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*[日号]?"        # 2022年3月1日
)
#: What may follow a date: a time (10:00, 10:00:00.000, with Z or +08:00), or 10时30分.
_TIME = re.compile(r"(?:[T\s]+\d{1,2}(?::\d{2}){0,2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\s*\d{1,2}\s*[时点](?:\s*\d{1,2}\s*分)?"
                   r"(?:\s*\d{1,2}\s*秒)?)?")


def read_date(value) -> tuple[dt.date | None, str]:
    """(date, state) of one delivered value; state is `ok`, `missing` (blank, None, NaN, NaT) or
    `unreadable` (then the date is None)."""
    if _missing(value):
        return None, "missing"
    if isinstance(value, (bool, np.bool_)):
        return None, "unreadable"
    if isinstance(value, dt.datetime):  # pandas Timestamp included
        return _checked(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        ts = pd.Timestamp(value)
        return _checked(ts.year, ts.month, ts.day)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None, "missing"
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _number(float(text), digits=text.split(".")[0])
    m = _YMD.match(text)
    if m is None or not _TIME.fullmatch(text[m.end():]):
        return None, "unreadable"
    if m.group("y"):
        return _checked(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    return _checked(int(m.group("cy")), int(m.group("cm")), int(m.group("cd")))


def date_text(value) -> str:
    """A delivered value as the notes quote it ('' for missing)."""
    if _missing(value):
        return ""
    return str(value).strip()


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number(x: float, digits: str | None = None) -> tuple[dt.date | None, str]:
    """20220301 (yyyymmdd) or an Excel serial (44621, 44621.5 with a time of day)."""
    if not math.isfinite(x) or x < 0:
        return None, "unreadable"
    whole = int(x)
    digits = digits if digits is not None else str(whole)
    if len(digits) == 8 and x == whole:
        return _checked(whole // 10_000, whole // 100 % 100, whole % 100)
    if EXCEL_SERIALS[0] <= whole <= EXCEL_SERIALS[1] and len(digits) == 5:
        d = EXCEL_EPOCH + dt.timedelta(days=whole)
        return _checked(d.year, d.month, d.day)
    return None, "unreadable"


def _checked(y: int, m: int, d: int) -> tuple[dt.date | None, str]:
    if not YEARS[0] <= y <= YEARS[1]:
        return None, "unreadable"
    try:
        return dt.date(y, m, d), "ok"
    except ValueError:
        return None, "unreadable"
