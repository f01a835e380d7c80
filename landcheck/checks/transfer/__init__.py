"""The land-transfer check (土地流转): contiguous blocks of transferred parcels, blocks under the
township's minimum, progress against the target, and the farmland rules on transferred land.

Pure: GeoDataFrames in, a `TransferResult` out; no printing, no files. See docs/transfer.md.
"""

from __future__ import annotations

from .blocks import contiguous_blocks
from .check import TransferResult, check_transfer
from .parcels import CONTRACT_AREA_FIELDS, OPERATOR_FIELDS, natural_key, parcel_ids, suggest_group_field
from .problems import (BELOW_MIN, CATEGORY_BELOW_MIN, CATEGORY_NON_FARM, CATEGORY_NON_GRAIN, CATEGORY_OVERLAP, CHECK,
                       DATA_PROBLEM, NON_FARM, NON_GRAIN, VERIFY_MEASURE)

__all__ = [
    "BELOW_MIN", "CATEGORY_BELOW_MIN", "CATEGORY_NON_FARM", "CATEGORY_NON_GRAIN", "CATEGORY_OVERLAP", "CHECK",
    "CONTRACT_AREA_FIELDS", "DATA_PROBLEM", "NON_FARM", "NON_GRAIN", "OPERATOR_FIELDS", "VERIFY_MEASURE",
    "TransferResult", "check_transfer", "contiguous_blocks", "natural_key", "parcel_ids", "suggest_group_field",
]
