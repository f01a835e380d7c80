"""Dates as offices write them (landcheck.checks.dates): every form read, nothing guessed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from landcheck.checks.dates import read_date

MARCH_1 = dt.date(2022, 3, 1)


@pytest.mark.parametrize("value", [
    "2022-03-01", "2022-3-1", "2022/3/1", "2022/03/01", "2022.3.1", "2022.03.01", "20220301", 20220301,
    20220301.0, "2022年3月1日", "2022年03月01日", "2022 年 3 月 1 日", "2022年3月1号", "２０２２－０３－０１",
    " 2022-03-01 ", 44621, 44621.0, "44621", "44621.0", 44621.75, np.int64(44621), np.float64(44621.0),
    dt.date(2022, 3, 1), dt.datetime(2022, 3, 1, 23, 59), pd.Timestamp("2022-03-01 10:00"),
    np.datetime64("2022-03-01T10:00"), np.datetime64("2022-03-01"), "2022-03-01T10:00:00",
    "2022-03-01 10:00:00", "2022-03-01 10:00", "2022-03-01T10:00:00+08:00", "2022-03-01T00:00:00.000Z",
    "2022/3/1 8:05:00", "2022年3月1日 10时30分",
])
def test_every_usual_form_is_read(value):
    assert read_date(value) == (MARCH_1, "ok")


def test_excel_serials_count_from_1899_12_30():
    assert read_date(44527) == (dt.date(2021, 11, 27), "ok")  # the cutoff of 166号
    assert read_date(44526) == (dt.date(2021, 11, 26), "ok")


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, pd.NaT, pd.NA, np.datetime64("NaT"), "", "   "])
def test_missing_values_are_missing(value):
    assert read_date(value) == (None, "missing")


@pytest.mark.parametrize("value", [
    "2022-02-30", "2021-13-01", "2022-3", "2022年3月", "2022", "1/3/2022", "3/1/2022", "22-3-1", "2022-03/01",
    "abc", "去年", "二〇二二年三月一日", "0001-01-01", "2022-03-01 morning", "20221301", 123, 202203011, -44621,
    True, "1.5",
])
def test_anything_else_is_unreadable_never_guessed(value):
    assert read_date(value) == (None, "unreadable")
