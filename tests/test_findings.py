"""`landcheck.findings`: the findings schema helpers."""

import pandas as pd

from landcheck.findings import village_order


def test_village_order_by_code():
    f = pd.DataFrame({"village": ["乙村", "甲村", "", "丙村"], "village_code": ["002", "001", "", ""]})
    assert village_order(f) == ["甲村", "乙村", "丙村", ""]
    assert village_order(f.drop(columns="village_code")) == ["丙村", "乙村", "甲村", ""]
